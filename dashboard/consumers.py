"""The WebSocket consumer: protocol only. Delivery is the hub's, rules are the protocol's."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from dashboard import protocol
from dashboard.hub import Hub, get_hub
from dashboard.outbox import Outbox
from dashboard.protocol import ProtocolError, Request
from tickerproj import connections
from tickerproj.metrics import SLOW_VIEWERS_CLOSED

log = logging.getLogger("ticker.ws")

CLOSE_SLOW_CONSUMER = 4001


class TickerConsumer(AsyncWebsocketConsumer):
    # No per-connection channel: the hub holds one membership per symbol per process.
    channel_layer_alias = "__hub_delivers__"

    async def connect(self) -> None:
        self.hub: Hub = await get_hub()
        self.subscriptions: set[str] = set()
        await self.accept()
        self.box = Outbox(
            self._send_text, on_stall=self._stalled, max_stall=settings.TICKER_SLOW_VIEWER_CLOSE_S
        )
        connections.add(self)

    async def _send_text(self, text: str) -> None:
        await self.base_send({"type": "websocket.send", "text": text})

    def _stalled(self) -> None:
        SLOW_VIEWERS_CLOSED.inc()
        log.info("closing a viewer that stayed behind for %.0fs", settings.TICKER_SLOW_VIEWER_CLOSE_S)
        asyncio.get_running_loop().create_task(self._close_slow())

    async def _close_slow(self) -> None:
        self.box.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.close(code=CLOSE_SLOW_CONSUMER), timeout=1.0)
        await self.websocket_disconnect({"code": CLOSE_SLOW_CONSUMER})

    async def disconnect(self, code: int) -> None:
        connections.discard(self)
        box = getattr(self, "box", None)
        if box is not None:
            self.hub.unsubscribe(box, self.subscriptions)
            box.close()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            request = protocol.parse_request(text_data, bytes_data)
            await getattr(self, f"_do_{request.action}")(request)
        except ProtocolError as exc:
            self.box.control(protocol.error_frame(exc))

    async def _do_subscribe(self, request: Request) -> None:
        known, unknown = await self.hub.catalog.split(request.symbols)
        if unknown:
            raise ProtocolError(
                "unknown_symbol", f"no enabled feed provides {', '.join(unknown)}", request.id
            )
        added = [s for s in known if s not in self.subscriptions]
        if len(self.subscriptions) + len(added) > settings.TICKER_MAX_SUBSCRIPTIONS:
            raise ProtocolError(
                "too_many_symbols", f"at most {settings.TICKER_MAX_SUBSCRIPTIONS} subscriptions", request.id
            )
        resend = [s for s in known if s in request.since and s not in added]
        self.subscriptions.update(added)
        snapshots = await self.hub.subscribe(self.box, added + resend, request.since)
        self.box.control(
            protocol.frame("subscribed", request.id, symbols=added, subscriptions=sorted(self.subscriptions))
        )
        for text in snapshots:
            self.box.control(text)

    async def _do_unsubscribe(self, request: Request) -> None:
        removed = [s for s in request.symbols if s in self.subscriptions]
        self.subscriptions.difference_update(removed)
        self.hub.unsubscribe(self.box, removed)
        self.box.control(
            protocol.frame(
                "unsubscribed", request.id, symbols=removed, subscriptions=sorted(self.subscriptions)
            )
        )

    async def _do_list(self, request: Request) -> None:
        self.box.control(
            protocol.frame("subscriptions", request.id, subscriptions=sorted(self.subscriptions))
        )

    async def _do_ping(self, request: Request) -> None:
        self.box.control(protocol.frame("pong", request.id))
