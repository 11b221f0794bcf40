"""Feed services: the poll (fetch → parse → commit → health) and the dispatcher's claim.

Celery tasks and the embedded scheduler are thin interfaces over these functions;
the publish step (``feeds.publish``) is separate so that it runs on the caller's
event loop.
"""

from __future__ import annotations

import logging
import random
import time
import traceback
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.db import DatabaseError
from django.db.models import F, Q
from django.utils import timezone

from feeds.adapters import get_adapter
from feeds.adapters.base import (
    Adapter,
    FeedError,
    FeedSpec,
    ProviderRequest,
    ProviderResponse,
    redact,
    retry_after_seconds,
)
from feeds.conditional import scope_of, validators
from feeds.http import fetch
from feeds.models import Feed
from feeds.schema import Record, Update
from feeds.store import get_store
from tickerproj.metrics import FEED_FAILURES, FEED_POLL_SECONDS, FEED_POLLS, FEED_UPDATES

log = logging.getLogger("ticker.feeds")

# A feed that was down is retried at least once a minute, so it recovers within a minute.
MAX_BACKOFF_S = 60.0
DISPATCH_HORIZON_S = 1.0
STALE_AFTER_FAILURES = 2
# Past its requests' timeouts and retry budget a poll is dead (its worker was killed): the next may start.
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
    not_modified: int = 0


@dataclass
class Fetched:
    """What one fetch of a feed's requests brought, nothing committed yet."""

    scope: str
    records: list[Record] = field(default_factory=list)
    exchanges: list[tuple[ProviderRequest, ProviderResponse]] = field(default_factory=list)
    not_modified: int = 0

    def remember(self) -> None:
        """Keep this fetch's validators for the next conditional poll (call once committed)."""
        validators.remember(self.scope, self.exchanges)


def spec_fetch(
    *, adapter: str, spec: FeedSpec, timeout: float, budget: float = 0.0, conditional: bool = False
) -> Fetched:
    """Fetch every request of one poll of ``spec`` and parse it, committing nothing.

    The one fetch path, shared by polls, the admin's "test feed" and ``manage.py
    checkfeed``. ``budget`` is how long after the start transient failures may still
    be retried (a poll passes its interval). ``conditional`` sends the validators of
    the last committed poll; a ``304`` answer then adds no records. Any failure is a
    ``FeedError`` with the feed's credential blanked out of its message.
    """
    fetched = Fetched(scope=scope_of(spec))
    deadline = time.monotonic() + budget
    try:
        provider = get_adapter(adapter)
        for request in provider.requests(spec):
            sent = request
            if conditional and (extra := validators.headers_for(fetched.scope, request)):
                sent = replace(request, headers={**request.headers, **extra})
            response = fetch(sent, timeout=timeout, deadline=deadline)
            if sent is not request and response.status == 304:
                fetched.not_modified += 1
                continue
            fetched.records.extend(_parse(provider, response, spec))
            fetched.exchanges.append((request, response))
    except FeedError as exc:
        raise FeedError(
            redact(exc.message, spec.credentials), permanent=exc.permanent, retry_after=exc.retry_after
        ) from None
    return fetched


def spec_parse_payload(*, adapter: str, spec: FeedSpec, body: bytes, status: int = 200) -> list[Record]:
    """Parse a saved provider response as if ``spec``'s (first) request had fetched it."""
    provider = get_adapter(adapter)
    try:
        requests = provider.requests(spec)
        if len(requests) > 1:
            raise FeedError(
                f"a saved response answers one request, but this feed makes {len(requests)} "
                "(one per symbol): give one symbol"
            )
        request = requests[0] if requests else ProviderRequest(url=spec.url)
        return _parse(provider, ProviderResponse(status=status, body=body, request=request), spec)
    except FeedError as exc:
        raise FeedError(redact(exc.message, spec.credentials), permanent=exc.permanent) from None


def _parse(provider: Adapter, response: ProviderResponse, spec: FeedSpec) -> list[Record]:
    """The adapter's records, or a ``FeedError`` that honours the response's ``Retry-After``."""
    try:
        return provider.parse(response, spec)
    except FeedError as exc:
        if exc.retry_after is None and response.status >= 400:
            exc.retry_after = retry_after_seconds(response.headers.get("retry-after"))
        raise
    except Exception as exc:  # an adapter bug must not look like a healthy empty poll
        log.error(
            "adapter %s crashed on feed=%s:\n%s",
            provider.name,
            spec.name,
            redact(traceback.format_exc(), spec.credentials),
            extra={"feed": spec.name},
        )
        raise FeedError(
            f"adapter {provider.name} could not parse the response ({type(exc).__name__})"
        ) from None


def feed_fetch_records(*, feed: Feed) -> list[Record]:
    """Fetch and parse one unconditional poll of ``feed`` without committing (the admin's test)."""
    return spec_fetch(
        adapter=feed.adapter, spec=feed.spec(), timeout=feed.timeout, budget=feed.timeout
    ).records


def poll_lease_ttl(feed: Feed, spec: FeedSpec) -> float:
    """How long one poll of ``feed`` may take: its retry budget (the interval), each request's
    timeout, and a margin. A poll whose worker was killed holds the feed no longer than that."""
    try:
        requests = len(get_adapter(feed.adapter).requests(spec))
    except (KeyError, FeedError):
        requests = 1  # the poll itself reports the error
    return feed.interval + feed.timeout * max(1, requests) + LEASE_MARGIN_S


def feed_poll(*, feed: Feed) -> PollResult:
    """One poll of ``feed`` unless another is still running; writes the feed's health.

    Transient failures are retried within the feed's interval; the request is
    conditional when the provider sent validators last time. A poll that outlives
    its lease (``poll_lease_ttl``) may overlap the next one; the store's commit keeps
    that safe (no value published twice, none out of order).
    """
    store = get_store()
    result = PollResult(feed=feed.name)
    spec = feed.spec()
    with store.lease(f"poll:{feed.pk}", ttl=poll_lease_ttl(feed, spec)) as held:
        if not held:
            result.skipped = True
            FEED_POLLS.labels(feed.name, "skipped").inc()
            return result
        started = time.monotonic()
        try:
            fetched = spec_fetch(
                adapter=feed.adapter,
                spec=spec,
                timeout=feed.timeout,
                budget=feed.interval,
                conditional=True,
            )
        except FeedError as exc:
            result.error = exc.message
            _record_failure(feed, exc, started, result)
            return result
        result.updates = store.commit(fetched.records)
        result.not_modified = fetched.not_modified
        fetched.remember()
        _record_success(feed, started, result)
    return result


def _save_health(feed: Feed, stale: bool | None = None, **fields) -> int:
    """Health is best effort: a database outage must not stop the updates. Returns rows
    updated, or -1 when the database is down.

    ``stale`` (True or False) updates only if the row is (or is not) stale now, so the
    caller learns which atomically (the row it loaded may predate the previous poll's failure).
    """
    rows = Feed.objects.filter(pk=feed.pk)
    if stale is not None:
        lookup = "consecutive_failures__gte" if stale else "consecutive_failures__lt"
        rows = rows.filter(**{lookup: STALE_AFTER_FAILURES})
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
    saved = _save_health(feed, stale=False, **health)  # one write when the feed was live
    was_stale = False
    if saved == 0:
        saved = _save_health(feed, stale=True, **health)
        was_stale = saved > 0
    if saved == -1:  # database down: judge by the row this worker has
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


def feeds_claim_due(*, now: datetime, horizon: float = DISPATCH_HORIZON_S) -> list[tuple[int, float]]:
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
    """The embedded scheduler's poll: load the feed (if it still exists and is enabled) and
    poll it. The Celery task (``workers.tasks.poll_feed``) does the same from its feed cache.

    A poll claimed before the feed's last failure is skipped when that failure
    pushed the next poll beyond where any claim could have put it (see ``in_backoff``).
    """
    feed = Feed.objects.filter(pk=feed_id, enabled=True).first()
    if feed is None:
        return None
    if in_backoff(feed, timezone.now()):
        return PollResult(feed=feed.name, skipped=True)
    return feed_poll(feed=feed)


def in_backoff(feed: Feed, now: datetime) -> bool:
    """True if a failure's backoff, not a claim, set ``next_poll_at``.

    A claim leaves ``next_poll_at`` at most ``horizon + interval`` after the time it
    claimed, and a claimed poll runs at or after that time; a failing feed's
    ``next_poll_at`` further away than that was set by its backoff (or a provider's
    ``Retry-After``), and a poll already claimed before the failure must not undercut it.
    """
    if not feed.consecutive_failures or feed.next_poll_at is None:
        return False
    slack = DISPATCH_HORIZON_S + feed.interval + 0.5
    return (feed.next_poll_at - now).total_seconds() > slack
