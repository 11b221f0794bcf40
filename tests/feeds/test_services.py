"""Poll services against a real local upstream: health written, errors clear, claims exclusive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from feeds.services import backoff_delay, feed_poll, feeds_claim_due
from tests.feeds.conftest import make_feed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_memory_store")]


def test_poll_publishes_changes_only_and_records_health(upstream):
    upstream.set_prices({"AAPL": 10, "MSFT": 20, "OTHER": 1})
    feed = make_feed(upstream)
    result = feed_poll(feed=feed)
    assert sorted(u["symbol"] for u in result.updates) == ["AAPL", "MSFT"]
    feed.refresh_from_db()
    assert feed.last_success_at and feed.consecutive_failures == 0 and feed.updates_published == 2
    upstream.set_prices({"AAPL": 11, "MSFT": 20})
    assert [u["symbol"] for u in feed_poll(feed=feed).updates] == ["AAPL"]


def test_malformed_response_is_a_clear_feed_error_and_publishes_nothing(upstream):
    upstream.set_raw(b"<html><body>502 Bad Gateway</body></html>", status=200)
    feed = make_feed(upstream)
    result = feed_poll(feed=feed)
    assert result.updates == [] and "HTML" in result.error
    feed.refresh_from_db()
    assert feed.consecutive_failures == 1 and "HTML" in feed.last_error
    assert feed.next_poll_at > timezone.now()


def test_unreachable_upstream_error_names_the_host_not_the_query(upstream):
    feed = make_feed(upstream, timeout=0.5)
    feed.url = f"http://127.0.0.1:{upstream.port}/api?apikey=SECRET"
    upstream.close()
    result = feed_poll(feed=feed)
    assert "127.0.0.1" in result.error and "SECRET" not in result.error


def test_claims_are_exclusive_and_cover_sub_second_intervals(upstream):
    feed = make_feed(upstream, interval=0.5)
    now = timezone.now()
    claimed = feeds_claim_due(now=now)
    assert [fid for fid, _ in claimed] == [feed.pk, feed.pk]
    assert sorted(d for _, d in claimed) == [0.0, 0.5]
    assert feeds_claim_due(now=now) == []  # a second dispatcher finds nothing due
    assert len(feeds_claim_due(now=now + timedelta(seconds=1))) == 2


def test_backoff_grows_is_capped_and_honours_retry_after():
    assert 1 <= backoff_delay(1, 1) <= 2
    assert all(backoff_delay(1, 20) <= 300 for _ in range(50))
    assert backoff_delay(1, 1, retry_after=30) >= 30
