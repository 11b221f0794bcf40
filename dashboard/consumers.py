"""The WebSocket consumer: wiring only (docs/protocol.md is the contract).

Parsing and frames are ``protocol``'s, subscription rules ``subscriptions``', limits
``limits``', access ``access``/``feeds.selectors``', delivery the hub's and the outbox's,
process-wide chores the registry's.
"""

from __future__ import annotations

import asyncio
import logging

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError
from redis.exceptions import RedisError

from dashboard import protocol, subscriptions, transport
from dashboard.access import socket_login_missing, viewer_of
from dashboard.connections import Registry, get_registry
from dashboard.feedstate import sync_states
from dashboard.hub import Hub
from dashboard.limits import MAX_OUTBOX_BACKLOG, MessageLimiter, Verdict
from dashboard.outbox import Outbox
from dashboard.protocol import ProtocolError, Request, frame
from tickerproj.metrics import SLOW_VIEWERS_CLOSED

log = logging.getLogger("ticker.ws")

UNAVAILABLE = (RedisError, DatabaseError, OSError, TimeoutError)


class TickerConsumer(AsyncWebsocketConsumer):
    # No per-connection channel: the hub holds one membership per symbol per process.
    channel_layer_alias = "__hub_delivers__"

    box: Outbox | None = None
    registry: Registry | None = None
    closed = False
    _closing: asyncio.Task | None = None

    async def connect(self) -> None:
        self.subscriptions: set[str] = set()
        client = self.scope.get("client")
        self.address = str(client[0]) if client else "unknown"
        self.viewer = await viewer_of(self.scope.get("user"))
        await self.accept()
        self._send_frame = transport.innermost_send(self.base_send)
        transport.limit_send_buffer(self.base_send, settings.TICKER_WS_SEND_BUFFER)
        if socket_login_missing(self.viewer):
            await self.shut(protocol.CLOSE_LOGIN_REQUIRED, "sign in required")
            return
        try:
            self.registry = await get_registry()
        except Exception as exc:
            log.warning("socket refused: hub unavailable (%s)", type(exc).__name__)
            await self.shut(1011, "server unavailable")
            return
        self.hub: Hub = self.registry.hub
        self.limiter = MessageLimiter()
        self.box = Outbox(
            self._send_text, on_stall=self._stalled, max_stall=settings.TICKER_SLOW_VIEWER_CLOSE_S
        )
        self.handlers = {
            "subscribe": self._do_subscribe,
            "unsubscribe": self._do_unsubscribe,
            "list": self._do_list,
            "ping": self._do_ping,
        }
        if refusal := self.registry.admit(self):
            self.registry = None
            await self.shut(*refusal)
            return

    async def dispatch(self, message: dict) -> None:
        """Channels' dispatch without its per-message ``close_old_connections`` thread hop.

        The hop serialised a reconnect storm; the database is reached through
        ``database_sync_to_async`` (the auth middleware) and the catalog, which close
        stale connections themselves (docs/performance.md).
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"no handler for message type {message['type']}")
        await handler(message)

    async def _send_text(self, text: str) -> None:
        await self._send_frame({"type": "websocket.send", "text": text})

    # --- the connection's end -----------------------------------------------------------------
    def _release(self) -> None:
        """Leave the hub and the registry; safe to call more than once."""
        if self.box is not None:
            self.hub.unsubscribe(self.box, self.subscriptions)
            self.box.close()
        if self.registry is not None:
            self.registry.remove(self)

    async def shut(self, code: int, reason: str, grace: float = 1.0) -> None:
        """Close from the server side with ``code`` (see ``protocol.CLOSE_CODES``).

        The close frame queues behind what the socket already holds; a peer that has not
        read up to it within ``grace`` seconds is dropped (uvicorn's own close, and its
        ping timeout, wait for the peer to read first, which one that never reads never does).
        """
        if self.closed:
            return
        self.closed = True
        self._release()
        for attempt in dict.fromkeys((code, protocol.portable_close_code(code), 1000)):
            try:
                await asyncio.wait_for(self.close(code=attempt, reason=reason), timeout=grace)
                return
            except TimeoutError:
                dropped = transport.abort(self.base_send)
                log.info(
                    "a peer read nothing for %.0fs after its close; %s",
                    grace,
                    "dropped" if dropped else "left to the server",
                )
                return
            except Exception:  # the server refuses the code (daphne: 1xxx), or the peer is gone
                continue

    async def disconnect(self, code: int) -> None:
        self.closed = True
        self._release()

    def _stalled(self) -> None:
        if self.closed or self._closing is not None:
            return
        SLOW_VIEWERS_CLOSED.inc()
        log.info("closing a viewer that stayed behind for %.0fs", settings.TICKER_SLOW_VIEWER_CLOSE_S)
        self._closing = asyncio.get_running_loop().create_task(
            self.shut(protocol.CLOSE_SLOW_CONSUMER, "too slow reading", settings.TICKER_SLOW_VIEWER_GRACE_S)
        )

    async def send_shutdown_notice(self) -> None:
        """Before a planned restart (``tickerproj.connections`` closes the socket next):
        the ``shutdown`` frame goes out now, ahead of anything still queued."""
        if self.closed or self.box is None:
            return
        self.box.close()  # nothing may follow the notice but the close
        await self._send_text(protocol.shutdown_frame())

    def send_control(self, text: str) -> None:
        """Queue a frame in order; a connection that lets too many pile up is too slow."""
        if self.closed or self.box is None:
            return
        if self.box.pending() >= MAX_OUTBOX_BACKLOG:
            self._stalled()
            return
        self.box.control(text)

    def revoke(self, symbols: list[str]) -> None:
        """Access to ``symbols`` was withdrawn (their feed's visibility changed)."""
        self.subscriptions.difference_update(symbols)
        self.hub.unsubscribe(self.box, symbols)
        self.send_control(
            frame(
                "unsubscribed", symbols=symbols, subscriptions=sorted(self.subscriptions), reason="forbidden"
            )
        )

    # --- requests -------------------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closed or self.box is None:
            return
        verdict = self.limiter.admit()
        if verdict is Verdict.CLOSE:
            log.info("closing a client from %s that kept flooding", self.address)
            await self.shut(protocol.CLOSE_FLOOD, "rate limit exceeded")
            return
        request_id = None
        try:
            if verdict is Verdict.REFUSE:
                request_id = protocol.request_id_of(text_data)
                raise ProtocolError(
                    "rate_limited",
                    f"more than {settings.TICKER_WS_RATE_PER_S:g} messages a second; slow down",
                    request_id,
                    retry_after_ms=self.limiter.retry_after_ms(),
                )
            request = protocol.parse_request(text_data, bytes_data)
            request_id = request.id
            await self.handlers[request.action](request)
        except ProtocolError as exc:
            self.send_control(protocol.error_frame(exc))
        except UNAVAILABLE as exc:
            log.warning("request failed, a backing service is unavailable: %s: %s", type(exc).__name__, exc)
            self.send_control(
                protocol.error_frame(
                    ProtocolError("unavailable", "the service is temporarily unavailable; retry", request_id)
                )
            )
        except Exception:
            log.exception("request failed")
            self.send_control(
                protocol.error_frame(
                    ProtocolError("internal_error", "the server failed on this request", request_id)
                )
            )

    async def _do_subscribe(self, request: Request) -> None:
        catalog = self.hub.catalog
        entries = await catalog.lookup(request.symbols)
        new = subscriptions.admit(self.subscriptions, request, entries, self.viewer)
        sync_states(self.hub, entries, catalog.loaded_at, request.symbols)
        targets = new + [s for s in request.symbols if s in request.since and s not in new]
        snapshots = await self.hub.subscribe(self.box, targets, request.since)
        if self.closed:  # closed while the hub joined groups
            self.hub.unsubscribe(self.box, targets)
            return
        self.subscriptions.update(new)
        self.send_control(
            frame(
                "subscribed",
                request.id,
                symbols=list(request.symbols),
                subscriptions=sorted(self.subscriptions),
            )
        )
        for text in subscriptions.follow_ups(
            request.symbols, snapshots, lambda s: self.hub.state.get(s, "live")
        ):
            self.send_control(text)

    async def _do_unsubscribe(self, request: Request) -> None:
        removed = [s for s in request.symbols if s in self.subscriptions]
        self.subscriptions.difference_update(removed)
        self.hub.unsubscribe(self.box, removed)
        self.send_control(
            frame(
                "unsubscribed",
                request.id,
                symbols=list(request.symbols),
                subscriptions=sorted(self.subscriptions),
            )
        )

    async def _do_list(self, request: Request) -> None:
        self.send_control(frame("subscriptions", request.id, subscriptions=sorted(self.subscriptions)))

    async def _do_ping(self, request: Request) -> None:
        self.send_control(frame("pong", request.id))
