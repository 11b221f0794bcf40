"""Fault 7: a soak, an hour compressed: thousands of viewers churning against a live feed.

Viewers connect, subscribe to a few symbols, read for a moment and leave (half
close cleanly, half just drop the TCP connection), over and over. Invariant: the
web process's memory and the Redis keyspace stay flat, and once everyone has left
no connection, subscription or task is left behind and groups stay bounded by the
symbols. ``TICKER_SOAK_SECONDS`` sets the churn time (default 60 s; 3600 for a real hour).
"""

from __future__ import annotations

import asyncio
import os
import random
import time

import pytest

from tests import wsclient
from tests.faults.helpers import MovingPrice, create_feed, metric, report, scrape
from tests.processes import start_beat, start_web, start_worker

SOAK_S = float(os.environ.get("TICKER_SOAK_SECONDS", "60"))
CONCURRENCY = int(os.environ.get("TICKER_SOAK_CONCURRENCY", "120"))
SYMBOLS = [f"S{i:02d}" for i in range(20)]
RSS_GROWTH_LIMIT = 25 * 2**20

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.timeout(SOAK_S + 180)]


async def churn(port: int, until: float, counts: dict[str, int]) -> None:
    rng = random.Random()
    while time.monotonic() < until:
        try:
            ws = await wsclient.connect(port)
        except (OSError, TimeoutError):
            counts["connect_errors"] += 1
            await asyncio.sleep(0.2)
            continue
        counts["connections"] += 1
        try:
            await wsclient.send(ws, action="subscribe", symbols=rng.sample(SYMBOLS, rng.randint(1, 5)))
            stay = time.monotonic() + rng.uniform(0.2, 1.5)
            while (left := stay - time.monotonic()) > 0:
                try:
                    await asyncio.wait_for(ws.recv(), left)
                    counts["frames"] += 1
                except TimeoutError:
                    break
        except Exception:
            counts["errors"] += 1
        if rng.random() < 0.5:
            await ws.close()
        else:
            ws.transport.abort()  # the viewer's network just went away
            counts["dropped"] += 1


def sample(port: int, redis_client, prefix: str) -> dict[str, float]:
    text = scrape(port)
    return {
        "rss_mb": metric(text, "process_resident_memory_bytes") / 2**20,
        "connections": metric(text, "ticker_ws_connections"),
        "subscriptions": metric(text, "ticker_ws_subscriptions"),
        "groups": metric(text, "ticker_hub_groups"),
        "tasks": metric(text, "ticker_asyncio_tasks"),
        "redis_keys": sum(1 for _ in redis_client.scan_iter(match=f"*{prefix}*", count=1000)),
        "pubsub_channels": len(redis_client.pubsub_channels(f"{prefix}*")),
    }


async def test_thousands_of_churning_viewers_leave_nothing_behind(fault_env, own_redis, upstream, stack):
    await create_feed(upstream, symbols=",".join(SYMBOLS), interval=0.5)
    mover = MovingPrice(upstream, symbols=tuple(SYMBOLS), every=0.5)
    redis_client, prefix = own_redis.client(), fault_env["TICKER_REDIS_PREFIX"]
    try:
        web, port = start_web(fault_env)
        stack.add(web)
        stack.add(start_worker(fault_env))
        stack.add(start_beat(fault_env))
        async with wsclient.connect(port) as ws:  # the feed is live before the churn starts
            await wsclient.send(ws, action="subscribe", symbols=SYMBOLS[:1])
            await wsclient.recv_until(ws, lambda f: f.get("type") in ("update", "snapshot"), timeout=20)
        await asyncio.sleep(1.0)
        baseline = await asyncio.to_thread(sample, port, redis_client, prefix)

        counts = dict.fromkeys(("connections", "dropped", "frames", "errors", "connect_errors"), 0)
        started = time.monotonic()
        until = started + SOAK_S
        clients = [asyncio.create_task(churn(port, until, counts)) for _ in range(CONCURRENCY)]
        samples = []
        while time.monotonic() < until:
            await asyncio.sleep(min(10.0, max(1.0, SOAK_S / 6)))
            samples.append(await asyncio.to_thread(sample, port, redis_client, prefix))
        await asyncio.gather(*clients)

        deadline = time.monotonic() + 15
        while (end := await asyncio.to_thread(sample, port, redis_client, prefix))["connections"] > 0:
            assert time.monotonic() < deadline, f"connections left open: {end}"
            await asyncio.sleep(0.5)
        warm = samples[len(samples) // 3]
        report(
            "soak",
            seconds=time.monotonic() - started,
            connections=counts["connections"],
            dropped=counts["dropped"],
            frames=counts["frames"],
            rss_mb=f"{baseline['rss_mb']:.0f}->{warm['rss_mb']:.0f}->{end['rss_mb']:.0f}",
            redis_keys=f"{baseline['redis_keys']:.0f}->{end['redis_keys']:.0f}",
            tasks=f"{baseline['tasks']:.0f}->{end['tasks']:.0f}",
            groups=int(end["groups"]),
        )
        assert counts["connections"] >= 1000, counts
        assert counts["frames"] > counts["connections"], "viewers got (almost) no frames"
        assert counts["connect_errors"] <= counts["connections"] * 0.01, counts
        assert end["subscriptions"] == 0, end
        assert end["tasks"] <= baseline["tasks"] + 5, f"tasks leaked: {baseline} -> {end}"
        assert end["groups"] <= len(SYMBOLS), end
        assert end["pubsub_channels"] <= len(SYMBOLS) + 2, end
        assert end["redis_keys"] <= baseline["redis_keys"] + 5, f"Redis keys grew: {baseline} -> {end}"
        assert (end["rss_mb"] - warm["rss_mb"]) * 2**20 < RSS_GROWTH_LIMIT, f"memory grew: {samples}"
        assert stack.dead() == []
    finally:
        mover.stop()
