"""The feed admin as an operator uses it: a superuser's browser session against real upstreams."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.urls import reverse
from django.utils import timezone

from feeds.models import Feed
from feeds.publish import group_for
from feeds.store import get_store
from tests.feeds.conftest import make_feed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_memory_store")]

CHANGELIST = "admin:feeds_feed_changelist"
SECRET = "sk-admin-5d1e9a77"


def act(client, action: str, *feeds: Feed):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [f.pk for f in feeds]},
        follow=True,
    )


def test_list_shows_each_feeds_health_at_a_glance(admin_client, upstream):
    now = timezone.now()
    make_feed(
        upstream, "fine", last_success_at=now, last_poll_at=now, last_latency_ms=42, updates_published=7
    )
    make_feed(upstream, "shaky", consecutive_failures=1, last_error="cannot reach x", last_error_at=now)
    make_feed(
        upstream,
        "broken",
        consecutive_failures=5,
        last_error="provider answered HTTP 500",
        next_poll_at=now + timedelta(minutes=3),
    )
    make_feed(upstream, "off", enabled=False)
    page = admin_client.get(reverse(CHANGELIST)).content.decode()
    for state in ("ok", "degraded", "failing", "disabled"):
        assert f"feed-state-{state}" in page
    assert "42 ms" in page and "provider answered HTTP 500" in page and "in 2 min" in page
    assert "#cf222e" in page  # failing is red


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("state=failing", {"broken"}),
        ("state=degraded", {"shaky"}),
        ("state=disabled", {"off"}),
        ("state=ok", {"fine"}),
        ("enabled__exact=0", {"off"}),
        ("adapter__exact=binance", {"fine", "shaky", "broken", "off"}),
        ("q=shak", {"shaky"}),
    ],
)
def test_filters_and_search(admin_client, upstream, query, shown):
    make_feed(upstream, "fine", last_success_at=timezone.now())
    make_feed(upstream, "shaky", consecutive_failures=1)
    make_feed(upstream, "broken", consecutive_failures=3)
    make_feed(upstream, "off", enabled=False)
    response = admin_client.get(reverse(CHANGELIST) + "?" + query)
    listed = {feed.name for feed in response.context["cl"].result_list}
    assert listed == shown


def test_enable_and_disable_actions(admin_client, upstream):
    feed = make_feed(upstream, next_poll_at=timezone.now() + timedelta(hours=1))
    assert "Disabled 1 feed" in act(admin_client, "disable_feeds", feed).content.decode()
    feed.refresh_from_db()
    assert not feed.enabled
    assert "Enabled 1 feed" in act(admin_client, "enable_feeds", feed).content.decode()
    feed.refresh_from_db()
    assert feed.enabled and feed.next_poll_at is None  # due at once


def test_poll_now_polls_commits_and_publishes(admin_client, upstream):
    upstream.set_prices({"AAPL": 187.5, "MSFT": 20})
    feed = make_feed(upstream)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_for("AAPL"), channel)

    page = act(admin_client, "poll_now", feed).content.decode()
    assert "Polled up: 2 update(s) published" in page
    message = async_to_sync(layer.receive)(channel)
    assert message["type"] == "ticker.update" and message["update"]["price"] == 187.5
    feed.refresh_from_db()
    assert feed.updates_published == 2 and feed.last_success_at is not None
    assert set(async_to_sync(get_store().snapshots)(["AAPL", "MSFT"])) == {"AAPL", "MSFT"}
    async_to_sync(layer.group_discard)(group_for("AAPL"), channel)


def test_poll_now_reports_the_error_and_skips_disabled_feeds(admin_client, upstream):
    upstream.set_raw(b"<html>maintenance</html>")
    failing = make_feed(upstream)
    off = make_feed(upstream, "off", enabled=False)
    page = act(admin_client, "poll_now", failing, off).content.decode()
    assert "Poll of up failed: binance: response is an HTML page" in page
    assert "Not polled off: it is disabled" in page
    failing.refresh_from_db()
    assert failing.consecutive_failures == 1
    assert upstream.hits == 1


def test_test_feed_shows_records_without_committing_or_publishing(admin_client, upstream):
    upstream.set_json(
        [
            {"symbol": "AAPL", "lastPrice": "187.50", "priceChange": "1.25", "closeTime": 1767268800000},
            {"symbol": "MSFT", "lastPrice": "410.00", "priceChange": "-2", "closeTime": 1767268800000},
        ]
    )
    feed = make_feed(upstream)
    page = admin_client.get(reverse("admin:feeds_feed_test", args=[feed.pk])).content.decode()
    assert '<table class="feed-test-records">' in page
    header = page.split("<thead>")[1].split("</thead>")[0]
    assert re.findall(r">(\w+)</th>", header)[:5] == ["symbol", "kind", "ts", "source", "price"]
    assert "<td>AAPL</td>" in page and "<td>187.5</td>" in page and "<td>-2</td>" in page
    assert "2026-01-01T12:00:00.000Z" in page
    assert async_to_sync(get_store().snapshots)(["AAPL"]) == {}
    feed.refresh_from_db()
    assert feed.last_poll_at is None and feed.updates_published == 0


def test_test_feed_shows_the_error(admin_client, upstream):
    upstream.set_json({"code": -1121, "msg": "Invalid symbol."}, status=400)
    feed = make_feed(upstream)
    page = admin_client.get(reverse("admin:feeds_feed_test", args=[feed.pk])).content.decode()
    assert 'class="errornote feed-test-error"' in page and "Invalid symbol." in page
    assert "feed-test-records" not in page


def test_test_action_shows_one_section_per_feed(admin_client, upstream):
    upstream.set_prices({"AAPL": 1, "MSFT": 2})
    a, b = make_feed(upstream, "a", symbols="AAPL"), make_feed(upstream, "b", symbols="MSFT")
    page = act(admin_client, "test_feeds", a, b).content.decode()
    assert page.count('class="module feed-test"') == 2 and "<td>AAPL</td>" in page and "<td>MSFT</td>" in page


def test_change_form_links_to_the_test(admin_client, upstream):
    feed = make_feed(upstream)
    page = admin_client.get(reverse("admin:feeds_feed_change", args=[feed.pk])).content.decode()
    assert reverse("admin:feeds_feed_test", args=[feed.pk]) in page


def test_credentials_are_never_rendered(admin_client, upstream):
    upstream.set_json({"code": -2015, "msg": f"Invalid API-key {SECRET}"}, status=401)
    feed = make_feed(upstream, credentials=SECRET)
    act(admin_client, "poll_now", feed)
    feed.refresh_from_db()
    assert feed.last_error  # the echoing error was recorded, blanked
    pages = [
        admin_client.get(reverse(CHANGELIST)),
        admin_client.get(reverse("admin:feeds_feed_change", args=[feed.pk])),
        admin_client.get(reverse("admin:feeds_feed_test", args=[feed.pk])),
        admin_client.get(reverse("admin:feeds_feed_history", args=[feed.pk])),
        act(admin_client, "poll_now", feed),
        act(admin_client, "test_feeds", feed),
    ]
    for response in pages:
        assert response.status_code == 200
        assert SECRET not in response.content.decode()


def test_saving_with_a_blank_key_keeps_the_stored_one(admin_client, upstream):
    feed = make_feed(upstream, credentials=SECRET)
    form = {
        "name": "up",
        "adapter": "binance",
        "url": upstream.url(),
        "symbols": "AAPL",
        "options": "{}",
        "credentials": "",
        "enabled": "on",
        "interval": "2",
        "timeout": "5",
    }
    response = admin_client.post(reverse("admin:feeds_feed_change", args=[feed.pk]), form)
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.credentials == SECRET and feed.symbols == "AAPL"


def test_a_json_mapping_that_cannot_work_is_refused_with_the_reason(admin_client, upstream):
    form = {
        "name": "mapped",
        "adapter": "json",
        "url": upstream.url("/quotes"),
        "symbols": "",
        "options": json.dumps({"items": "data", "price": "last"}),
        "credentials": "",
        "enabled": "on",
        "interval": "2",
        "timeout": "5",
    }
    response = admin_client.post(reverse("admin:feeds_feed_add"), form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "options need symbol" in page
    assert not Feed.objects.filter(name="mapped").exists()
    form["options"] = json.dumps({"items": "data", "symbol": "ticker", "price": "last"})
    assert admin_client.post(reverse("admin:feeds_feed_add"), form).status_code == 302
    assert Feed.objects.filter(name="mapped").exists()
