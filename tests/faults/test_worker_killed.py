"""Fault 2: a worker killed with SIGKILL in the middle of a poll (the upstream is slow).

Invariant: the feed's next poll runs as soon as the dead poll's lease lapses
(lease = retry budget (the interval) + request timeout + 2 s, not minutes); the viewer's updates resume and
none is published twice or out of order (seq and price strictly grow).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time

import psutil
import pytest

from feeds.services import LEASE_MARGIN_S
from tests.faults.helpers import (
    MovingPrice,
    Viewer,
    assert_in_order_without_duplicates,
    create_feed,
    report,
    track_requests,
)
from tests.processes import start_beat, start_web, start_worker

pytestmark = [pytest.mark.integration, pytest.mark.faults]

INTERVAL, TIMEOUT, UPSTREAM_DELAY = 1.0, 3.0, 1.5


def process_group_of_client(port: int) -> int | None:
    for conn in psutil.net_connections(kind="tcp"):
        if conn.laddr and conn.laddr.port == port and conn.pid:
            return os.getpgid(conn.pid)
    return None


async def test_a_poll_killed_midway_is_retried_on_time_without_duplicates(fault_env, upstream, stack):
    await create_feed(upstream, interval=INTERVAL, timeout=TIMEOUT)
    in_flight, started = track_requests(upstream)
    mover = MovingPrice(upstream)
    try:
        web, port = start_web(fault_env)
        stack.add(web)
        workers = [stack.add(start_worker(fault_env, name=f"w{i}")) for i in range(2)]
        stack.add(start_beat(fault_env))
        viewer = Viewer(port, ["AAPL"])
        await viewer.start()
        await viewer.wait_for(lambda f: f.get("type") == "update", timeout=20)

        upstream.delay = UPSTREAM_DELAY
        victim, deadline = None, time.monotonic() + 20
        while victim is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            for client_port in list(in_flight):
                group = process_group_of_client(client_port)
                victim = next((w for w in workers if w.popen.pid == group), None)
        assert victim is not None, "no worker was seen polling the slow upstream"
        killed_at = time.monotonic()
        victim.send_signal(signal.SIGKILL)
        killed_poll_started = started[-1]
        last_seq = viewer.data("AAPL")[-1]["seq"]

        got_at = await viewer.wait_for(
            lambda f: f.get("type") == "update" and f["seq"] > last_seq, timeout=20, after=killed_at
        )
        recovery = got_at - killed_at
        next_poll_gap = min(t for t in started if t > killed_at) - killed_poll_started
        await asyncio.sleep(3 * INTERVAL + UPSTREAM_DELAY)  # a few more polls by the survivor
        frames = viewer.data("AAPL")
        assert_in_order_without_duplicates(frames)
        assert len([f for f in frames if f["seq"] > last_seq]) >= 2
        survivor = next(w for w in workers if w is not victim)
        assert survivor.alive(), survivor.output()[-3000:]
        lease = INTERVAL + TIMEOUT + LEASE_MARGIN_S  # feeds.services.poll_lease_ttl
        report(
            "worker SIGKILL mid-poll",
            next_poll_after_killed_one=next_poll_gap,
            lease=lease,
            viewer_update_after_kill=recovery,
            frames=len(frames),
        )
        # The next poll starts at the first dispatch (1 s apart) after the dead poll's lease lapsed.
        assert next_poll_gap < lease + INTERVAL + 1.0, f"next poll {next_poll_gap:.1f}s after the killed one"
        assert recovery < lease + INTERVAL + UPSTREAM_DELAY + 1.0
        await viewer.close()
    finally:
        mover.stop()
