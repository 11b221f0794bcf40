"""The embedded default, as a newcomer runs it: `make run` with no REDIS_URL serves the
demo market from one process, and a WebSocket client sees AAPL's snapshot then updates."""

from __future__ import annotations

import os

import pytest

from tests import wsclient
from tests.processes import Proc, free_port, wait_http

pytestmark = pytest.mark.integration


@pytest.fixture
def make_run(tmp_path):
    port = free_port()
    env = {
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "MAKEFLAGS": "",
    }
    env = {k: v for k, v in {**os.environ, **env}.items() if not k.startswith("TICKER_")}
    proc = Proc("make-run", ["make", "run"], env)
    try:
        wait_http(f"http://127.0.0.1:{port}/", timeout=120, proc=proc)
        yield port, proc
    finally:
        proc.stop()


async def test_make_run_serves_live_prices_with_no_redis(make_run):
    port, proc = make_run
    async with wsclient.connect(port) as ws:
        await wsclient.send(ws, action="subscribe", symbols=["AAPL"], id=1)
        ack = await wsclient.recv(ws)
        assert ack["type"] == "subscribed" and ack["subscriptions"] == ["AAPL"]
        first, _ = await wsclient.recv_until(ws, lambda f: f.get("price") is not None, timeout=20)
        updates = []
        while len(updates) < 2:
            frame, _ = await wsclient.recv_until(ws, lambda f: f.get("type") == "update", timeout=10)
            updates.append(frame)
    assert isinstance(first["price"], float | int) and first["price"] > 0
    seqs = [first["seq"]] + [u["seq"] for u in updates]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert "embedded scheduler started" in proc.output()
