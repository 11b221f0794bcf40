"""The benchmark's publisher: a separate process that commits and publishes quotes at set rates.

It goes through the project's real path: ``RedisStore.commit`` (dedup, order, ``seq``,
``sent_at``) then ``feeds.publish.updates_publish`` (one channel-layer group per symbol),
exactly as a Celery worker does after a poll. It needs the web process's environment
(``REDIS_URL``, ``TICKER_REDIS_PREFIX``, ``DATABASE_URL``).

It prints ``{"event": "ready"}``, reads one JSON line on stdin::

    {"start": <unix s>, "plan": [[seconds, updates_per_s], ...], "universe": 100}

and, from ``start``, publishes round-robin over ``S0..S{universe-1}`` at each step's rate,
then prints what it achieved per step. ``sent_at`` is stamped at commit, so batching
what is due every ``TICK_S`` adds nothing to the measured delay.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tickerproj.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from feeds.publish import updates_publish  # noqa: E402
from feeds.store import get_store  # noqa: E402

BATCH_MAX = 200
TICK_S = 0.01  # commit what is due every 10 ms: a worker commits a poll's records in one batch too


def records(first: int, count: int, universe: int) -> list[dict]:
    ts = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return [
        {
            "symbol": f"S{i % universe}",
            "kind": "quote",
            "ts": ts,
            "source": "bench",
            "price": round(100 + (i // universe) * 0.01, 2),
        }
        for i in range(first, first + count)
    ]


async def publish(plan: list[list[float]], start: float, universe: int) -> list[dict]:
    store = get_store()
    steps = []
    n = 0
    await asyncio.sleep(max(0.0, start - time.time()))
    for seconds, rate in plan:
        t0 = time.time()
        end = t0 + seconds
        sent = 0
        while (now := time.time()) < end:
            due = int(rate * (now - t0)) - sent
            if due <= 0:
                await asyncio.sleep(min(TICK_S, end - now))
                continue
            k = min(due, BATCH_MAX)
            committed = store.commit(records(n, k, universe))
            await updates_publish(committed)
            n += k
            sent += len(committed)
        steps.append({"seconds": seconds, "asked": rate, "published": sent, "rate": round(sent / seconds)})
    return steps


async def main() -> None:
    print(json.dumps({"event": "ready"}), flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    order = json.loads(line)
    steps = await publish(order["plan"], order["start"], order.get("universe", 100))
    print(json.dumps({"event": "result", "steps": steps}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
