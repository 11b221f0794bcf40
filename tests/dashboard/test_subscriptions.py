"""What a subscribe may add: all or nothing, and the error says why and what is still held."""

from __future__ import annotations

import pytest
from django.test import override_settings

from dashboard.protocol import ProtocolError, Request
from dashboard.subscriptions import admit
from feeds.selectors import ANONYMOUS

ENTRIES = {
    **{f"S{i}": {"visibility": "public"} for i in range(30)},
    "GOLD": {"visibility": "signed_in"},
}


def refused(current: set[str], symbols: tuple[str, ...]) -> ProtocolError:
    with pytest.raises(ProtocolError) as exc:
        admit(current, Request("subscribe", symbols, id=1), ENTRIES, ANONYMOUS)
    return exc.value


def test_new_symbols_only_and_already_held_ones_are_not_an_error():
    assert admit({"S1"}, Request("subscribe", ("S1", "S2")), ENTRIES, ANONYMOUS) == ["S2"]


def test_unknown_comes_before_forbidden_before_the_limit_and_each_names_the_symbols():
    err = refused({"S1"}, ("GOLD", "NOPE"))
    assert (err.code, err.extra["symbols"], err.extra["subscriptions"]) == (
        "unknown_symbol",
        ["NOPE"],
        ["S1"],
    )
    err = refused({"S1"}, ("GOLD", "S2"))
    assert (err.code, err.extra["symbols"]) == ("forbidden", ["GOLD"])
    unknown = tuple(f"X{i}" for i in range(25))
    err = refused(set(), unknown)
    assert "X9 and 15 more" in err.message and len(err.extra["symbols"]) == 25


def test_the_limit_counts_what_is_held_plus_what_is_new():
    with override_settings(TICKER_MAX_SUBSCRIPTIONS=3):
        assert admit({"S1", "S2"}, Request("subscribe", ("S2", "S3")), ENTRIES, ANONYMOUS) == ["S3"]
        err = refused({"S1", "S2"}, ("S3", "S4"))
        assert err.code == "too_many_symbols" and "2 more would make 4" in err.message
        assert err.extra["subscriptions"] == ["S1", "S2"]
