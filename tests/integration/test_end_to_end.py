"""The whole path with real parts: upstream (Binance format) → Celery worker (beat dispatch)
→ Redis channel layer → uvicorn web process → WebSocket client."""

from __future__ import annotations

import asyncio

import pytest

from feeds.models import Feed
from tests import wsclient
from tests.processes import start_beat, start_web, start_worker

pytestmark = pytest.mark.integration


@pytest.fixture
def stack(process_env, upstream):
    upstream.set_prices({"AAPL": 100.0, "MSFT": 200.0})
    Feed.objects.create(
        name="upstream", adapter="binance", url=upstream.url(), symbols="AAPL,MSFT", interval=0.5
    )
    procs = []
    try:
        web, port = start_web(process_env)
        procs.append(web)
        procs.append(start_worker(process_env))
        procs.append(start_beat(process_env))
        yield port, upstream
    finally:
        for proc in reversed(procs):
            proc.stop()


async def test_subscriber_gets_ack_snapshot_then_ordered_updates_until_unsubscribed(stack):
    port, upstream = stack
    async with wsclient.connect(port) as ws:
        # The first poll needs the worker and beat; wait until AAPL has a value.
        await wsclient.send(ws, action="subscribe", symbols=["aapl"], id=7)
        ack = await wsclient.recv(ws)
        assert ack["type"] == "subscribed" and ack["symbols"] == ["AAPL"] and ack["id"] == 7
        first, _ = await wsclient.recv_until(ws, lambda f: f.get("price") is not None, timeout=20)
        assert first["price"] == 100.0 and first["kind"] == "quote" and first["ts"].endswith("Z")

    async with wsclient.connect(port) as ws:
        await wsclient.send(ws, action="subscribe", symbols=["AAPL"])
        assert (await wsclient.recv(ws))["type"] == "subscribed"
        snap = await wsclient.recv(ws)
        assert snap["type"] == "snapshot" and snap["symbol"] == "AAPL" and snap["price"] == 100.0
        last_seq = snap["seq"]

        prices = [101.5, 102.25, 99.75]
        seen = []
        for price in prices:
            upstream.set_prices({"AAPL": price, "MSFT": 200.0})
            frame, _ = await wsclient.recv_until(ws, lambda f, p=price: f.get("price") == p, timeout=10)
            seen.append(frame)
        assert [f["type"] for f in seen] == ["update"] * 3
        seqs = [f["seq"] for f in seen]
        assert seqs == sorted(seqs) and seqs[0] > last_seq, seqs

        await wsclient.send(ws, action="unsubscribe", symbols=["AAPL"])
        ack, _ = await wsclient.recv_until(ws, lambda f: f["type"] == "unsubscribed")
        assert ack["symbols"] == ["AAPL"] and ack["subscriptions"] == []
        upstream.set_prices({"AAPL": 150.0, "MSFT": 200.0})
        await asyncio.sleep(2.0)  # several poll intervals: the new price is published meanwhile
        late = await wsclient.collect(ws, 1.0)
        assert not [f for f in late if f.get("symbol") == "AAPL"], late


async def test_unknown_symbol_and_bad_frames_get_errors_and_the_socket_stays_usable(stack):
    port, _ = stack
    async with wsclient.connect(port) as ws:
        await ws.send("not json")
        err = await wsclient.recv(ws)
        assert err["type"] == "error" and err["code"] == "bad_request"
        await wsclient.send(ws, action="subscribe", symbols=["NOSUCH"], id="q1")
        err = await wsclient.recv(ws)
        assert {k: err[k] for k in ("type", "code", "id")} == {
            "type": "error",
            "code": "unknown_symbol",
            "id": "q1",
        }
        assert err["symbols"] == ["NOSUCH"] and err["subscriptions"] == []
        assert "NOSUCH" in err["message"]
        await wsclient.send(ws, action="subscribe", symbols=["MSFT"])
        assert (await wsclient.recv(ws))["type"] == "subscribed"
