"""Every registered adapter through the operator's tools: checkfeed, a real poll, the admin's test.

Each adapter serves its own stored provider response from a real local upstream;
every feed has a key set: it must arrive where the provider expects one, go nowhere
else, and never show in an error (the upstream echoes it back). A
second poll with the provider's validators is a healthy 304.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse

from feeds.adapters import ADAPTERS
from feeds.models import Feed
from feeds.services import feed_poll
from tests.feeds.conftest import FIXTURES

pytestmark = pytest.mark.usefixtures("fresh_memory_store")

SECRET = "sk-every-3e8b1d20"
YAHOO = {"items": "data", "symbol": "symbol", "price": "regularMarketPrice", "ts": "regularMarketTime"}


@dataclass(frozen=True)
class Case:
    fixture: str
    path: str
    symbols: str = ""
    options: dict = field(default_factory=dict)
    key_in: tuple[str, str] | None = None  # ("header", name) or ("query", name)
    first_symbol: str = ""


CASES = {
    "binance": Case(
        "binance/ticker_24hr_single.json", "/api/v3/ticker/24hr", "BNBBTC", first_symbol="BNBBTC"
    ),
    "finnhub": Case(
        "finnhub/quote_aapl.json", "/api/v1/quote", "AAPL", {}, ("header", "x-finnhub-token"), "AAPL"
    ),
    "coingecko": Case(
        "coingecko/simple_price_bitcoin.json",
        "/api/v3/simple/price",
        "bitcoin",
        {},
        ("header", "x-cg-demo-api-key"),
        "BITCOIN",
    ),
    "coinbase": Case("coinbase/ticker_btc_usdt.json", "", "BTC-USDT", first_symbol="BTC-USDT"),
    "alphavantage": Case(
        "alphavantage/global_quote_ibm.json", "/query", "IBM", {}, ("query", "apikey"), "IBM"
    ),
    "stooq": Case("stooq/quote_aapl_msft.csv", "/q/l/", "AAPL.US", first_symbol="AAPL.US"),
    "espn": Case("espn/nba_scoreboard_final.json", "/apis/site/v2/sports/basketball/nba/scoreboard"),
    "json": Case("json/yahoo_finance2_quote.json", "/quotes", options=YAHOO, first_symbol="AAPL"),
}


def serve(upstream, case: Case) -> None:
    body = (FIXTURES / case.fixture).read_bytes()
    ctype = "text/csv" if case.fixture.endswith(".csv") else "application/json"
    upstream.set_raw(body, content_type=ctype)


def make_feed(upstream, name: str, case: Case) -> Feed:
    feed = Feed(
        name=name,
        adapter=name,
        url=upstream.url(case.path),
        symbols=case.symbols,
        options=case.options,
        credentials=SECRET,
    )
    feed.full_clean()  # the adapter's validate accepts the case
    feed.save()
    return feed


def test_every_registered_adapter_has_a_case():
    assert set(CASES) == set(ADAPTERS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_checkfeed_parses_each_adapters_saved_response(name):
    case = CASES[name]
    out = io.StringIO()
    call_command(
        "checkfeed",
        "--adapter",
        name,
        "--payload",
        str(FIXTURES / case.fixture),
        "--symbols",
        case.symbols,
        "--options",
        json.dumps(case.options),
        stdout=out,
    )
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert records and all({"symbol", "kind", "ts", "source"} <= set(r) for r in records)
    if case.first_symbol:
        assert records[0]["symbol"] == case.first_symbol
    else:
        assert records[0]["kind"] == "score" and records[0]["symbol"].startswith("NBA-")


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_adapter_polls_conditionally_and_never_leaks_its_key(upstream, name):
    case = CASES[name]
    serve(upstream, case)
    upstream.set_validators(etag=f'"{name}-1"')
    feed = make_feed(upstream, name, case)

    first = feed_poll(feed=feed)
    assert first.error == "" and first.updates, first.error
    asked = upstream.seen[-1]
    if case.key_in:
        where, key = case.key_in
        if where == "header":
            assert asked.headers[key] == SECRET and SECRET not in asked.path
        else:
            assert parse_qs(urlsplit(asked.path).query)[key] == [SECRET]
    else:  # a provider that takes no key is never sent the feed's
        assert SECRET not in asked.path and SECRET not in json.dumps(asked.headers)

    feed.refresh_from_db()
    second = feed_poll(feed=feed)
    assert second.error == "" and second.updates == [] and second.not_modified >= 1
    assert upstream.seen[-1].headers["if-none-match"] == f'"{name}-1"'

    upstream.set_validators()
    upstream.set_json({"error": f"Invalid API key {SECRET}", "message": f"key {SECRET}"}, status=401)
    third = feed_poll(feed=feed)
    feed.refresh_from_db()
    assert third.error and SECRET not in third.error and SECRET not in feed.last_error


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CASES))
def test_admin_test_feed_shows_each_adapters_records(admin_client, upstream, name):
    case = CASES[name]
    serve(upstream, case)
    feed = make_feed(upstream, name, case)
    page = admin_client.get(reverse("admin:feeds_feed_test", args=[feed.pk])).content.decode()
    assert '<table class="feed-test-records">' in page
    assert f"<td>{case.first_symbol or 'NBA-'}" in page
    assert SECRET not in page
