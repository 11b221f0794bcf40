"""Feed state end to end, and viewer counts across web processes: upstream → Celery →
Redis → two uvicorn processes → WebSocket clients, with the operators' admin view."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import pytest
from django.contrib.auth.models import User
from django.db import connections

from feeds.models import Feed
from tests import wsclient
from tests.conftest import session_cookie
from tests.processes import start_beat, start_web, start_worker

pytestmark = pytest.mark.integration


@pytest.fixture
def stack(process_env, upstream):
    upstream.set_prices({"AAPL": 100.0, "MSFT": 200.0})
    Feed.objects.create(name="up", adapter="binance", url=upstream.url(), symbols="AAPL,MSFT", interval=0.5)
    cookie = session_cookie(User.objects.create_superuser("ops", password="pw"))
    env = {**process_env, "TICKER_VIEWERS_PUBLISH_S": "0.5", "TICKER_HUB_RECONCILE_S": "0.5"}
    procs = []

    def web() -> int:
        proc, port = start_web(env)
        procs.append(proc)
        return port

    try:
        port = web()
        procs.append(start_worker(env))
        procs.append(start_beat(env))
        connections.close_all()
        yield web, port, upstream, cookie
    finally:
        for proc in reversed(procs):
            proc.stop()


def viewers_json(port: int, cookie: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/admin/viewers/?format=json", headers={"Cookie": cookie}
    )
    with urllib.request.urlopen(request, timeout=5) as resp:
        return json.loads(resp.read())


async def test_stale_feed_is_pushed_shown_to_late_subscribers_elsewhere_and_cleared_by_recovery(stack):
    web, port1, upstream, cookie = stack
    async with wsclient.connect(port1) as early:
        await wsclient.send(early, action="subscribe", symbols=["AAPL"])
        await wsclient.recv_until(early, lambda f: f.get("price") == 100.0, timeout=30)

        upstream.set_raw(b"upstream down", status=500)
        status, _ = await wsclient.recv_until(early, lambda f: f["type"] == "status", timeout=20)
        assert status == {"type": "status", "symbol": "AAPL", "state": "stale"}

        port2 = await asyncio.to_thread(web)  # started after the status message went out
        async with wsclient.connect(port2) as late:
            await wsclient.send(late, action="subscribe", symbols=["aapl"])
            assert (await wsclient.recv(late))["type"] == "subscribed"
            snapshot = await wsclient.recv(late)
            assert (snapshot["type"], snapshot["price"], snapshot["state"]) == ("snapshot", 100.0, "stale")

            deadline = time.monotonic() + 10
            while (report := await asyncio.to_thread(viewers_json, port1, cookie))["symbols"] != {"AAPL": 2}:
                assert time.monotonic() < deadline, report
                await asyncio.sleep(0.2)
            assert report["connections"] == 2 and len(report["processes"]) == 2

            upstream.set_prices({"AAPL": 101.0, "MSFT": 200.0})
            for ws in (early, late):
                update, before = await wsclient.recv_until(ws, lambda f: f.get("price") == 101.0, timeout=30)
                assert update["type"] == "update"
                assert [f for f in before if f["type"] == "status"] == [
                    {"type": "status", "symbol": "AAPL", "state": "live"}
                ], before

    deadline = time.monotonic() + 10
    while (report := await asyncio.to_thread(viewers_json, port1, cookie))["symbols"]:
        assert time.monotonic() < deadline, report
        await asyncio.sleep(0.2)
    assert report["connections"] == 0
