"""Feed services: the poll (fetch → parse → commit → health) and the dispatcher's claim.

Celery tasks and the embedded scheduler are thin interfaces over these functions;
the publish step (``feeds.publish``) is separate so that it runs on the caller's
event loop.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import DatabaseError
from django.db.models import F, Q
from django.utils import timezone

from feeds.adapters import get_adapter
from feeds.adapters.base import FeedError, ProviderRequest
from feeds.http import fetch
from feeds.models import Feed
from feeds.schema import Record, Update
from feeds.store import get_store
from tickerproj.metrics import FEED_FAILURES, FEED_POLL_SECONDS, FEED_POLLS, FEED_UPDATES

log = logging.getLogger("ticker.feeds")

# A feed that was down is retried at least once a minute, so it recovers within a minute.
MAX_BACKOFF_S = 60.0
STALE_AFTER_FAILURES = 2
# Past its requests' timeouts a poll is dead (its worker was killed): the next may start.
LEASE_MARGIN_S = 2.0


@dataclass
class PollResult:
    """What one poll did; ``updates`` are committed and still to be published."""

    feed: str
    updates: list[Update] = field(default_factory=list)
    error: str = ""
    skipped: bool = False
    went_stale: list[str] = field(default_factory=list)
    went_live: list[str] = field(default_factory=list)


def feed_fetch_records(*, feed: Feed, requests: list[ProviderRequest] | None = None) -> list[Record]:
    """Fetch every request of one poll and parse it; any failure is a ``FeedError``."""
    adapter = get_adapter(feed.adapter)
    spec = feed.spec()
    records: list[Record] = []
    for request in adapter.requests(spec) if requests is None else requests:
        response = fetch(request, timeout=feed.timeout)
        try:
            records.extend(adapter.parse(response, spec))
        except FeedError:
            raise
        except Exception as exc:  # an adapter bug must not look like a healthy empty poll
            log.exception("adapter %s crashed on feed=%s", feed.adapter, feed.name, extra={"feed": feed.name})
            raise FeedError(
                f"adapter {feed.adapter} could not parse the response ({type(exc).__name__})"
            ) from None
    return records


def feed_poll(*, feed: Feed) -> PollResult:
    """One poll of ``feed`` unless another is still running; writes the feed's health.

    The lease lasts as long as the poll's requests may (their timeouts) plus a margin,
    so a poll whose worker was killed holds the feed no longer than that. A poll
    that outlives its lease may overlap the next one; the store's commit keeps that
    safe (no value published twice, none out of order).
    """
    store = get_store()
    result = PollResult(feed=feed.name)
    try:
        requests = get_adapter(feed.adapter).requests(feed.spec())
    except (KeyError, FeedError) as exc:
        requests = []
        error = exc if isinstance(exc, FeedError) else FeedError(str(exc), permanent=True)
    else:
        error = None
    ttl = feed.timeout * max(1, len(requests)) + LEASE_MARGIN_S
    with store.lease(f"poll:{feed.pk}", ttl=ttl) as held:
        if not held:
            result.skipped = True
            FEED_POLLS.labels(feed.name, "skipped").inc()
            return result
        started = time.monotonic()
        try:
            if error is not None:
                raise error
            records = feed_fetch_records(feed=feed, requests=requests)
        except FeedError as exc:
            result.error = exc.message
            _record_failure(feed, exc, started, result)
            return result
        result.updates = store.commit(records)
        _record_success(feed, started, result)
    return result


def _save_health(feed: Feed, stale_only: bool = False, **fields) -> int:
    """Health is best effort: a database outage must not stop the updates. Returns rows updated.

    ``stale_only`` updates only if the row is stale now, so the caller learns that
    atomically (the row it loaded may predate the previous poll's failure).
    """
    rows = Feed.objects.filter(pk=feed.pk)
    if stale_only:
        rows = rows.filter(consecutive_failures__gte=STALE_AFTER_FAILURES)
    try:
        return rows.update(**fields)
    except DatabaseError as exc:
        log.warning("feed=%s health not saved: %s", feed.name, exc, extra={"feed": feed.name})
        return -1


def _failures_after_one_more(feed: Feed) -> int:
    """Count this failure in the database and return the new count (the loaded one may be old)."""
    try:
        rows = Feed.objects.filter(pk=feed.pk)
        rows.update(consecutive_failures=F("consecutive_failures") + 1)
        return rows.values_list("consecutive_failures", flat=True).get()
    except (DatabaseError, Feed.DoesNotExist):
        return feed.consecutive_failures + 1


def _record_success(feed: Feed, started: float, result: PollResult) -> None:
    now = timezone.now()
    elapsed = time.monotonic() - started
    health = {
        "last_poll_at": now,
        "last_success_at": now,
        "consecutive_failures": 0,
        "last_latency_ms": int(elapsed * 1000),
        "updates_published": F("updates_published") + len(result.updates),
    }
    was_stale = _save_health(feed, stale_only=True, **health)
    if was_stale == 0:
        _save_health(feed, **health)
    elif was_stale == -1:  # database down: judge by the row this worker has
        was_stale = feed.consecutive_failures >= STALE_AFTER_FAILURES
    if was_stale:
        result.went_live = feed.symbol_list
        log.info("feed=%s recovered; symbols live again", feed.name, extra={"feed": feed.name})
    FEED_POLLS.labels(feed.name, "ok").inc()
    FEED_POLL_SECONDS.labels(feed.name).observe(elapsed)
    FEED_UPDATES.labels(feed.name).inc(len(result.updates))
    FEED_FAILURES.labels(feed.name).set(0)
    log.debug("feed=%s poll ok updates=%d", feed.name, len(result.updates), extra={"feed": feed.name})


def _record_failure(feed: Feed, exc: FeedError, started: float, result: PollResult) -> None:
    now = timezone.now()
    elapsed = time.monotonic() - started
    failures = _failures_after_one_more(feed)
    if failures == STALE_AFTER_FAILURES:
        result.went_stale = feed.symbol_list
    delay = backoff_delay(feed.interval, failures, exc.retry_after)
    FEED_POLLS.labels(feed.name, "error").inc()
    FEED_POLL_SECONDS.labels(feed.name).observe(elapsed)
    FEED_FAILURES.labels(feed.name).set(failures)
    _save_health(
        feed,
        last_poll_at=now,
        last_error=exc.message[:1000],
        last_error_at=now,
        last_latency_ms=int(elapsed * 1000),
        next_poll_at=now + timedelta(seconds=delay),
    )
    log.warning(
        "feed=%s poll failed failures=%d retry_in=%.1fs error=%s",
        feed.name,
        failures,
        delay,
        exc.message,
        extra={"feed": feed.name, "failures": failures, "retry_in": round(delay, 2), "error": exc.message},
    )


def backoff_delay(interval: float, failures: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter, at least the provider's ``Retry-After``."""
    base = min(MAX_BACKOFF_S, interval * 2 ** min(failures, 16))
    delay = random.uniform(interval, max(interval, base))
    return max(delay, retry_after or 0.0)


def feeds_claim_due(*, now: datetime, horizon: float = 1.0) -> list[tuple[int, float]]:
    """Claim the polls due within ``horizon`` seconds: ``(feed_id, delay_s)`` pairs.

    The claim moves ``next_poll_at`` forward with a compare-and-set, so two
    dispatchers (a second beat started by mistake) never poll a feed twice.
    """
    end = now + timedelta(seconds=horizon)
    due = Feed.objects.filter(enabled=True).filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lt=end))
    claimed: list[tuple[int, float]] = []
    for feed_id, interval, next_at in due.values_list("pk", "interval", "next_poll_at"):
        step = timedelta(seconds=interval)
        at = next_at if next_at and next_at > now - step else now
        times = []
        while at < end:
            times.append(at)
            at += step
        if Feed.objects.filter(pk=feed_id, next_poll_at=next_at).update(next_poll_at=at):
            claimed.extend((feed_id, max(0.0, (t - now).total_seconds())) for t in times)
    return claimed


def feed_poll_by_id(feed_id: int) -> PollResult | None:
    """The poll task's body: load the feed (if it still exists and is enabled) and poll it."""
    feed = Feed.objects.filter(pk=feed_id, enabled=True).first()
    return feed_poll(feed=feed) if feed else None


def feed_enabled_symbols() -> set[str]:
    """Symbols configured on enabled feeds (quote feeds list theirs)."""
    symbols: set[str] = set()
    for text in Feed.objects.filter(enabled=True).values_list("symbols", flat=True):
        symbols.update(Feed(symbols=text).symbol_list)
    return symbols
