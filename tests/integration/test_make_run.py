"""`make run` as a newcomer runs it, in both shapes: with no REDIS_URL (the embedded
default: one process) and with REDIS_URL (the Procfile's web, worker and beat via honcho).
A WebSocket client sees AAPL's snapshot then updates from the demo market."""

from __future__ import annotations

import os

import pytest

from tests import wsclient
from tests.processes import Proc, free_port, wait_http

pytestmark = pytest.mark.integration


@pytest.fixture(params=["embedded", "procfile"])
def make_run(request, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKER_")}
    env.update(
        PORT=str(port), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL="", MAKEFLAGS=""
    )
    if request.param == "procfile":
        env.update(request.getfixturevalue("redis_env"))
    proc = Proc(f"make-run-{request.param}", ["make", "run"], env)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=120, proc=proc)
        yield request.param, port, proc
    finally:
        proc.stop()


async def test_make_run_serves_live_prices(make_run):
    shape, port, proc = make_run
    async with wsclient.connect(port) as ws:
        await wsclient.send(ws, action="subscribe", symbols=["AAPL"], id=1)
        ack = await wsclient.recv(ws)
        assert ack["type"] == "subscribed" and ack["subscriptions"] == ["AAPL"]
        first, _ = await wsclient.recv_until(ws, lambda f: f.get("price") is not None, timeout=30)
        updates = []
        while len(updates) < 2:
            frame, _ = await wsclient.recv_until(ws, lambda f: f.get("type") == "update", timeout=10)
            updates.append(frame)
    assert isinstance(first["price"], float | int) and first["price"] > 0
    seqs = [first["seq"]] + [u["seq"] for u in updates]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    output = proc.output()
    if shape == "embedded":
        assert "embedded scheduler started" in output
    else:
        assert "web.1" in output and "worker.1" in output and "beat.1" in output
        assert "embedded scheduler started" not in output
