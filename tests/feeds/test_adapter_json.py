"""Generic JSON adapter: operator field maps, validate messages, dotted paths."""

from __future__ import annotations

import json

import pytest

from feeds.adapters import get_adapter
from feeds.adapters.base import FeedError, FeedSpec, ProviderResponse
from feeds.adapters.jsonpath import PathError, parse_path, resolve_path

ADAPTER = get_adapter("json")

YAHOO = {
    "items": "data",
    "symbol": "symbol",
    "price": "regularMarketPrice",
    "change": "regularMarketChange",
    "change_pct": "regularMarketChangePercent",
    "open": "regularMarketOpen",
    "high": "regularMarketDayRange.high",
    "low": "regularMarketDayRange.low",
    "prev_close": "regularMarketPreviousClose",
    "volume": "regularMarketVolume",
    "ts": "regularMarketTime",
    "name": "shortName",
    "currency": "currency",
}


def feed(options: dict, *symbols: str) -> FeedSpec:
    return FeedSpec(name="gj", url="https://api.test/quotes", symbols=symbols, options=options)


def test_yahoo_finance2_list(load):
    (rec,) = ADAPTER.parse(load("json", "yahoo_finance2_quote.json"), feed(YAHOO))
    assert rec == {
        "symbol": "AAPL",
        "kind": "quote",
        "ts": "2025-08-27T20:00:01.000Z",
        "source": "gj",
        "price": 230.49,
        "change": 1.18001,
        "change_pct": 0.514591,
        "open": 228.58,
        "high": 230.9,
        "low": 228.295,
        "prev_close": 229.31,
        "volume": 30134069,
        "name": "Apple Inc.",
        "currency": "USD",
    }


def test_nested_single_object_with_symbol_map(load):
    options = {
        "items": "data.price",
        "symbol": "symbol",
        "price": "regularMarketPrice",
        "change": "regularMarketChange",
        "ts": "regularMarketTime",
        "currency": "currency",
        "symbol_map": {"^FTSE": "FTSE"},
    }
    (rec,) = ADAPTER.parse(load("json", "chainlink_yahoo_price.json"), feed(options))
    assert (rec["symbol"], rec["price"], rec["change"]) == ("FTSE", 5753.78, -9.280273)
    assert rec["ts"] == "2020-05-04T15:35:30.000Z" and rec["currency"] == "GBP"


def test_root_list_of_binance_rows_filtered_by_symbols(load):
    options = {"symbol": "symbol", "price": "price"}
    recs = ADAPTER.parse(load("binance", "ticker_price_bulk.json"), feed(options, "ETHBTC"))
    assert [(r["symbol"], r["price"]) for r in recs] == [("ETHBTC", 0.079466)]


def test_optional_path_missing_leaves_field_out(load):
    options = dict(YAHOO, change="notThere")
    (rec,) = ADAPTER.parse(load("json", "yahoo_finance2_quote.json"), feed(options))
    assert "change" not in rec and rec["price"] == 230.49


def test_required_path_missing_names_item_and_key(load):
    options = dict(YAHOO, price="regularMarketPrize")
    with pytest.raises(
        FeedError, match="json: item 0 has no price: \\(top level\\): no key 'regularMarketPrize'"
    ):
        ADAPTER.parse(load("json", "yahoo_finance2_quote.json"), feed(options))


def test_items_path_not_fitting(load):
    with pytest.raises(
        FeedError, match="items path does not fit the response: \\(top level\\): cannot take 'data' of a list"
    ):
        ADAPTER.parse(load("binance", "ticker_price_bulk.json"), feed(YAHOO))
    options = dict(YAHOO, items="data.0.symbol")
    with pytest.raises(FeedError, match="items path leads to a string, not a list or object"):
        ADAPTER.parse(load("json", "yahoo_finance2_quote.json"), feed(options))


def test_non_numeric_price():
    body = json.dumps([{"t": "X", "p": "n/a"}]).encode()
    with pytest.raises(FeedError, match="price: 'n/a' is not a number"):
        ADAPTER.parse(ProviderResponse(200, body), feed({"symbol": "t", "price": "p"}))


def test_numeric_symbol_is_accepted():
    body = json.dumps([{"code": 7203, "px": 2500}]).encode()
    (rec,) = ADAPTER.parse(ProviderResponse(200, body), feed({"symbol": "code", "price": "px"}))
    assert rec["symbol"] == "7203"


class TestValidate:
    def test_good_mapping(self):
        ADAPTER.validate(feed(YAHOO))

    def test_missing_required(self):
        with pytest.raises(FeedError, match="options need symbol and price"):
            ADAPTER.validate(feed({"items": "data"}))
        with pytest.raises(FeedError, match="options need price"):
            ADAPTER.validate(feed({"symbol": "s"}))

    def test_unknown_field_names(self):
        with pytest.raises(
            FeedError, match="unknown field\\(s\\) 'bid', 'last' in options; known: items, symbol"
        ):
            ADAPTER.validate(feed({"symbol": "s", "price": "p", "last": "l", "bid": "b"}))

    @pytest.mark.parametrize(
        ("path", "why"),
        [
            ("a..b", "an empty step"),
            ("a.", "an empty step"),
            ("a[x]", "'a\\[x\\]' is not a key optionally followed by \\[N\\]"),
            ("a[1", "'a\\[1' is not a key"),
            ("a]b", "'a\\]b' is not a key"),
        ],
    )
    def test_bad_path_syntax(self, path, why):
        with pytest.raises(FeedError, match=f"options.price: path '.*': {why}"):
            ADAPTER.validate(feed({"symbol": "s", "price": path}))

    def test_non_string_path(self):
        with pytest.raises(FeedError, match="options.price: path must be a non-empty string, got 5"):
            ADAPTER.validate(feed({"symbol": "s", "price": 5}))

    def test_bad_symbol_map_target(self):
        with pytest.raises(FeedError, match="symbol_map\\['\\^FTSE'\\]: symbol 'FT SE'"):
            ADAPTER.validate(feed({"symbol": "s", "price": "p", "symbol_map": {"^FTSE": "FT SE"}}))


class TestPaths:
    DOC = {"data": {"quotes": [{"last": 1.5}, {"last": 2.5, "x": [[0, 7]]}]}, "0": "zero-key"}

    def test_parse(self):
        assert parse_path("data.quotes[1].x[0][-1]") == ("data", "quotes", 1, "x", 0, -1)
        assert parse_path("[0].price") == (0, "price")

    def test_resolve_indices_and_digit_keys(self):
        assert resolve_path(self.DOC, "data.quotes[1].last") == 2.5
        assert resolve_path(self.DOC, "data.quotes.0.last") == 1.5
        assert resolve_path(self.DOC, "data.quotes[-1].x[0][1]") == 7
        assert resolve_path(self.DOC, "0") == "zero-key"
        assert resolve_path([{"a": 1}], "[0].a") == 1

    @pytest.mark.parametrize(
        ("path", "message"),
        [
            ("data.quote", "data: no key 'quote' \\(keys: quotes\\)"),
            ("data.quotes[5]", "data.quotes: index 5 is outside a list of 2"),
            ("data.quotes[0].last.x", "data.quotes\\[0\\].last: cannot take 'x' of a float"),
            ("data.quotes.first", "data.quotes: cannot take 'first' of a list"),
        ],
    )
    def test_resolve_errors_name_the_step(self, path, message):
        with pytest.raises(PathError, match=message):
            resolve_path(self.DOC, path)


def test_names_option_when_item_has_no_name(load):
    options = {"symbol": "symbol", "price": "price", "names": {"ltcbtc": "Litecoin"}}
    (rec,) = ADAPTER.parse(load("binance", "ticker_price_single.json"), feed(options))
    assert rec["name"] == "Litecoin"
    with pytest.raises(FeedError, match="option names must be an object"):
        ADAPTER.validate(feed({"symbol": "s", "price": "p", "names": ["x"]}))
