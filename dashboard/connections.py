"""Every open ticker socket of this process, and the chores done for all of them.

One registry per event loop (like the hub). It admits sockets (the per-address
limit) and runs the periodic chores: a ``heartbeat`` frame to every socket, feed
states and access re-checked against the catalog, viewer counts written for
operators. (The goodbye before a planned restart is ``tickerproj.connections``'.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from django.conf import settings

from dashboard import viewers
from dashboard.feedstate import sync_states
from dashboard.hub import Hub, get_hub
from dashboard.limits import AddressLimit
from dashboard.perloop import PerLoop
from dashboard.protocol import CLOSE_TRY_LATER, frame
from feeds.selectors import Viewer, may_see

log = logging.getLogger("ticker.ws")


class Socket(Protocol):
    """What the registry needs of a connection (``TickerConsumer``)."""

    address: str
    viewer: Viewer
    subscriptions: set[str]

    def send_control(self, text: str) -> None: ...
    def revoke(self, symbols: list[str]) -> None: ...


class Registry:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.sockets: set[Socket] = set()
        self.addresses = AddressLimit()
        self._access_key: object = None
        self._tasks: list[asyncio.Task] = []

    # --- admission --------------------------------------------------------------------
    def admit(self, sock: Socket) -> tuple[int, str] | None:
        """Register ``sock``, or the close code and reason it must be refused with."""
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


async def _start_registry() -> Registry:
    registry = Registry(await get_hub())
    registry.start()
    return registry


registries: PerLoop[Registry] = PerLoop(_start_registry)


async def get_registry() -> Registry:
    """This event loop's registry, its chores started on first use."""
    return await registries.get()


async def stop_registry() -> None:
    await registries.stop()
