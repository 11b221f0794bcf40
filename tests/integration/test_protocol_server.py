"""The protocol against a real uvicorn process and real Redis: what goes over the wire
for bad input, limits, keepalive, sign-in and a planned restart."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import urllib.error
import urllib.request

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db import connections
from django.test import override_settings

from dashboard import viewers
from feeds.models import Feed
from tests import wsclient
from tests.conftest import session_cookie
from tests.dashboard.wire import Publisher, RawClient
from tests.processes import start_web

pytestmark = pytest.mark.integration


def make_feeds() -> None:
    url = "http://127.0.0.1:9/api"
    Feed.objects.create(name="pub", adapter="binance", url=url, symbols="AAPL,MSFT")
    Feed.objects.create(name="members", adapter="binance", url=url, symbols="GOLD", visibility="signed_in")


@pytest.fixture
def server(process_env):
    """One web process (no worker: the test publishes), its port, env and a publisher."""
    make_feeds()
    started = []

    def start(extra_env: dict[str, str] | None = None, args: tuple[str, ...] = ()):
        proc, port = start_web({**process_env, **(extra_env or {})}, args=args)
        started.append(proc)
        return proc, port

    yield start, process_env
    for proc in started:
        proc.stop()


async def closed_with(ws, timeout: float = 5) -> int:
    """Read until the server closes; the close code."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    return closed.value.rcvd.code if closed.value.rcvd else None


async def test_bad_input_over_the_wire_gets_its_error_or_close_code_and_nobody_else_notices(server):
    start, env = server
    proc, port = start()
    pub = Publisher(env["REDIS_URL"], env["TICKER_REDIS_PREFIX"])
    await pub.publish({"AAPL": 100.0})
    async with wsclient.connect(port) as witness:
        await wsclient.send(witness, action="subscribe", symbols=["aapl"], id="w")
        assert (await wsclient.recv(witness))["subscriptions"] == ["AAPL"]
        assert (await wsclient.recv(witness))["price"] == 100.0

        async with wsclient.connect(port) as ws:
            answers = {}
            for name, payload in [
                ("binary", b'{"action":"ping"}'),
                ("empty", ""),
                ("not json", "{'action': 'ping'}"),
                ("array", "[1,2,3]"),
                ("deep", "[" * 2000 + "]" * 2000),
                ("unknown field", '{"action":"subscribe","symbol":"AAPL","id":1}'),
                ("bad id", '{"action":"ping","id":{"a":1}}'),
                (
                    "absurd symbol",
                    json.dumps({"action": "subscribe", "symbols": ["\u202e" + "X" * 3000], "id": 2}),
                ),
                ("too large", json.dumps({"action": "ping", "id": 3, "pad": "x" * 6000})),
                ("unknown action", '{"action":"SUBSCRIBE","id":4}'),
            ]:
                await ws.send(payload)
                answers[name] = await wsclient.recv(ws)
            assert {k: v["code"] for k, v in answers.items()} == {
                "binary": "bad_request",
                "empty": "bad_request",
                "not json": "bad_request",
                "array": "bad_request",
                "deep": "bad_request",
                "unknown field": "bad_request",
                "bad id": "bad_request",
                "absurd symbol": "bad_request",
                "too large": "message_too_large",
                "unknown action": "unknown_action",
            }
            assert [answers[k].get("id") for k in ("unknown field", "absurd symbol", "unknown action")] == [
                1,
                2,
                4,
            ]
            assert all(
                set(a) >= {"type", "code", "message"} and a["type"] == "error" for a in answers.values()
            )
            await wsclient.send(ws, action="ping", id="still")
            assert await wsclient.recv(ws) == {"type": "pong", "id": "still"}

            await ws.send("x" * 20_000)  # over uvicorn's --ws-max-size: closed, never buffered
            assert await closed_with(ws) == 1009

        async with wsclient.connect(port) as ws:
            await ws.send(b'{"action":"ping","x":"\xff\xfe"}', text=True)
            assert await closed_with(ws) == 1007

        async with wsclient.connect(port) as ws:
            for i in range(200):
                await ws.send(json.dumps({"action": "ping", "id": i}))
            codes = []
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    frame = await wsclient.recv(ws)
                    codes.append(frame.get("code", frame["type"]))
            assert closed.value.rcvd.code == 1008
            assert codes[:20] == ["pong"] * 20 and "rate_limited" in codes

        with pytest.raises(websockets.InvalidStatus) as refused:
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws/ticker/", origin="http://evil.example"):
                pass
        assert refused.value.response.status_code == 403

        await pub.publish({"AAPL": 101.0})
        update, _ = await wsclient.recv_until(witness, lambda f: f.get("price") == 101.0)
        assert update["type"] == "update"
        await wsclient.send(witness, action="ping", id="w2")
        assert (await wsclient.recv_until(witness, lambda f: f.get("id") == "w2"))[0]["type"] == "pong"
    await pub.close()
    assert proc.alive()
    log = proc.output()
    assert "Traceback" not in log and "127.0.0.1:9/api" not in log, log[-3000:]


async def test_a_dead_peer_is_found_and_closed_while_an_idle_healthy_one_stays(server):
    start, env = server
    proc, port = start(
        {"TICKER_VIEWERS_PUBLISH_S": "0.3", "TICKER_WS_HEARTBEAT_S": "0"},
        args=("--ws-ping-interval", "0.5", "--ws-ping-timeout", "0.5"),
    )

    def counts() -> dict[str, int]:
        with override_settings(REDIS_URL=env["REDIS_URL"], TICKER_REDIS_PREFIX=env["TICKER_REDIS_PREFIX"]):
            return viewers.read().symbols

    async def counts_become(expected: dict[str, int], timeout: float = 5) -> None:
        deadline = time.monotonic() + timeout
        while (got := counts()) != expected:
            assert time.monotonic() < deadline, got
            await asyncio.sleep(0.1)

    async with wsclient.connect(port) as healthy:
        await wsclient.send(healthy, action="subscribe", symbols=["MSFT"])
        assert (await wsclient.recv(healthy))["type"] == "subscribed"
        assert (await wsclient.recv(healthy))["type"] == "status"  # MSFT has no value yet
        dead = RawClient(port)
        assert dead.status == 101
        dead.send_text('{"action":"subscribe","symbols":["AAPL"]}')
        await counts_become({"MSFT": 1, "AAPL": 1})
        started = time.monotonic()
        await counts_become({"MSFT": 1})  # pings unanswered: closed within interval + timeout
        assert time.monotonic() - started < 3
        dead.close()
        await asyncio.sleep(2.0)  # four more ping intervals, and not a frame from the app
        assert counts() == {"MSFT": 1}
        await wsclient.send(healthy, action="ping", id="idle")
        frames = await wsclient.collect(healthy, 0.5)
        assert frames == [{"type": "pong", "id": "idle"}], frames


async def test_sigterm_sends_a_shutdown_notice_then_closes_with_1001(server):
    start, _ = server
    proc, port = start()
    async with wsclient.connect(port) as ws:
        await wsclient.send(ws, action="subscribe", symbols=["AAPL"])
        await wsclient.recv(ws)
        await wsclient.recv(ws)
        proc.send_signal(signal.SIGTERM)
        notice = await wsclient.recv(ws, timeout=5)
        assert notice["type"] == "shutdown" and notice["reconnect"] is True
        assert 1000 <= notice["retry_after_ms"] <= 5000
        assert await closed_with(ws) == 1001
    await asyncio.to_thread(proc.popen.wait, 15)  # raises TimeoutExpired if it lingers
    assert "closed 1 connections with 1001 before shutdown" in proc.output()


async def test_login_required_guards_the_page_the_apis_and_the_socket(server):
    start, _ = server
    proc, port = start({"TICKER_LOGIN_REQUIRED": "true"})
    base = f"http://127.0.0.1:{port}"
    async with wsclient.connect(port) as ws:
        assert await closed_with(ws) == 4003

    def status(path: str, cookie: str = "") -> int:
        request = urllib.request.Request(base + path, headers={"Cookie": cookie} if cookie else {})
        opener = urllib.request.build_opener(NoRedirect)
        try:
            return opener.open(request, timeout=5).status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert [status("/"), status("/api/symbols"), status("/api/history/AAPL")] == [302, 403, 403]

    def sign_in() -> str:
        cookie = session_cookie(User.objects.create_user("ann", password="pw"))
        connections.close_all()  # this thread's connection, or the test database cannot be dropped
        return cookie

    cookie = await sync_to_async(sign_in)()
    assert [status("/", cookie), status("/api/symbols", cookie)] == [200, 200]
    async with wsclient.connect(port, additional_headers={"Cookie": cookie}) as ws:
        await wsclient.send(ws, action="subscribe", symbols=["AAPL", "GOLD"], id=1)
        assert (await wsclient.recv(ws))["subscriptions"] == ["AAPL", "GOLD"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


async def test_under_daphne_the_flood_close_arrives_as_4008(server):
    """daphne (autobahn) refuses to send 1xxx codes from applications: the portable code."""
    start, env = server
    proc, port = start_web(env, server="daphne")
    try:
        async with wsclient.connect(port) as ws:
            await ws.send(b"\x00")
            assert (await wsclient.recv(ws))["code"] == "bad_request"
            for i in range(100):
                await ws.send(json.dumps({"action": "ping", "id": i}))
            assert await closed_with(ws) == 4008
    finally:
        proc.stop()
