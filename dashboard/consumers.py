"""The WebSocket consumer: protocol only. Delivery is the hub's, rules are the protocol's."""

from __future__ import annotations

import asyncio
import logging

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from dashboard import protocol, transport
from dashboard.hub import Hub, get_hub
from dashboard.outbox import Outbox
from dashboard.protocol import ProtocolError, Request

log = logging.getLogger("ticker.ws")

CLOSE_SLOW_CONSUMER = 4001


class TickerConsumer(AsyncWebsocketConsumer):
    # No per-connection channel: the hub holds one membership per symbol per process.
    channel_layer_alias = "__hub_delivers__"

    async def connect(self) -> None:
        self.hub: Hub = await get_hub()
        self.subscriptions: set[str] = set()
        await self.accept()
        transport.limit_send_buffer(self.base_send, settings.TICKER_WS_SEND_BUFFER)
        self.box = Outbox(
            self._send_text, on_stall=self._stalled, max_stall=settings.TICKER_SLOW_VIEWER_CLOSE_S
        )

    async def dispatch(self, message: dict) -> None:
        """Channels' dispatch without its per-message ``close_old_connections`` thread hop.

        This consumer touches no database (the catalog closes stale connections itself);
        a thread hop per connect and per client frame serialises a reconnect storm.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"no handler for message type {message['type']}")
        await handler(message)

    async def _send_text(self, text: str) -> None:
        await self.base_send({"type": "websocket.send", "text": text})

    def _stalled(self) -> None:
        log.info("closing a viewer that stayed behind for %.0fs", settings.TICKER_SLOW_VIEWER_CLOSE_S)
        self._closing = asyncio.get_running_loop().create_task(self._close_slow())

    async def _close_slow(self) -> None:
        """Close with 4001 behind what the socket already holds; abort a peer that reads nothing.

        The close frame can only go out once the peer reads what is buffered before it;
        a peer that has not done so within ``TICKER_SLOW_VIEWER_GRACE_S`` is dropped.
        """
        self.hub.unsubscribe(self.box, self.subscriptions)
        grace = settings.TICKER_SLOW_VIEWER_GRACE_S
        try:
            await asyncio.wait_for(self.close(code=CLOSE_SLOW_CONSUMER), timeout=grace)
        except TimeoutError:
            dropped = transport.abort(self.base_send)
            log.info(
                "a slow viewer read nothing for another %.0fs; %s",
                grace,
                "dropped its connection" if dropped else "the server keeps its socket until the peer goes",
            )

    async def disconnect(self, code: int) -> None:
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
