"""Fault 4: a web process stopped with SIGTERM (a deploy, a scale-in) while viewers watch.

Invariant: each viewer gets a 1001 "going away" close (not uvicorn's 1012, not a
dropped TCP connection), reconnects to another web process with ``since`` and is
right again: no value older than what it had, in order, updates flowing.
"""

from __future__ import annotations

import asyncio
import signal
import time

import pytest

from tests.faults.helpers import MovingPrice, Viewer, assert_in_order_without_duplicates, create_feed, report
from tests.processes import start_beat, start_web, start_worker

pytestmark = [pytest.mark.integration, pytest.mark.faults]


async def test_sigterm_closes_viewers_with_1001_and_they_resume_on_another_process(
    fault_env, upstream, stack
):
    await create_feed(upstream)
    mover = MovingPrice(upstream)
    try:
        web_a, port_a = start_web(fault_env)
        stack.add(web_a)
        web_b, port_b = start_web(fault_env)
        stack.add(web_b)
        stack.add(start_worker(fault_env))
        stack.add(start_beat(fault_env))

        viewers = [Viewer(port_a, ["AAPL"]) for _ in range(3)]
        for v in viewers:
            await v.start()
        for v in viewers:
            await v.wait_for(lambda f: f.get("type") == "update", timeout=20)

        stopped_at = time.monotonic()
        web_a.send_signal(signal.SIGTERM)
        for v in viewers:
            await asyncio.wait_for(v.task, 10)
        codes = [v.closed[1] for v in viewers]
        close_s = max(v.closed[0] for v in viewers) - stopped_at
        assert codes == [1001] * 3, f"close codes {codes}"
        notices = [f for v in viewers for _, f in v.frames if f.get("type") == "shutdown"]

        resumed = []
        for old in viewers:
            last = old.data("AAPL")[-1]["seq"]
            new = Viewer(port_b, ["AAPL"])
            await new.start(since={"AAPL": last})
            await new.wait_for(lambda f, last=last: f.get("type") == "update" and f["seq"] > last, timeout=10)
            resumed.append(time.monotonic() - stopped_at)
            frames = new.data("AAPL")
            assert all(f["seq"] > last for f in frames), "got a value older than the one it had"
            assert_in_order_without_duplicates(old.data("AAPL") + frames)
            await new.close()
        await asyncio.to_thread(web_a.popen.wait, 10)  # raises TimeoutExpired if it lingers
        report(
            "web SIGTERM",
            all_closed=close_s,
            resumed_on_other=max(resumed),
            close_codes=codes,
            shutdown_notices=len(notices),
        )
    finally:
        mover.stop()
