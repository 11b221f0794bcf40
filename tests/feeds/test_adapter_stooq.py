"""Stooq CSV: Warsaw times, N/D rows for unknown symbols, non-CSV answers."""

from __future__ import annotations

import logging

import pytest

from feeds.adapters import get_adapter
from feeds.adapters.base import FeedError, FeedSpec, ProviderRequest, ProviderResponse

ADAPTER = get_adapter("stooq")


def feed(*symbols: str, **options: object) -> FeedSpec:
    return FeedSpec(name="sq", url="https://stooq.com/q/l/", symbols=symbols, options=options)


def test_valid_row_published_nd_row_skipped_and_logged(load, caplog):
    with caplog.at_level(logging.WARNING, logger="feeds.adapters.stooq"):
        recs = ADAPTER.parse(load("stooq", "quote_aapl_msft.csv", tag="aapl.us,aaaapl.us"), feed())
    assert recs == [
        {
            "symbol": "AAPL.US",
            "kind": "quote",
            "ts": "2023-09-06T20:00:11.000Z",
            "source": "sq",
            "price": 182.91,
            "open": 188.4,
            "high": 188.85,
            "low": 181.47,
            "volume": 67242023,
        }
    ]
    assert "AAAAPL.US" in caplog.text


def test_winter_time_offset(load):
    (rec,) = ADAPTER.parse(load("stooq", "quote_aapl_2020.csv", tag="aapl.us"), feed())
    assert rec["ts"] == "2020-09-11T20:00:04.000Z" and rec["price"] == 112 and rec["low"] == 110
    body = b"Symbol,Date,Time,Open,High,Low,Close,Volume\nAAPL.US,2024-01-15,22:00:00,1,2,0.5,1.5,10\n"
    (jan,) = ADAPTER.parse(ProviderResponse(200, body), feed("AAPL.US"))
    assert jan["ts"] == "2024-01-15T21:00:00.000Z", "CET is UTC+1 in January"


def test_only_nd_rows_is_an_error_naming_symbols(load):
    with pytest.raises(FeedError, match=r"stooq has no data \(N/D\) for AAAAPL.US"):
        ADAPTER.parse(load("stooq", "quote_all_nd.csv", tag="aaaapl.us"), feed("AAAAPL.US"))


def test_nd_in_symbol_column_never_becomes_a_price(load):
    with pytest.raises(FeedError, match="no data \\(N/D\\) for NOTFOUND.US"):
        ADAPTER.parse(load("stooq", "quote_nd_symbol_column.csv", tag="notfound.us"), feed("NOTFOUND.US"))


def test_daily_limit_text(load):
    with pytest.raises(FeedError, match="stooq daily limit reached") as err:
        ADAPTER.parse(load("stooq", "daily_limit.txt", tag="aapl.us"), feed("AAPL.US"))
    assert err.value.retry_after == 3600.0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"No data", "not a quote CSV with a header line: 'No data'"),
        (
            b"Symbol,Date,Time,Open,High,Low,Close,Volume\nAAPL.US,2023-09-06,22:00:11,1,2",
            "line 2 has 5 fields",
        ),
        (
            b"Symbol,Date,Time,Open,High,Low,Close,Volume\nAAPL.US,2023-09-06,22:00:11,1,2,1,abc,5",
            "not a number",
        ),
        (
            b"Symbol,Date,Time,Open,High,Low,Close,Volume\nAAPL.US,2023-09-06,22:00:11,1,2,1,NaN,5",
            "not a finite",
        ),
        (
            b"Symbol,Date,Time,Open,High,Low,Close,Volume\nAAPL.US,06/09/2023,22:00,1,2,1,3,5",
            "unreadable date",
        ),
        (b"Symbol,Date,Time,Open,High,Low,Close,Volume\n^SPX,2023-09-06,22:00:11,1,2,1,3,5", "symbol_map"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_malformed(body, message):
    with pytest.raises(FeedError, match=message):
        ADAPTER.parse(ProviderResponse(200, body), feed("AAPL.US"))


def test_caret_symbol_with_map(load):
    body = b"Symbol,Date,Time,Open,High,Low,Close,Volume\n^SPX,2023-09-06,22:00:11,1,2,1,4450.5,0\n"
    resp = ProviderResponse(200, body, request=ProviderRequest(url="u", tag="^spx"))
    (rec,) = ADAPTER.parse(resp, feed("^SPX", symbol_map={"^spx": "SPX"}))
    assert rec["symbol"] == "SPX" and rec["price"] == 4450.5


def test_requests_one_call_for_many_symbols():
    (req,) = ADAPTER.requests(feed("AAPL.US", "MSFT.US"))
    assert dict(req.params) == {"s": "aapl.us,msft.us", "f": "sd2t2ohlcv", "h": "", "e": "csv"}
    assert req.tag == "aapl.us,msft.us"
    assert len(ADAPTER.requests(feed(*[f"S{i}.US" for i in range(51)]))) == 2
