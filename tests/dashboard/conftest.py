"""The real ASGI application in-process: Channels' WebsocketCommunicator, the embedded
channel layer and store, and feeds in the test database.

Feeds: ``pub`` (public: AAPL, MSFT, IDLE — IDLE has no value yet), ``members``
(signed-in users: GOLD) and ``vip`` (group ``vip``: VIPX).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group
from django.db import connections

from feeds import store
from feeds.models import Feed
from feeds.schema import make_quote

ORIGIN = b"http://127.0.0.1:8000"
PRICES = {"AAPL": 100.0, "MSFT": 200.0, "GOLD": 1900.0, "VIPX": 5.0}
SOURCE = {"AAPL": "pub", "MSFT": "pub", "GOLD": "members", "VIPX": "vip"}


class Closed(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"socket closed with {code}")
        self.code = code


class Socket:
    """One WebSocket to the real application, speaking JSON."""

    def __init__(self, comm: WebsocketCommunicator) -> None:
        self.comm = comm

    @classmethod
    async def open(
        cls, *, origin: bytes | None = ORIGIN, cookie: str = "", client=("10.0.0.1", 5000)
    ) -> Socket:
        from tickerproj.asgi import application

        headers = [(b"host", b"127.0.0.1:8000")]
        if origin is not None:
            headers.append((b"origin", origin))
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        comm = WebsocketCommunicator(application, "/ws/ticker/", headers=headers)
        comm.scope["client"] = list(client)
        connected, _ = await comm.connect(timeout=5)
        if not connected:
            raise Closed(None)
        return cls(comm)

    async def send(self, **message) -> None:
        await self.comm.send_to(text_data=json.dumps(message))

    async def send_text(self, text: str) -> None:
        await self.comm.send_to(text_data=text)

    async def send_bytes(self, data: bytes) -> None:
        await self.comm.send_to(bytes_data=data)

    async def recv(self, timeout: float = 3) -> dict:
        out = await self.comm.receive_output(timeout)
        if out["type"] == "websocket.close":
            raise Closed(out.get("code"))
        assert out["type"] == "websocket.send" and out.get("text") is not None, out
        return json.loads(out["text"])

    async def request(self, **message) -> dict:
        await self.send(**message)
        return await self.recv()

    async def recv_until(self, match: Callable[[dict], bool], timeout: float = 5) -> tuple[dict, list[dict]]:
        seen: list[dict] = []
        deadline = time.monotonic() + timeout
        while True:
            frame = await self.recv(max(0.01, deadline - time.monotonic()))
            if match(frame):
                return frame, seen
            seen.append(frame)

    async def drain(self, seconds: float = 0.2) -> list[dict]:
        frames: list[dict] = []
        while not await self.comm.receive_nothing(seconds):
            frames.append(await self.recv())
        return frames

    async def close(self) -> None:
        await self.comm.disconnect()


@pytest.fixture
def feeds(transactional_db):
    """The three feeds and a value for every symbol but IDLE, in a fresh embedded store."""
    store.get_store.cache_clear()
    vip = Group.objects.create(name="vip")
    url = "http://127.0.0.1:9/api"
    Feed.objects.create(name="pub", adapter="binance", url=url, symbols="AAPL,MSFT,IDLE")
    Feed.objects.create(name="members", adapter="binance", url=url, symbols="GOLD", visibility="signed_in")
    restricted = Feed.objects.create(
        name="vip", adapter="binance", url=url, symbols="VIPX", visibility="groups"
    )
    restricted.viewer_groups.add(vip)
    commit({s: p for s, p in PRICES.items()})
    yield SimpleNamespace(vip=vip)
    store.get_store.cache_clear()


def commit(prices: dict[str, float]) -> list[dict]:
    """Commit new values as a poll would; returns the updates (with seq)."""
    return store.get_store().commit(
        [make_quote(symbol=s, price=p, source=SOURCE.get(s, "pub")) for s, p in prices.items()]
    )


async def update_feed(name: str, **fields) -> None:
    await sync_to_async(Feed.objects.filter(name=name).update)(**fields)


@pytest.fixture
async def app(feeds):
    """The feeds, and this test's event loop's registry and hub stopped after the test."""
    yield feeds
    from dashboard.connections import stop_registry
    from dashboard.hub import stop_hub

    await stop_registry()
    await stop_hub()
    await sync_to_async(connections.close_all)()  # the thread sync_to_async ran queries in
