"""A per-process cache of the symbol catalog, so subscribing costs no database query."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

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
        self._lock = asyncio.Lock()

    async def entries(self, *, max_age: float = REFRESH_S) -> dict[str, dict]:
        if time.monotonic() - self._loaded > max_age:
            async with self._lock:
                if time.monotonic() - self._loaded > max_age:
                    started = time.time()
                    try:
                        self._entries = await symbol_catalog()
                        self.loaded_at = started
                    except (
                        DatabaseError,
                        RedisError,
                    ) as exc:  # keep serving what was known before the outage
                        if not self._entries:
                            raise
                        log.warning("catalog not refreshed (%s); using the last one", exc)
                    self._loaded = time.monotonic()
        return self._entries

    async def lookup(self, symbols: Iterable[str]) -> dict[str, dict]:
        """The catalog, refreshed once (if older than half a second) when a symbol is missing."""
        entries = await self.entries()
        if any(s not in entries for s in symbols):
            entries = await self.entries(max_age=0.5)
        return entries
