"""Celery tasks: thin interfaces over ``feeds.services``.

Beat runs ``dispatch_due_feeds`` every second; it enqueues one ``poll_feed`` per
due poll (with a countdown for sub-second intervals). Each poll publishes to the
channel layer itself.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from celery import shared_task
from django.utils import timezone

from feeds.publish import poll_result_publish
from feeds.services import feed_poll_by_id, feeds_claim_due


@shared_task(ignore_result=True)
def dispatch_due_feeds() -> int:
    """Enqueue the polls due within the next second; returns how many."""
    due = feeds_claim_due(now=timezone.now())
    for feed_id, delay in due:
        # A poll that could not start within a few seconds is stale: the next one replaces it.
        poll_feed.apply_async((feed_id,), countdown=delay, expires=delay + 5)
    return len(due)


@shared_task(ignore_result=True)
def poll_feed(feed_id: int) -> int:
    """Poll one feed and publish what changed; returns the number of updates."""
    result = feed_poll_by_id(feed_id)
    if result is None or result.skipped:
        return 0
    async_to_sync(poll_result_publish)(result)
    return len(result.updates)
