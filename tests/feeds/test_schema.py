"""The schema helpers: exact numbers, strict times, canonical symbols, validated records."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from feeds.adapters.base import FeedError
from feeds.schema import (
    canonical_symbol,
    make_quote,
    make_score,
    to_number,
    to_ts,
    ts_millis,
    value_fingerprint,
)


class TestToNumber:
    def test_decimal_string_is_exact(self):
        assert to_number("64123.45000000", "price") == 64123.45
        assert to_number("0.07946600", "price") == 0.079466
        assert to_number("-95.960", "change_pct") == -95.96

    def test_integer_string_stays_int(self):
        value = to_number("67242023", "volume")
        assert value == 67242023 and isinstance(value, int)

    def test_trailing_zeros_after_point_give_float(self):
        value = to_number("100.00000000", "price")
        assert value == 100.0 and isinstance(value, float)

    def test_json_numbers_pass_through(self):
        assert to_number(182.63, "price") == 182.63
        assert to_number(103663, "price") == 103663
        assert to_number(Decimal("1.5"), "price") == 1.5

    def test_strict_thousands_separators(self):
        assert to_number("1,234.5", "price") == 1234.5
        with pytest.raises(FeedError, match="not a number"):
            to_number("1,5", "price")

    @pytest.mark.parametrize("bad", ["NaN", "nan", "Infinity", "-inf", "sNaN", float("nan"), float("inf")])
    def test_nan_and_infinity_refused(self, bad):
        with pytest.raises(FeedError, match="not a finite number"):
            to_number(bad, "price")

    def test_overflowing_exponent_refused(self):
        with pytest.raises(FeedError, match="out of range"):
            to_number("1e999", "price")

    @pytest.mark.parametrize("bad", ["", "abc", "1.2.3", "N/D", "1_000", "12%"])
    def test_non_numbers_refused_with_field_name(self, bad):
        with pytest.raises(FeedError, match=r"^price: .*not a number"):
            to_number(bad, "price")

    @pytest.mark.parametrize("bad", [None, True, [], {}])
    def test_wrong_types_refused(self, bad):
        with pytest.raises(FeedError, match="price: expected a number"):
            to_number(bad, "price")


class TestToTs:
    def test_epoch_seconds(self):
        assert to_ts(1582641000) == "2020-02-25T14:30:00.000Z"

    def test_epoch_milliseconds(self):
        assert to_ts(1499869899040) == "2017-07-12T14:31:39.040Z"

    def test_epoch_as_digit_string(self):
        assert to_ts("1711356300") == "2024-03-25T08:45:00.000Z"

    def test_iso_with_z_and_microseconds(self):
        assert to_ts("2024-03-13T11:10:41.270099Z") == "2024-03-13T11:10:41.270Z"

    def test_iso_without_seconds(self):
        assert to_ts("2024-01-30T00:00Z") == "2024-01-30T00:00:00.000Z"

    def test_iso_with_offset_is_converted_to_utc(self):
        assert to_ts("2023-09-06T22:00:11+02:00") == "2023-09-06T20:00:11.000Z"

    def test_naive_iso_is_utc(self):
        assert to_ts("2024-03-22") == "2024-03-22T00:00:00.000Z"

    def test_none_is_now(self):
        before = ts_millis(to_ts(1)) + 0
        assert ts_millis(to_ts(None)) > before

    @pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf"), 1e20])
    def test_bad_epochs_refused(self, bad):
        with pytest.raises(FeedError, match=r"^ts: "):
            to_ts(bad)

    def test_garbage_string_refused(self):
        with pytest.raises(FeedError, match="not an ISO 8601 time"):
            to_ts("yesterday")

    def test_bool_refused(self):
        with pytest.raises(FeedError, match="unsupported type bool"):
            to_ts(True)

    def test_ts_millis_round_trip(self):
        assert ts_millis(to_ts(1499869899040)) == 1499869899040


class TestCanonicalSymbol:
    def test_upper_and_strip(self):
        assert canonical_symbol(" btcusdt ") == "BTCUSDT"
        assert canonical_symbol("aapl.us") == "AAPL.US"
        assert canonical_symbol("BTC-USD") == "BTC-USD"

    @pytest.mark.parametrize("bad", ["BINANCE:BTCUSDT", "^SPX", "", "-X", "A" * 41, "A B"])
    def test_refused(self, bad):
        with pytest.raises(FeedError, match="not of the form"):
            canonical_symbol(bad)

    def test_non_string(self):
        with pytest.raises(FeedError, match="must be a string"):
            canonical_symbol(5)


class TestRecords:
    def test_make_quote_drops_none_and_converts(self):
        rec = make_quote(symbol="aapl", price="1.50", source="f", ts=1582641000, change=None, volume="10")
        assert rec == {
            "symbol": "AAPL",
            "kind": "quote",
            "ts": "2020-02-25T14:30:00.000Z",
            "source": "f",
            "price": 1.5,
            "volume": 10,
        }

    def test_make_quote_refuses_unknown_field(self):
        with pytest.raises(FeedError, match="quote has no field 'bid'"):
            make_quote(symbol="A", price=1, source="f", bid=1)

    def test_make_quote_refuses_nan_price(self):
        with pytest.raises(FeedError, match="price: 'NaN' is not a finite number"):
            make_quote(symbol="A", price="NaN", source="f")

    def test_make_score(self):
        rec = make_score(
            symbol="nba-1",
            source="f",
            league="NBA",
            home="CHA",
            away="NY",
            home_score="92",
            away_score="113",
            status="post",
            ts=1,
            period=4,
            clock="0.0",
        )
        assert rec["symbol"] == "NBA-1" and rec["home_score"] == 92 and rec["away_score"] == 113
        assert rec["period"] == 4 and rec["clock"] == "0.0" and rec["status"] == "post"

    def test_make_score_refuses_bad_status_and_empty_team(self):
        with pytest.raises(FeedError, match="not one of pre, in, post"):
            make_score(
                symbol="X", source="f", league="L", home="H", away="A", home_score=0, away_score=0, status="x"
            )
        with pytest.raises(FeedError, match="home: expected a non-empty name"):
            make_score(
                symbol="X",
                source="f",
                league="L",
                home=" ",
                away="A",
                home_score=0,
                away_score=0,
                status="pre",
            )

    def test_fingerprint_ignores_ts_and_source(self):
        a = make_quote(symbol="A", price=1, source="f", ts=1)
        b = make_quote(symbol="A", price=1, source="g", ts=2)
        c = make_quote(symbol="A", price=2, source="f", ts=1)
        assert value_fingerprint(a) == value_fingerprint(b) != value_fingerprint(c)

    def test_numbers_are_finite(self):
        rec = make_quote(symbol="A", price="64123.45000000", source="f", change_pct="-0.5")
        assert all(math.isfinite(rec[k]) for k in ("price", "change_pct"))
