"""Fault 3: the upstream down, slow, answering 500, answering garbage.

Invariant, for each: the feed backs off (fewer polls than its interval asks for),
viewers get a ``stale`` status frame for its symbols, and when the upstream is back
the feed recovers by itself: a ``live`` status and fresh updates, within the backoff
delay it had reached (plus a poll) — measured and printed per failure.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from feeds.models import Feed
from tests.faults.helpers import (
    MovingPrice,
    assert_in_order_without_duplicates,
    create_feed,
    metric,
    orm,
    report,
    scrape,
    start_stack_with_viewer,
    track_requests,
)
from tests.faults.services import TcpProxy
from tests.processes import free_port

pytestmark = [pytest.mark.integration, pytest.mark.faults]

INTERVAL = 0.5


def error_polls(port: int) -> float:
    return metric(scrape(port), "ticker_feed_polls_total", feed="up", outcome="error")


async def feed_health() -> tuple[int, str]:
    feed = await orm(Feed.objects.get, name="up")
    return feed.consecutive_failures, feed.last_error


async def test_feed_backs_off_goes_stale_and_recovers_from_each_upstream_failure(fault_env, upstream, stack):
    track_requests(upstream)  # also keeps the slow upstream quiet when pollers time out
    proxy = TcpProxy("127.0.0.1", upstream.port)
    await create_feed(upstream, url=f"http://127.0.0.1:{proxy.port}/api/v3/ticker/price", timeout=0.5)
    mover = MovingPrice(upstream)
    metrics_port = free_port()
    try:
        _, viewer = await start_stack_with_viewer(
            stack, fault_env, {**fault_env, "TICKER_METRICS_PORT": str(metrics_port)}
        )

        def down():
            proxy.cut()

        def slow():
            upstream.delay = 2.0

        def http500():
            upstream.set_raw(b"<html>Internal Server Error</html>", status=500)

        def garbage():
            upstream.set_raw(b"\x00\xffnot json at all", status=200, content_type="application/json")

        def heal():
            proxy.restore()
            upstream.delay = 0.0
            mover.paused = False

        expected_errors = {
            "down": "cannot reach",
            "slow": "did not answer",
            "http500": "HTTP 500",
            "garbage": "not JSON",
        }
        for name, fail in (("down", down), ("slow", slow), ("http500", http500), ("garbage", garbage)):
            mover.paused = True
            await asyncio.sleep(0.3)
            errors_before = await asyncio.to_thread(error_polls, metrics_port)
            failed_at = time.monotonic()
            fail()
            stale_at = await viewer.wait_for(
                lambda f: f.get("type") == "status" and f["state"] == "stale", timeout=15, after=failed_at
            )
            await asyncio.sleep(3.0)
            window = time.monotonic() - failed_at
            errors = await asyncio.to_thread(error_polls, metrics_port) - errors_before
            failures, last_error = await feed_health()
            assert expected_errors[name] in last_error, (name, last_error)
            # Without backoff a feed polled every 0.5 s would have failed window/0.5 times.
            assert 2 <= errors < window / INTERVAL, f"{name}: {errors} failed polls in {window:.1f}s"
            backoff_cap = min(60.0, INTERVAL * 2**failures)

            paused_price = mover.price
            healed_at = time.monotonic()
            heal()
            live_at = await viewer.wait_for(
                lambda f: f.get("type") == "status" and f["state"] == "live",
                timeout=backoff_cap + 5,
                after=healed_at,
            )
            fresh_at = await viewer.wait_for(
                lambda f, p=paused_price: f.get("type") == "update" and f["price"] > p,
                timeout=10,
                after=healed_at,
            )
            recovery = max(live_at, fresh_at) - healed_at
            report(
                f"upstream {name}",
                stale_after=stale_at - failed_at,
                failed_polls=int(errors),
                window=window,
                recovery=recovery,
                backoff_cap=backoff_cap,
            )
            assert recovery <= backoff_cap + 2.0, f"{name}: recovered after {recovery:.1f}s"
        assert_in_order_without_duplicates(viewer.data("AAPL"))
        assert stack.dead() == []
        await viewer.close()
    finally:
        mover.stop()
        proxy.close()
