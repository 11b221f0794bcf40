"""The fetch path as a provider sees it, against a real local upstream.

Pooling, timeouts, the size limit, bounded retries, ``Retry-After``, conditional
requests, backoff of a failing feed and credentials that never leak.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone

from feeds import http
from feeds.adapters import ADAPTERS
from feeds.adapters.base import (
    MAX_RETRY_AFTER_S,
    FeedError,
    ProviderRequest,
    ProviderResponse,
    check_status,
    retry_after_seconds,
)
from feeds.models import Feed
from feeds.services import feed_poll, feed_poll_by_id, feeds_claim_due
from tests.feeds.conftest import make_feed
from tests.upstream import Scripted, Upstream

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_memory_store")]


def request(upstream: Upstream, **kw) -> ProviderRequest:
    return ProviderRequest(url=upstream.url(), **kw)


# --- the client ------------------------------------------------------------------------


def test_one_client_per_process_shared_by_threads(monkeypatch):
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(http.client())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in seen}) == 1 and seen[0] is http.client()
    parent = http.client()
    monkeypatch.setattr(http.os, "getpid", lambda: -1)  # as in a forked Celery child
    assert http.client() is not parent


def test_timeout_is_a_clear_error_within_the_timeout(upstream):
    upstream.delay = 2.0
    started = time.monotonic()
    with pytest.raises(FeedError, match=r"did not answer within 0.3 s"):
        http.fetch(request(upstream), timeout=0.3)
    assert time.monotonic() - started < 1.5


def test_declared_oversize_response_is_refused(upstream, settings):
    settings.TICKER_MAX_RESPONSE_BYTES = 1000
    upstream.set_raw(b"x" * 5000, content_type="application/json")
    with pytest.raises(FeedError, match=r"larger than 1000 bytes \(5000 declared\)"):
        http.fetch(request(upstream), timeout=2)


def test_compressed_body_is_limited_by_its_decoded_size(upstream, settings):
    settings.TICKER_MAX_RESPONSE_BYTES = 10_000
    bomb = gzip.compress(b"[" + b" " * 1_000_000 + b"]")
    assert len(bomb) < 10_000
    upstream.then(Scripted(200, bomb, {"Content-Encoding": "gzip"}))
    with pytest.raises(FeedError, match=r"larger than 10000 bytes$"):
        http.fetch(request(upstream), timeout=2)


# --- retries -----------------------------------------------------------------------------


def test_transient_statuses_are_retried_within_the_deadline(upstream):
    upstream.set_prices({"AAPL": 1})
    upstream.then(Scripted(503, b"busy"), Scripted(502, b"bad gateway"))
    response = http.fetch(request(upstream), timeout=2, deadline=time.monotonic() + 5)
    assert response.status == 200 and upstream.hits == 3


def test_dropped_connection_is_retried(upstream):
    upstream.set_prices({"AAPL": 1})
    upstream.then(Scripted(drop=True))
    assert http.fetch(request(upstream), timeout=2, deadline=time.monotonic() + 5).status == 200
    assert upstream.hits == 2


@pytest.mark.parametrize("status", [400, 401, 404, 429, 500])
def test_client_errors_and_plain_500_are_not_retried(upstream, status):
    upstream.set_json({"error": "no"}, status=status)
    assert http.fetch(request(upstream), timeout=2, deadline=time.monotonic() + 5).status == status
    assert upstream.hits == 1


def test_503_with_retry_after_is_not_retried(upstream):
    upstream.set_json({"error": "maintenance"}, status=503)
    upstream.set_headers(Retry_After="30")
    assert http.fetch(request(upstream), timeout=2, deadline=time.monotonic() + 5).status == 503
    assert upstream.hits == 1


def test_attempts_are_capped_and_the_last_response_returned(upstream):
    upstream.set_json({"error": "down"}, status=504)
    response = http.fetch(request(upstream), timeout=2, deadline=time.monotonic() + 30)
    assert response.status == 504 and upstream.hits == http.MAX_ATTEMPTS


def test_no_retry_starts_after_the_deadline(upstream):
    upstream.set_json({"error": "down"}, status=503)
    assert http.fetch(request(upstream), timeout=2).status == 503
    assert upstream.hits == 1  # no deadline: no retry
    started = time.monotonic()
    http.fetch(request(upstream), timeout=2, deadline=started + 0.15)
    assert time.monotonic() - started < 0.15 + 0.5


def test_unreachable_host_is_retried_then_named_without_its_query():
    port = Upstream()
    url = port.url()
    port.close()
    started = time.monotonic()
    with pytest.raises(FeedError, match=r"cannot reach 127.0.0.1: ConnectError") as info:
        http.fetch(ProviderRequest(url=url, params={"apikey": "SECRET-1"}), timeout=1, deadline=started + 1)
    assert "SECRET" not in str(info.value)
    assert time.monotonic() - started < 2.5


def test_redirect_to_another_host_is_refused_same_host_followed(upstream):
    upstream.set_prices({"AAPL": 1})
    upstream.then(Scripted(302, headers={"Location": "/elsewhere"}))
    assert http.fetch(request(upstream), timeout=2).status == 200
    assert [s.path.split("?")[0] for s in upstream.seen] == ["/api/v3/ticker/price", "/elsewhere"]
    upstream.then(Scripted(302, headers={"Location": "http://localhost:9/steal"}))
    with pytest.raises(FeedError, match=r"redirected to another host \(localhost\)"):
        http.fetch(request(upstream, headers={"X-Api-Key": "k"}), timeout=2)


def test_invalid_url_is_a_feed_error():
    with pytest.raises(FeedError, match="http:// or https://"):
        http.fetch(ProviderRequest(url="ftp://example.com/x"), timeout=1)


# --- Retry-After -------------------------------------------------------------------------


def test_retry_after_parses_seconds_and_http_dates():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(" 1.5 ") == 1.5
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90
    assert retry_after_seconds("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    assert retry_after_seconds("99999999999") == MAX_RETRY_AFTER_S


def test_an_adapters_status_check_reads_retry_after_with_the_same_parser():
    for value, seconds in [("99999999999", MAX_RETRY_AFTER_S), ("inf", None), ("30", 30.0)]:
        response = ProviderResponse(status=429, body=b"slow down", headers={"retry-after": value})
        with pytest.raises(FeedError) as caught:
            check_status(response, "binance")
        assert caught.value.retry_after == seconds, value


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_429_backs_the_feed_off_at_least_retry_after(upstream, form):
    wait = 120
    value = (
        str(wait)
        if form == "seconds"
        else format_datetime(datetime.now(UTC) + timedelta(seconds=wait), usegmt=True)
    )
    upstream.set_json({"code": -1003, "msg": "Too many requests"}, status=429)
    upstream.set_headers(Retry_After=value)
    feed = make_feed(upstream, interval=1)
    before = timezone.now()
    result = feed_poll(feed=feed)
    assert "429" in result.error and upstream.hits == 1
    feed.refresh_from_db()
    assert feed.next_poll_at >= before + timedelta(seconds=wait - 2)
    assert feeds_claim_due(now=timezone.now()) == []  # not polled again until then


def test_a_poll_claimed_before_a_429_does_not_undercut_retry_after(upstream):
    upstream.set_json({"code": -1003, "msg": "Too many requests"}, status=429)
    upstream.set_headers(Retry_After="30")
    feed = make_feed(upstream, interval=0.5)
    claimed = feeds_claim_due(now=timezone.now())
    assert len(claimed) == 2  # polls at +0 s and +0.5 s, both handed to the workers
    assert "429" in feed_poll_by_id(feed.pk).error
    second = feed_poll_by_id(feed.pk)
    assert second.skipped and upstream.hits == 1


def test_a_poll_within_a_claims_reach_still_runs(upstream):
    upstream.set_prices({"AAPL": 1})
    feed = make_feed(upstream, interval=1, consecutive_failures=1)
    feed.next_poll_at = timezone.now() + timedelta(seconds=1.9)  # where a claim may have put it
    feed.save()
    assert not feed_poll_by_id(feed.pk).skipped and upstream.hits == 1


# --- conditional requests ----------------------------------------------------------------


def test_etag_makes_an_unchanged_poll_a_healthy_304(upstream):
    upstream.set_prices({"AAPL": 10, "MSFT": 20})
    upstream.set_validators(etag='"v1"')
    feed = make_feed(upstream)
    assert len(feed_poll(feed=feed).updates) == 2
    assert "if-none-match" not in upstream.seen[-1].headers

    feed.refresh_from_db()
    second = feed_poll(feed=feed)
    assert upstream.seen[-1].headers["if-none-match"] == '"v1"'
    assert second.updates == [] and second.error == "" and second.not_modified == 1
    feed.refresh_from_db()
    assert feed.consecutive_failures == 0 and feed.last_success_at >= feed.last_poll_at

    upstream.set_prices({"AAPL": 11, "MSFT": 20})
    upstream.set_validators(etag='"v2"')
    assert [u["symbol"] for u in feed_poll(feed=feed).updates] == ["AAPL"]


def test_last_modified_is_sent_back_as_if_modified_since(upstream):
    stamp = "Wed, 21 Oct 2026 07:28:00 GMT"
    upstream.set_prices({"AAPL": 10})
    upstream.set_validators(last_modified=stamp)
    feed = make_feed(upstream)
    feed_poll(feed=feed)
    assert feed_poll(feed=feed).not_modified == 1
    assert upstream.seen[-1].headers["if-modified-since"] == stamp


def test_validators_of_a_failed_poll_are_not_kept(upstream):
    upstream.set_raw(b"<html>oops</html>", status=200)
    upstream.set_validators(etag='"bad"')
    feed = make_feed(upstream)
    assert "HTML" in feed_poll(feed=feed).error
    upstream.set_prices({"AAPL": 10})
    feed.refresh_from_db()
    assert len(feed_poll(feed=feed).updates) == 1  # a 304 here would have hidden AAPL
    assert "if-none-match" not in upstream.seen[-1].headers


def test_changing_a_feeds_settings_drops_its_validators(upstream):
    upstream.set_prices({"AAPL": 10, "MSFT": 20})
    upstream.set_validators(etag='"v1"')
    feed = make_feed(upstream, symbols="AAPL")
    assert [u["symbol"] for u in feed_poll(feed=feed).updates] == ["AAPL"]
    feed.symbols = "AAPL,MSFT"
    feed.save()
    assert [u["symbol"] for u in feed_poll(feed=feed).updates] == ["MSFT"]


# --- a failing feed backs off ------------------------------------------------------------


def test_failing_feed_backs_off_while_a_healthy_one_keeps_its_interval(upstream):
    """Dispatch for real (claims + polls) for 6 s: a 0.5 s feed answering 500 is polled far less."""
    failing = Upstream()
    try:
        upstream.set_prices({"AAPL": 1})
        failing.set_json({"error": "down"}, status=500)
        make_feed(upstream, name="healthy", interval=0.5)
        Feed.objects.create(name="failing", adapter="binance", url=failing.url(), symbols="X", interval=0.5)
        end = time.monotonic() + 6
        while time.monotonic() < end:
            for feed_id, _ in feeds_claim_due(now=timezone.now(), horizon=0.1):
                feed_poll_by_id(feed_id)
            time.sleep(0.05)
        assert upstream.hits >= 10, upstream.hits
        assert 2 <= failing.hits <= 7, failing.hits
        assert Feed.objects.get(name="failing").consecutive_failures == failing.hits
    finally:
        failing.close()


# --- credentials -------------------------------------------------------------------------

SECRET = "sk-live-7f3a9c1e5b"


@pytest.fixture
def keyed(monkeypatch):
    monkeypatch.setitem(ADAPTERS, "keyed", ("Keyed test adapter", "tests.feeds.keyed_adapter"))


def test_credentials_are_sent_in_query_and_header(upstream, keyed):
    upstream.set_json([{"symbol": "AAPL", "price": "1"}])
    feed = make_feed(upstream, adapter="keyed", credentials=SECRET)
    assert feed_poll(feed=feed).error == ""
    assert f"apikey={SECRET}" in upstream.seen[0].path
    assert upstream.seen[0].headers["x-api-key"] == SECRET


def test_no_error_path_leaks_the_credential(upstream, keyed, caplog, settings):
    caplog.set_level(logging.DEBUG)
    settings.TICKER_MAX_RESPONSE_BYTES = 2000
    paths = {
        "5xx after retries": lambda: upstream.set_json({"error": f"bad key {SECRET}"}, status=502),
        "429": lambda: upstream.set_json({"error": f"limit for {SECRET}"}, status=429),
        "401 echoing the key": lambda: upstream.set_json({"error": f"Invalid API key {SECRET}"}, status=401),
        "provider error echoing the key": lambda: upstream.set_json({"echo": f"key {SECRET} over quota"}),
        "html": lambda: upstream.set_raw(f"<html>{SECRET}</html>".encode(), status=200),
        "not json": lambda: upstream.set_raw(f"key={SECRET}".encode(), content_type="text/plain"),
        "adapter crash": lambda: upstream.set_json({"crash": True}),
        "oversize": lambda: upstream.set_raw(b"x" * 5000),
        "timeout": lambda: setattr(upstream, "delay", 1.0),
    }
    errors = {}
    for label, arrange in paths.items():
        arrange()
        feed = make_feed(
            upstream, name=label.replace(" ", "-"), adapter="keyed", credentials=SECRET, timeout=0.5
        )
        result = feed_poll(feed=feed)
        feed.refresh_from_db()
        assert result.error, label
        errors[label] = (result.error, feed.last_error)
    dead = Upstream()
    dead.close()
    feed = Feed.objects.create(
        name="unreachable", adapter="keyed", url=dead.url(), credentials=SECRET, timeout=0.5
    )
    errors["unreachable"] = (feed_poll(feed=feed).error, Feed.objects.get(pk=feed.pk).last_error)
    assert upstream.hits >= len(paths)
    for label, texts in errors.items():
        for text in texts:
            assert SECRET not in text, (label, text)
    assert "***" in errors["401 echoing the key"][0]
    assert "crashed" in caplog.text and "adapter bug while using key ***" in caplog.text
    assert caplog.records and SECRET not in caplog.text
    health = json.dumps(list(Feed.objects.values()), default=str).replace(f'"credentials": "{SECRET}"', "")
    assert SECRET not in health
