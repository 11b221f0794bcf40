"""Only one dispatch per poll even with two beats running (a second one started by mistake).

Each beat sends ``dispatch_due_feeds`` every second; the claim (a compare-and-set on
``next_poll_at``) lets only one of them enqueue a given poll. Invariant: the
upstream is hit once per interval, not twice.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.faults.helpers import create_feed, report
from tests.processes import start_beat, start_worker

pytestmark = [pytest.mark.integration, pytest.mark.faults]

INTERVAL = 1.0
WINDOW_S = 8.0


async def test_two_beats_do_not_double_the_polling(fault_env, upstream, stack):
    upstream.set_prices({"AAPL": 1.0})
    await create_feed(upstream, interval=INTERVAL)
    stack.add(start_worker(fault_env))
    beats = [stack.add(start_beat(fault_env)), stack.add(start_beat(fault_env))]
    await asyncio.sleep(2.0)  # both beats running, the feed polled at its steady pace
    hits_before, started = upstream.hits, time.monotonic()
    await asyncio.sleep(WINDOW_S)
    hits = upstream.hits - hits_before
    window = time.monotonic() - started
    sends = [b.output().count("Sending due task dispatch-due-feeds") for b in beats]
    report("two beats", window=window, upstream_hits=hits, dispatches_sent_per_beat=sends)
    assert all(n >= WINDOW_S for n in sends), f"both beats must be dispatching: {sends}"
    assert window / INTERVAL - 2 <= hits <= window / INTERVAL + 2, f"{hits} polls in {window:.1f}s"
