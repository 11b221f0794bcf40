"""Binance: ticker/price and ticker/24hr, single and bulk, error bodies, request building."""

from __future__ import annotations

import json

import pytest

from feeds.adapters import get_adapter
from feeds.adapters.base import FeedError, FeedSpec, ProviderResponse

ADAPTER = get_adapter("binance")
URL_24HR = "https://api.binance.com/api/v3/ticker/24hr"


def feed(*symbols: str, **options: object) -> FeedSpec:
    return FeedSpec(name="bn", url=URL_24HR, symbols=symbols, options=options)


def test_24hr_single_full(load):
    (rec,) = ADAPTER.parse(load("binance", "ticker_24hr_single.json"), feed())
    assert rec == {
        "symbol": "BNBBTC",
        "kind": "quote",
        "ts": "2017-07-12T14:31:39.040Z",
        "source": "bn",
        "price": 4.000002,
        "change": -94.999998,
        "change_pct": -95.96,
        "open": 99.0,
        "high": 100.0,
        "low": 0.1,
        "prev_close": 0.10002,
        "volume": 8913.3,
    }


def test_24hr_mini_bulk_has_no_change_fields(load):
    recs = ADAPTER.parse(load("binance", "ticker_24hr_mini_bulk.json"), feed())
    assert [r["symbol"] for r in recs] == ["BNBBTC", "LTCBTC"]
    assert recs[1]["price"] == 0.07 and recs[1]["ts"] == "2022-07-05T04:16:32.899Z"
    assert "change" not in recs[0] and "prev_close" not in recs[0]


def test_price_single_uses_poll_time(load):
    (rec,) = ADAPTER.parse(load("binance", "ticker_price_single.json"), feed())
    assert rec["symbol"] == "LTCBTC" and rec["price"] == 4.000002
    assert rec["ts"].endswith("Z") and rec["ts"] > "2024-01-01"


def test_price_bulk_filtered_to_feed_symbols(load):
    recs = ADAPTER.parse(load("binance", "ticker_price_bulk.json"), feed("ETHBTC"))
    assert [(r["symbol"], r["price"]) for r in recs] == [("ETHBTC", 0.079466)]


def test_bulk_without_any_feed_symbol_is_an_error(load):
    with pytest.raises(FeedError, match="none of the feed's symbols.*XRPBTC"):
        ADAPTER.parse(load("binance", "ticker_price_bulk.json"), feed("XRPBTC"))


def test_symbol_map_renames(load):
    recs = ADAPTER.parse(load("binance", "ticker_price_bulk.json"), feed(symbol_map={"ethbtc": "ETH-BTC"}))
    assert [r["symbol"] for r in recs] == ["LTCBTC", "ETH-BTC"]


def test_invalid_symbol_body_is_permanent(load):
    with pytest.raises(FeedError) as err:
        ADAPTER.parse(load("binance", "error_invalid_symbol.json", status=400), feed("NOPE"))
    assert err.value.message == "binance answered HTTP 400: Invalid symbol. (code -1121)"
    assert err.value.permanent


def test_invalid_symbol_body_with_200_is_still_an_error(load):
    with pytest.raises(FeedError, match=r"binance error -1121: Invalid symbol\."):
        ADAPTER.parse(load("binance", "error_invalid_symbol.json"), feed())


def test_rate_limit_carries_retry_after(load):
    resp = load("binance", "error_rate_limited.json", status=429, headers={"Retry-After": "37"})
    with pytest.raises(FeedError, match="HTTP 429: Too much request weight used") as err:
        ADAPTER.parse(resp, feed())
    assert err.value.retry_after == 37.0 and not err.value.permanent


def test_zero_price_for_asked_symbol_is_an_error():
    body = json.dumps([{"symbol": "OLDBTC", "price": "0.00000000"}]).encode()
    with pytest.raises(FeedError, match="OLDBTC has price '0.00000000'"):
        ADAPTER.parse(ProviderResponse(200, body), feed("OLDBTC"))


def test_zero_price_in_unfiltered_bulk_is_skipped():
    body = json.dumps([{"symbol": "OLDBTC", "price": "0"}, {"symbol": "ETHBTC", "price": "0.5"}]).encode()
    assert [r["symbol"] for r in ADAPTER.parse(ProviderResponse(200, body), feed())] == ["ETHBTC"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([{"symbol": "ETHBTC"}], "item for 'ETHBTC' has no price"),
        ([{"symbol": "ETHBTC", "price": "abc"}], "ETHBTC price: 'abc' is not a number"),
        ([{"symbol": "ETHBTC", "price": "NaN"}], "is not a finite number"),
        ([{"price": "1"}], "expected objects with a symbol"),
        ([["ETHBTC", "1"]], "expected objects with a symbol"),
        ("ok", "expected objects with a symbol"),
    ],
)
def test_malformed_items(body, message):
    with pytest.raises(FeedError, match=message):
        ADAPTER.parse(ProviderResponse(200, json.dumps(body).encode()), feed())


class TestRequests:
    def test_no_symbols_fetches_all(self):
        (req,) = ADAPTER.requests(feed())
        assert req.url == URL_24HR and dict(req.params) == {}

    def test_one_symbol_uses_symbol_param(self):
        (req,) = ADAPTER.requests(feed("btcusdt"))
        assert dict(req.params) == {"symbol": "BTCUSDT"} and req.tag == "BTCUSDT"

    def test_few_symbols_use_json_array_param(self):
        (req,) = ADAPTER.requests(feed("BTCUSDT", "BNBUSDT"))
        assert dict(req.params) == {"symbols": '["BTCUSDT","BNBUSDT"]'}

    def test_many_symbols_fetch_all_and_filter(self):
        (req,) = ADAPTER.requests(feed(*[f"S{i}USDT" for i in range(101)]))
        assert dict(req.params) == {}

    def test_url_with_its_own_symbol_is_left_alone(self):
        spec = FeedSpec(name="bn", url=URL_24HR + "?symbol=ETHBTC", symbols=("BTCUSDT",))
        (req,) = ADAPTER.requests(spec)
        assert req.url.endswith("?symbol=ETHBTC") and dict(req.params) == {}


def test_validate_rejects_unknown_option_and_bad_url():
    with pytest.raises(FeedError, match="unknown option\\(s\\) vs_currency"):
        ADAPTER.validate(feed(vs_currency="usd"))
    with pytest.raises(FeedError, match="not an http\\(s\\) URL"):
        ADAPTER.validate(FeedSpec(name="bn", url="ftp://x"))


def test_names_option_gives_quote_names(load):
    spec = feed("LTCBTC", "ETHBTC", names={"ETHBTC": "Ether / Bitcoin"})
    recs = ADAPTER.parse(load("binance", "ticker_price_bulk.json"), spec)
    assert [(r["symbol"], r.get("name")) for r in recs] == [("LTCBTC", None), ("ETHBTC", "Ether / Bitcoin")]
    ADAPTER.validate(spec)
    with pytest.raises(FeedError, match="option names must be an object of symbol -> display name"):
        ADAPTER.validate(feed(names={"ETHBTC": 5}))
