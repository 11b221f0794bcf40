"""A per-process cache of the symbol catalog, so subscribing costs no database query.

One refresh runs at a time and every caller that needs it awaits that same task (a
lock would queue thousands of subscribers in a reconnect storm, and asyncio's lock
scans its waiters on every acquire). A catalog older than ``REFRESH_S`` is served as
it is while a refresh runs in the background; only the first load, and a miss (a
symbol not in the catalog), wait for fresh entries. When the database or Redis is
down, the last catalog keeps being served.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

from channels.db import aclose_old_connections
from django.db import DatabaseError
from redis.exceptions import RedisError

from feeds.selectors import symbol_catalog

log = logging.getLogger("ticker.catalog")

REFRESH_S = 2.0


class Catalog:
    def __init__(self) -> None:
        self._entries: dict[str, dict] = {}
        self._loaded = 0.0
        self.loaded_at = 0.0  # when (epoch s) the current entries' load started
        self._refresh: asyncio.Task | None = None

    async def entries(self, *, max_age: float = REFRESH_S, wait: bool = False) -> dict[str, dict]:
        """The catalog; refreshed when older than ``max_age`` (awaited if ``wait`` or never loaded)."""
        if time.monotonic() - self._loaded > max_age:
            task = self._refresh or self._start_refresh()
            if wait or not self._entries:
                await asyncio.shield(task)
        return self._entries

    def _start_refresh(self) -> asyncio.Task:
        self._refresh = asyncio.get_running_loop().create_task(self._load())
        self._refresh.add_done_callback(self._refreshed)
        return self._refresh

    async def _load(self) -> None:
        started = time.time()
        try:
            await aclose_old_connections()
            self._entries = await symbol_catalog()
            self.loaded_at = started
        except (DatabaseError, RedisError) as exc:  # keep serving what was known before the outage
            if not self._entries:
                raise
            log.warning("catalog not refreshed (%s); using the last one", exc)
        self._loaded = time.monotonic()

    def _refreshed(self, task: asyncio.Task) -> None:
        self._refresh = None
        if not task.cancelled() and task.exception() is not None:
            log.warning("symbol catalog refresh failed: %s", task.exception())

    async def lookup(self, symbols: Iterable[str]) -> dict[str, dict]:
        """The catalog, refreshed once (if older than half a second) when a symbol is missing."""
        symbols = list(symbols)
        entries = await self.entries()
        if any(s not in entries for s in symbols):
            entries = await self.entries(max_age=0.5, wait=True)
        return entries
