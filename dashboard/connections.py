"""Every open ticker socket of this process, and the chores done for all of them.

One registry per event loop (like the hub). It admits sockets (the per-address
limit, refusal while draining), and runs the periodic chores: a ``heartbeat`` frame
to every socket, feed states and access re-checked against the catalog, viewer
counts written for operators. Before a planned restart it drains: a ``shutdown``
notice to every socket, then a close with 1012.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from django.conf import settings

from dashboard import viewers
from dashboard.feedstate import sync_states
from dashboard.hub import Hub, get_hub
from dashboard.limits import AddressLimit
from dashboard.protocol import CLOSE_RESTART, CLOSE_TRY_LATER, frame
from feeds.selectors import Viewer, may_see

log = logging.getLogger("ticker.ws")

RETRY_AFTER_RESTART_MS = (1000, 5000)  # a random delay in this range spreads the reconnects


class Socket(Protocol):
    """What the registry needs of a connection (``TickerConsumer``)."""

    address: str
    viewer: Viewer
    subscriptions: set[str]

    def send_control(self, text: str) -> None: ...
    def revoke(self, symbols: list[str]) -> None: ...
    async def shut(self, code: int, reason: str) -> None: ...


class Registry:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.sockets: set[Socket] = set()
        self.addresses = AddressLimit()
        self.draining = False
        self._access_key: object = None
        self._tasks: list[asyncio.Task] = []

    # --- admission --------------------------------------------------------------------
    def admit(self, sock: Socket) -> tuple[int, str] | None:
        """Register ``sock``, or the close code and reason it must be refused with."""
        if self.draining:
            return CLOSE_RESTART, "server restarting"
        if not self.addresses.acquire(sock.address):
            return CLOSE_TRY_LATER, "too many connections from this address"
        self.sockets.add(sock)
        return None

    def remove(self, sock: Socket) -> None:
        if sock in self.sockets:
            self.sockets.discard(sock)
            self.addresses.release(sock.address)

    def broadcast(self, text: str) -> None:
        for sock in list(self.sockets):
            sock.send_control(text)

    # --- chores ---------------------------------------------------------------------------
    def start(self) -> None:
        loop = asyncio.get_running_loop()
        jobs: list[tuple[float, Callable[[], Awaitable[None]]]] = [
            (settings.TICKER_HUB_RECONCILE_S, self.recheck),
            (settings.TICKER_VIEWERS_PUBLISH_S, self.publish_viewers),
        ]
        if settings.TICKER_WS_HEARTBEAT_S > 0:
            jobs.append((settings.TICKER_WS_HEARTBEAT_S, self.heartbeat))
        self._tasks = [loop.create_task(self._every(interval, job)) for interval, job in jobs]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await viewers.withdraw()

    async def _every(self, interval: float, job: Callable[[], Awaitable[None]]) -> None:
        failing = False
        while True:
            await asyncio.sleep(interval)
            try:
                await job()
                failing = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not failing:
                    log.warning("%s failed (%s); will retry", job.__name__, type(exc).__name__)
                failing = True

    async def heartbeat(self) -> None:
        self.broadcast(frame("heartbeat", ts=int(time.time() * 1000)))

    async def publish_viewers(self) -> None:
        await viewers.publish(self.hub.viewers(), len(self.sockets))

    async def recheck(self) -> None:
        """Feed states and access of every subscribed symbol, against a fresh catalog."""
        catalog = self.hub.catalog
        entries = await catalog.entries()
        sync_states(self.hub, entries, catalog.loaded_at, list(self.hub.subs))
        key = tuple(sorted((s, e["visibility"], e["groups"]) for s, e in entries.items()))
        if key != self._access_key:
            self._access_key = key
            for sock in list(self.sockets):
                lost = [
                    s for s in sock.subscriptions if s in entries and not may_see(entries[s], sock.viewer)
                ]
                if lost:
                    sock.revoke(sorted(lost))

    # --- planned restart ------------------------------------------------------------------
    async def drain(self, grace: float | None = None) -> int:
        """Tell every socket the server is restarting, give the notices ``grace`` seconds
        to go out, then close each with 1012. Returns how many sockets were told."""
        self.draining = True
        socks = list(self.sockets)
        if not socks:
            return 0
        for sock in socks:
            sock.send_control(
                frame(
                    "shutdown",
                    reconnect=True,
                    retry_after_ms=random.randint(*RETRY_AFTER_RESTART_MS),
                    message="server restarting; reconnect after retry_after_ms",
                )
            )
        await asyncio.sleep(settings.TICKER_WS_SHUTDOWN_GRACE_S if grace is None else grace)
        await asyncio.gather(*(s.shut(CLOSE_RESTART, "server restarting") for s in socks))
        log.info("drained %d sockets before shutdown", len(socks))
        return len(socks)


_registries: dict[asyncio.AbstractEventLoop, asyncio.Future] = {}


async def get_registry() -> Registry:
    """This event loop's registry, its chores started on first use."""
    loop = asyncio.get_running_loop()
    fut = _registries.get(loop)
    if fut is None:
        fut = _registries[loop] = loop.create_future()
        try:
            registry = Registry(await get_hub())
            registry.start()
            fut.set_result(registry)
        except BaseException as exc:
            del _registries[loop]
            fut.set_exception(exc)
            raise
    return await fut


def current_registry() -> Registry | None:
    """This loop's registry if it has started (no side effects)."""
    with contextlib.suppress(RuntimeError):
        fut = _registries.get(asyncio.get_running_loop())
        if fut is not None and fut.done() and not fut.exception():
            return fut.result()
    return None


async def stop_registry() -> None:
    registry = current_registry()
    _registries.pop(asyncio.get_running_loop(), None)
    if registry is not None:
        await registry.stop()
