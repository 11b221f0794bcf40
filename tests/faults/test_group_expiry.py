"""Fault 6: a socket open longer than the channel layer's group expiry (core layer, expiry 3 s).

channels-redis's core layer drops group members older than ``group_expiry``; the hub
renews its memberships at a third of it. Invariant: a viewer connected for 4x the
expiry receives every update: consecutive seq, none missing, none repeated.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.faults.helpers import (
    MovingPrice,
    assert_in_order_without_duplicates,
    create_feed,
    report,
    start_stack_with_viewer,
)

pytestmark = [pytest.mark.integration, pytest.mark.faults]

GROUP_EXPIRY_S = 3


async def test_a_viewer_outliving_the_group_expiry_gets_every_update(fault_env, upstream, stack):
    env = {**fault_env, "TICKER_CHANNEL_LAYER": "core", "TICKER_GROUP_EXPIRY": str(GROUP_EXPIRY_S)}
    await create_feed(upstream)
    mover = MovingPrice(upstream, every=0.5)
    try:
        _, viewer = await start_stack_with_viewer(stack, env)
        await asyncio.sleep(4 * GROUP_EXPIRY_S)
        updates = [f for f in viewer.data("AAPL") if f["type"] == "update"]
        seqs = [f["seq"] for f in updates]
        assert_in_order_without_duplicates(updates)
        missing = [(a, b) for a, b in zip(seqs, seqs[1:], strict=False) if b != a + 1]
        report("group expiry", socket_open=4.0 * GROUP_EXPIRY_S, updates=len(seqs), gaps=len(missing))
        assert len(seqs) >= 2 * GROUP_EXPIRY_S, f"too few updates: {seqs}"
        assert not missing, f"updates lost between seqs {missing}"
        assert viewer.closed is None
        await viewer.close()
    finally:
        mover.stop()
