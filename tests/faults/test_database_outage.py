"""Fault 5: PostgreSQL unavailable for a few seconds (every process reaches it through a proxy we cut).

Invariant: viewers keep getting updates all through the outage (workers poll the
feeds they already loaded; claims move to Redis), with no duplicate and none out of
order; ``/readyz`` says the database is down (503) and the admin shows a clear 503
page; when the database is back, health is written again and nothing is corrupted
(the feed row is intact, its counters move on).
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings as django_settings

from feeds.models import Feed
from tests.conftest import database_url
from tests.faults.helpers import (
    MovingPrice,
    assert_in_order_without_duplicates,
    create_feed,
    get_json,
    metric,
    orm,
    report,
    scrape,
    start_stack_with_viewer,
)
from tests.faults.services import TcpProxy
from tests.processes import free_port

pytestmark = [pytest.mark.integration, pytest.mark.faults]

OUTAGE_S = 6.0


class AdminBrowser:
    """An admin session over plain HTTP, with cookies (its session lives in the database)."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def login(self, username: str, password: str) -> None:
        _, page = self.get("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"}
        ).encode()
        with self.opener.open(self.base + "/admin/login/", data=data, timeout=10) as resp:
            assert resp.url.endswith("/admin/"), resp.url


def proxied_database_url(proxy_port: int) -> str:
    return re.sub(r"@[^/]+/", f"@127.0.0.1:{proxy_port}/", database_url())


async def test_workers_keep_publishing_through_a_database_outage(fault_env, upstream, stack):
    db = django_settings.DATABASES["default"]
    proxy = TcpProxy(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))
    env = {**fault_env, "DATABASE_URL": proxied_database_url(proxy.port)}
    metrics_port = free_port()
    feed = await create_feed(upstream)
    from django.contrib.auth.models import User

    await orm(User.objects.create_superuser, "ops", "ops@example.com", "s3cret-pass")
    mover = MovingPrice(upstream)
    try:
        port, viewer = await start_stack_with_viewer(
            stack, env, {**env, "TICKER_METRICS_PORT": str(metrics_port)}
        )
        await asyncio.sleep(3)  # every worker child has run a task and loaded the feeds
        admin = AdminBrowser(port)
        await asyncio.to_thread(admin.login, "ops", "s3cret-pass")
        assert (await asyncio.to_thread(admin.get, "/admin/feeds/feed/"))[0] == 200
        before = await orm(Feed.objects.get, pk=feed.pk)

        cut_at = time.monotonic()
        proxy.cut()
        await asyncio.sleep(1.0)
        ready_status, ready = await asyncio.to_thread(get_json, f"http://127.0.0.1:{port}/readyz")
        admin_status, admin_page = await asyncio.to_thread(admin.get, "/admin/feeds/feed/")
        await asyncio.sleep(OUTAGE_S - 1.0)
        restored_at = time.monotonic()
        proxy.restore()

        during = [t for t, f in viewer.frames if f.get("type") == "update" and cut_at <= t <= restored_at]
        gaps = [b - a for a, b in zip([cut_at, *during], [*during, restored_at], strict=True)]
        fallbacks = metric(await asyncio.to_thread(scrape, metrics_port), "ticker_db_fallbacks_total")

        assert ready_status == 503 and ready["checks"]["database"].startswith("down"), ready
        assert ready["checks"]["redis"] == "ok", ready
        assert admin_status == 503 and "Database unavailable" in admin_page, admin_page[:300]
        assert fallbacks > 0, "the worker never used its cached feeds"
        assert len(during) >= OUTAGE_S, f"only {len(during)} updates during a {OUTAGE_S}s outage"
        assert max(gaps) < 2.5, f"viewers waited {max(gaps):.1f}s for an update during the outage"

        # Back: ready again, admin works, health written again, the row intact.
        deadline = time.monotonic() + 15
        while (await asyncio.to_thread(get_json, f"http://127.0.0.1:{port}/readyz"))[0] != 200:
            assert time.monotonic() < deadline, "readyz stayed 503 after the database came back"
            await asyncio.sleep(0.2)
        ready_again = time.monotonic() - restored_at
        assert (await asyncio.to_thread(admin.get, "/admin/feeds/feed/"))[0] == 200
        deadline = time.monotonic() + 15
        while True:
            after = await orm(Feed.objects.get, pk=feed.pk)
            if after.last_success_at and after.last_success_at > before.last_success_at:
                break
            assert time.monotonic() < deadline, "feed health not written after the database came back"
            await asyncio.sleep(0.3)
        health_again = time.monotonic() - restored_at
        for name in ("name", "adapter", "url", "symbols", "interval", "timeout", "enabled", "options"):
            assert getattr(after, name) == getattr(before, name), name
        assert after.updates_published > before.updates_published
        assert_in_order_without_duplicates(viewer.data("AAPL"))
        assert stack.dead() == [], stack.logs()
        report(
            "database outage",
            outage=OUTAGE_S,
            updates_during=len(during),
            longest_gap=max(gaps),
            worker_fallbacks=int(fallbacks),
            ready_again=ready_again,
            health_written_again=health_again,
        )
        await viewer.close()
    finally:
        mover.stop()
        proxy.close()
