"""What the admin's "poll now" and "test feed" do, apart from rendering.

Both go through ``feeds.services``: "poll now" is the scheduled poll run at once
(commit, health, publish); "test feed" is the same fetch and parse with nothing
committed, health untouched and nothing published.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from asgiref.sync import async_to_sync
from django.contrib import messages

from feeds.adapters.base import FeedError
from feeds.models import Feed
from feeds.publish import poll_result_publish
from feeds.schema import QUOTE_FIELDS, SCORE_FIELDS, Record
from feeds.services import feed_fetch_records, feed_poll

LEADING_COLUMNS = ("symbol", "kind", "ts", "source")
KNOWN_COLUMNS = (*LEADING_COLUMNS, *QUOTE_FIELDS, *SCORE_FIELDS, "currency", "name", "start")


@dataclass
class FeedTest:
    """One feed's test fetch: its records as table rows, or the error."""

    feed: Feed
    records: list[Record] = field(default_factory=list)
    error: str = ""
    elapsed_ms: int = 0

    @property
    def columns(self) -> list[str]:
        """Schema field names present in any record, in schema order (then any others)."""
        present = {key for record in self.records for key in record}
        known = [c for c in KNOWN_COLUMNS if c in present]
        return known + sorted(present - set(known))

    @property
    def rows(self) -> list[list[object]]:
        return [[record.get(c, "") for c in self.columns] for record in self.records]


def feeds_test(feeds: Iterable[Feed]) -> list[FeedTest]:
    """Fetch and parse each feed once, committing and publishing nothing."""
    results = []
    for feed in feeds:
        result = FeedTest(feed=feed)
        started = time.monotonic()
        try:
            result.records = feed_fetch_records(feed=feed)
        except FeedError as exc:
            result.error = exc.message
        except KeyError as exc:  # the feed names an adapter that is no longer registered
            result.error = str(exc.args[0]) if exc.args else "unknown adapter"
        result.elapsed_ms = int((time.monotonic() - started) * 1000)
        results.append(result)
    return results


def feeds_poll_now(feeds: Iterable[Feed]) -> list[tuple[int, str]]:
    """Poll each enabled feed now and publish its updates; one ``(level, message)`` per feed.

    Runs in the caller's thread: from an admin view under ASGI, ``async_to_sync``
    publishes on the server's event loop (where the in-memory layer lives).
    """
    outcomes: list[tuple[int, str]] = []
    for feed in feeds:
        if not feed.enabled:
            outcomes.append(
                (messages.WARNING, f"Not polled {feed.name}: it is disabled (enable it, or test it)")
            )
            continue
        result = feed_poll(feed=feed)
        if result.skipped:
            outcomes.append(
                (messages.WARNING, f"Not polled {feed.name}: a poll is already running, try again")
            )
            continue
        async_to_sync(poll_result_publish)(result)
        if result.error:
            outcomes.append((messages.ERROR, f"Poll of {feed.name} failed: {result.error}"))
        elif result.not_modified and not result.updates:
            outcomes.append((messages.SUCCESS, f"Polled {feed.name}: not modified since the last poll"))
        else:
            outcomes.append(
                (messages.SUCCESS, f"Polled {feed.name}: {len(result.updates)} update(s) published")
            )
    return outcomes
