"""Fault 1: Redis restarted (no persistence: the store, queues and groups are lost) while viewers watch.

Invariant: no process exits; the viewer keeps its socket and its subscription and gets
updates again within 10 s of Redis being back; seq keeps growing across the restart
(the store restarts seq from the current time in ms); nothing arrives out of order.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.faults.helpers import (
    MovingPrice,
    assert_in_order_without_duplicates,
    create_feed,
    report,
    start_stack_with_viewer,
)

pytestmark = [pytest.mark.integration, pytest.mark.faults]

RECOVERY_LIMIT_S = 10.0


async def test_viewers_get_updates_again_after_a_redis_restart(fault_env, own_redis, upstream, stack):
    await create_feed(upstream)
    mover = MovingPrice(upstream)
    try:
        _, viewer = await start_stack_with_viewer(stack, fault_env)
        before = viewer.data("AAPL")
        last_seq_before = before[-1]["seq"]

        await asyncio.to_thread(own_redis.restart, 2.0)
        back_at = time.monotonic()
        got_at = await viewer.wait_for(
            lambda f: f.get("type") == "update" and f["seq"] > last_seq_before,
            timeout=RECOVERY_LIMIT_S + 5,
            after=back_at,
        )
        recovery = got_at - back_at
        # Updates keep flowing after the first one, not just a single reconciled value.
        first_after = viewer.data("AAPL", after=got_at)
        await viewer.wait_for(
            lambda f: f.get("type") == "update" and f["seq"] > first_after[0]["seq"] + 2,
            timeout=10,
            after=got_at,
        )
        assert viewer.closed is None, f"the viewer's socket closed: {viewer.closed}"
        assert stack.dead() == [], stack.logs()
        frames = viewer.data("AAPL")
        assert_in_order_without_duplicates(frames)
        after = [f for f in frames if f["seq"] > last_seq_before]
        assert after[0]["seq"] > last_seq_before + 1000, "seq restarted from the current ms time, far ahead"
        report(
            "redis restart",
            recovery=recovery,
            seq_before=last_seq_before,
            seq_after=after[0]["seq"],
            frames=len(frames),
        )
        assert recovery < RECOVERY_LIMIT_S, f"updates resumed only after {recovery:.1f}s\n{stack.logs()}"
        await viewer.close()
    finally:
        mover.stop()
