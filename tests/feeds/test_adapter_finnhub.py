"""Finnhub: one quote per request, all-zero answers for unknown symbols, error bodies."""

from __future__ import annotations

import pytest

from feeds.adapters import get_adapter
from feeds.adapters.base import FeedError, FeedSpec

ADAPTER = get_adapter("finnhub")
KEY = "finnhub-secret-key-123"


def feed(*symbols: str, **options: object) -> FeedSpec:
    return FeedSpec(
        name="fh", url="https://finnhub.io/api/v1/quote", symbols=symbols, options=options, credentials=KEY
    )


def test_current_quote_shape(load):
    (rec,) = ADAPTER.parse(load("finnhub", "quote_aapl.json", tag="AAPL"), feed("AAPL"))
    assert rec == {
        "symbol": "AAPL",
        "kind": "quote",
        "ts": "2024-01-01T00:00:00.000Z",
        "source": "fh",
        "price": 182.63,
        "change": 1.85,
        "change_pct": 1.0239,
        "open": 181.05,
        "high": 183.12,
        "low": 180.97,
        "prev_close": 180.78,
    }


def test_older_documented_shape_without_d_dp(load):
    (rec,) = ADAPTER.parse(load("finnhub", "quote_docs_2020.json", tag="AAPL"), feed("AAPL"))
    assert rec["price"] == 261.74 and rec["prev_close"] == 259.45
    assert rec["ts"] == "2020-02-25T14:30:00.000Z"
    assert "change" not in rec and "change_pct" not in rec


def test_unknown_symbol_all_zero_is_an_error_naming_it(load):
    with pytest.raises(FeedError, match="finnhub has no quote for ZZZZ: unknown symbol or no data"):
        ADAPTER.parse(load("finnhub", "quote_unknown_symbol.json", tag="ZZZZ"), feed("AAPL", "ZZZZ"))


def test_zero_ohlc_fields_are_left_out(load):
    (rec,) = ADAPTER.parse(load("finnhub", "quote_zero_ohlc.json", tag="TSLA"), feed("TSLA"))
    assert rec["price"] == 517.96 and rec["ts"] == "2020-03-27T08:02:17.000Z"
    assert not {"open", "high", "low", "prev_close"} & set(rec)


def test_symbol_with_colon_needs_map(load):
    resp = load("finnhub", "quote_aapl.json", tag="BINANCE:BTCUSDT")
    with pytest.raises(FeedError, match="options.symbol_map"):
        ADAPTER.parse(resp, feed("BINANCE:BTCUSDT"))
    (rec,) = ADAPTER.parse(resp, feed("BINANCE:BTCUSDT", symbol_map={"binance:btcusdt": "BTCUSDT"}))
    assert rec["symbol"] == "BTCUSDT"


@pytest.mark.parametrize(
    ("name", "status", "message", "permanent"),
    [
        ("error_invalid_key.json", 401, "finnhub answered HTTP 401: Invalid API key.", True),
        (
            "error_no_access.json",
            403,
            "finnhub answered HTTP 403: You don't have access to this resource.",
            True,
        ),
        ("error_rate_limited.json", 429, "finnhub answered HTTP 429: API limit reached.", False),
    ],
)
def test_error_bodies(load, name, status, message, permanent):
    with pytest.raises(FeedError) as err:
        ADAPTER.parse(load("finnhub", name, status=status, tag="AAPL"), feed("AAPL"))
    assert err.value.message.startswith(message) and err.value.permanent is permanent


def test_error_body_with_200(load):
    with pytest.raises(FeedError, match="finnhub error for AAPL: Invalid API key."):
        ADAPTER.parse(load("finnhub", "error_invalid_key.json", tag="AAPL"), feed("AAPL"))


def test_requests_one_per_symbol_with_header_token():
    reqs = ADAPTER.requests(feed("AAPL", "MSFT"))
    assert [(r.tag, dict(r.params)) for r in reqs] == [
        ("AAPL", {"symbol": "AAPL"}),
        ("MSFT", {"symbol": "MSFT"}),
    ]
    assert all(dict(r.headers) == {"X-Finnhub-Token": KEY} for r in reqs)
    assert all(KEY not in r.url and KEY not in repr(r) for r in reqs)


def test_validate_needs_symbols_and_key():
    with pytest.raises(FeedError, match="at least one symbol"):
        ADAPTER.validate(feed())
    with pytest.raises(FeedError, match="needs an API key"):
        ADAPTER.validate(FeedSpec(name="fh", url="https://finnhub.io/api/v1/quote", symbols=("AAPL",)))
    ADAPTER.validate(feed("AAPL"))
