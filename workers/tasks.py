"""Celery tasks: thin interfaces over ``feeds.services``.

Beat runs ``dispatch_due_feeds`` every second; it enqueues one ``poll_feed`` per
due poll (with a countdown for sub-second intervals). Each poll publishes to the
channel layer itself. When the database errors, both fall back to the feed rows
this worker last loaded (``workers.feedcache``), so publishing goes on.
"""

from __future__ import annotations

import logging
import time

from asgiref.sync import async_to_sync
from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from feeds.models import Feed
from feeds.publish import poll_result_publish
from feeds.services import feed_poll, feeds_claim_due, in_backoff
from tickerproj.metrics import DB_FALLBACKS, DISPATCHED
from workers.feedcache import claim_due_from_cache, feed_cache

log = logging.getLogger("ticker.tasks")


@shared_task(ignore_result=True)
def dispatch_due_feeds() -> int:
    """Enqueue the polls due within the next second; returns how many."""
    try:
        due = feeds_claim_due(now=timezone.now())
        feed_cache.refresh_if_old()
        source = "db"
    except DatabaseError as exc:
        due = claim_due_from_cache(now=time.time())
        source = "cache"
        DB_FALLBACKS.labels("dispatch").inc()
        log.warning("database unavailable (%s); dispatching %d cached feeds", exc, len(feed_cache.feeds()))
    for feed_id, delay in due:
        # A poll that could not start within a few seconds is stale: the next one replaces it.
        poll_feed.apply_async((feed_id,), countdown=delay, expires=delay + 5)
    DISPATCHED.labels(source).inc(len(due))
    return len(due)


def _load_feed(feed_id: int) -> Feed | None:
    """The enabled feed, from the database or, while it is down, from this worker's cache."""
    try:
        feed = Feed.objects.filter(pk=feed_id, enabled=True).first()
        feed_cache.refresh_if_old()
    except DatabaseError as exc:
        feed = feed_cache.get(feed_id)
        DB_FALLBACKS.labels("poll").inc()
        log.warning(
            "database unavailable (%s); polling feed %s from cache",
            exc,
            feed.name if feed else feed_id,
            extra={"feed": feed.name if feed else None},
        )
        return feed
    if feed is None:
        feed_cache.forget(feed_id)
    else:
        feed_cache.remember(feed)
    return feed


@shared_task(ignore_result=True)
def poll_feed(feed_id: int) -> int:
    """Poll one feed and publish what changed; returns the number of updates."""
    feed = _load_feed(feed_id)
    if feed is None or in_backoff(feed, timezone.now()):
        return 0
    result = feed_poll(feed=feed)
    if result.skipped:
        return 0
    async_to_sync(poll_result_publish)(result)
    return len(result.updates)
