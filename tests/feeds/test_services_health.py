"""Feed state transitions come from the database's count, not the row a poll loaded.

Two polls of one feed can load the row before the other has saved its failure (a
poll queued with a countdown loads it while the previous poll is finishing); the
stale/live status must still be published exactly once each way.
"""

from __future__ import annotations

import pytest

from feeds.models import Feed
from feeds.services import feed_poll

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_memory_store")]


def test_stale_and_live_are_published_once_even_from_rows_loaded_before_the_last_poll(upstream):
    upstream.set_raw(b"<html>down</html>", status=500)
    feed = Feed.objects.create(name="up", adapter="binance", url=upstream.url(), symbols="AAPL")
    first, second = Feed.objects.get(pk=feed.pk), Feed.objects.get(pk=feed.pk)  # both see 0 failures
    assert feed_poll(feed=first).went_stale == []
    assert feed_poll(feed=second).went_stale == ["AAPL"]
    assert Feed.objects.get(pk=feed.pk).consecutive_failures == 2

    upstream.set_prices({"AAPL": 1.0})
    recovered = feed_poll(feed=first)  # loaded with 0 failures, but the feed is stale now
    assert recovered.went_live == ["AAPL"]
    assert feed_poll(feed=second).went_live == []
    assert Feed.objects.get(pk=feed.pk).consecutive_failures == 0
