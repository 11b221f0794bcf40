"""Alpha Vantage GLOBAL_QUOTE: string fields, HTTP-200 error bodies, rate limits, key echo."""

from __future__ import annotations

import pytest

from feeds.adapters import get_adapter
from feeds.adapters.base import FeedError, FeedSpec

ADAPTER = get_adapter("alphavantage")
KEY = "AVKEYFIXTURE42"


def feed(*symbols: str, **options: object) -> FeedSpec:
    return FeedSpec(
        name="av", url="https://www.alphavantage.co/query", symbols=symbols, options=options, credentials=KEY
    )


def test_global_quote(load):
    (rec,) = ADAPTER.parse(load("alphavantage", "global_quote_ibm.json", tag="IBM"), feed("IBM"))
    ts = rec.pop("ts")
    assert rec == {
        "symbol": "IBM",
        "kind": "quote",
        "source": "av",
        "price": 142.97,
        "change": 1.9,
        "change_pct": 1.3468,
        "open": 142.3,
        "high": 143.38,
        "low": 141.9,
        "prev_close": 141.07,
        "volume": 6331563,
    }
    assert ts > "2024-01-01T00:00:00.000Z", "the trading day is a date only, so ts is the poll time"


def test_empty_global_quote_names_the_symbol(load):
    with pytest.raises(FeedError, match="alphavantage has no quote for NOPE: unknown symbol") as err:
        ADAPTER.parse(load("alphavantage", "global_quote_empty.json", tag="NOPE"), feed("NOPE"))
    assert err.value.retry_after is None


def test_per_minute_note_is_rate_limit(load):
    with pytest.raises(FeedError, match="alphavantage rate limit: .*5 calls per minute") as err:
        ADAPTER.parse(load("alphavantage", "note_rate_limit_minute.json", tag="IBM"), feed("IBM"))
    assert err.value.retry_after == 60.0 and not err.value.permanent


def test_daily_information_is_rate_limit(load):
    with pytest.raises(FeedError, match="25 requests per day") as err:
        ADAPTER.parse(load("alphavantage", "information_rate_limit_daily.json", tag="IBM"), feed("IBM"))
    assert err.value.retry_after == 3600.0


def test_key_echoed_by_provider_is_blanked(load):
    with pytest.raises(FeedError) as err:
        ADAPTER.parse(load("alphavantage", "information_rate_limit_key_echo.json", tag="IBM"), feed("IBM"))
    assert KEY not in err.value.message and KEY not in str(err.value)
    assert "detected your API key as *** and" in err.value.message
    assert err.value.retry_after == 3600.0


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("information_demo_key.json", "alphavantage refused IBM: The \\*\\*demo\\*\\* API key"),
        ("error_invalid_call.json", "alphavantage error for IBM: Invalid API call"),
        ("error_bad_key.json", "alphavantage error for IBM: the parameter apikey is invalid or missing"),
    ],
)
def test_permanent_refusals(load, name, message):
    with pytest.raises(FeedError, match=message) as err:
        ADAPTER.parse(load("alphavantage", name, tag="IBM"), feed("IBM"))
    assert err.value.permanent and err.value.retry_after is None


def test_unexpected_shape(load):
    with pytest.raises(FeedError, match="no 'Global Quote' in the answer for IBM"):
        ADAPTER.parse(load("coingecko", "simple_price_bitcoin.json", tag="IBM"), feed("IBM"))


def test_requests_carry_apikey_param():
    reqs = ADAPTER.requests(feed("IBM", "TSCO.LON", entitlement="delayed"))
    assert [dict(r.params) for r in reqs] == [
        {"function": "GLOBAL_QUOTE", "apikey": KEY, "entitlement": "delayed", "symbol": "IBM"},
        {"function": "GLOBAL_QUOTE", "apikey": KEY, "entitlement": "delayed", "symbol": "TSCO.LON"},
    ]
    assert [r.tag for r in reqs] == ["IBM", "TSCO.LON"]
    assert all(KEY not in repr(r) for r in reqs), "ProviderRequest repr must not show the key"


def test_validate():
    ADAPTER.validate(feed("IBM"))
    with pytest.raises(FeedError, match="entitlement must be one of realtime, delayed"):
        ADAPTER.validate(feed("IBM", entitlement="live"))
