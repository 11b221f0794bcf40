"""Keep polling through a database outage: the feed rows a worker has loaded, and claims in Redis.

Each worker process remembers the enabled ``Feed`` rows it has read (all of them,
refreshed every ``REFRESH_S`` while the database answers). When the database
errors, the dispatcher schedules from these rows and the poll task polls them, so
viewers keep getting the feeds the worker already knows. Claims then move from the
database's compare-and-set to Redis ``SET NX`` on (feed, time slot): any number of
dispatchers (workers, a second beat) still enqueue each poll once.

Nothing is written back while the database is down: health is best effort
(``feeds.services._save_health``), and changes made in the admin are picked up at
the first refresh after it returns.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from functools import cache

import redis
from django.conf import settings

from feeds.models import Feed
from feeds.services import DISPATCH_HORIZON_S

log = logging.getLogger("ticker.feedcache")

REFRESH_S = 10.0
CLAIM_TTL_S = 120


class FeedCache:
    """The enabled feeds this process last read from the database, by id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[int, Feed] = {}
        self._loaded_at = 0.0

    def refresh_if_old(self, max_age: float = REFRESH_S) -> None:
        """Reload every enabled feed when the copy is older than ``max_age`` (raises DB errors)."""
        if time.monotonic() - self._loaded_at < max_age:
            return
        rows = {f.pk: f for f in Feed.objects.filter(enabled=True)}
        with self._lock:
            self._rows, self._loaded_at = rows, time.monotonic()

    def remember(self, feed: Feed) -> None:
        with self._lock:
            self._rows[feed.pk] = feed

    def forget(self, feed_id: int) -> None:
        with self._lock:
            self._rows.pop(feed_id, None)

    def get(self, feed_id: int) -> Feed | None:
        with self._lock:
            return self._rows.get(feed_id)

    def feeds(self) -> list[Feed]:
        with self._lock:
            return list(self._rows.values())


feed_cache = FeedCache()


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)


def claim_due_from_cache(*, now: float, horizon: float = DISPATCH_HORIZON_S) -> list[tuple[int, float]]:
    """The dispatcher's claim without the database: ``(feed_id, delay_s)`` pairs.

    Poll times are the multiples of each feed's interval (Unix time) within
    ``[now, now + horizon)``; each is claimed once cluster-wide with ``SET NX``.
    """
    client = _redis()
    claimed: list[tuple[int, float]] = []
    for feed in feed_cache.feeds():
        step = max(feed.interval, 0.1)
        slot = math.ceil(now / step)
        while slot * step < now + horizon:
            key = f"{settings.TICKER_REDIS_PREFIX}:claim:{feed.pk}:{slot}"
            if client.set(key, b"1", nx=True, ex=CLAIM_TTL_S):
                claimed.append((feed.pk, max(0.0, slot * step - now)))
            slot += 1
    return claimed
