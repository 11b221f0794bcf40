"""Request parsing and frames: each bad input gets its own code and a message that says why."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import override_settings

from dashboard.protocol import (
    CLOSE_CODES,
    ERROR_CODES,
    ProtocolError,
    Request,
    data_frame,
    error_frame,
    frame,
    parse_request,
    portable_close_code,
    request_id_of,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def error_of(text: str | None, data: bytes | None = None) -> ProtocolError:
    with pytest.raises(ProtocolError) as exc:
        parse_request(text, data)
    return exc.value


def test_valid_requests_are_canonical_and_folded():
    assert parse_request('{"action":"subscribe","symbols":["aapl"," AAPL ","msft"],"id":3}') == Request(
        "subscribe", ("AAPL", "MSFT"), 3
    )
    assert parse_request('{"action":"subscribe","since":{"aapl":4,"AAPL":9}}') == Request(
        "subscribe", ("AAPL",), None, {"AAPL": 9}
    )
    assert parse_request('{"action":"subscribe","symbols":["MSFT"],"since":{"AAPL":1},"id":"x"}').symbols == (
        "MSFT",
        "AAPL",
    )
    assert parse_request('{"action":"list","id":null}') == Request("list")
    assert parse_request('{"action":"ping","id":"' + "i" * 64 + '"}').id == "i" * 64


BAD = [
    # (frame, code, words the message must contain, id echoed)
    (None, "bad_request", "binary", None),
    ("not json", "bad_request", "not valid JSON", None),
    ("\ud800", "bad_request", "not valid JSON", None),
    ("[1,2]", "bad_request", "an array", None),
    ('"subscribe"', "bad_request", "a string", None),
    ("null", "bad_request", "null", None),
    ("[" * 3000 + "]" * 3000, "message_too_large", "4096", None),
    ("[" * 2000 + "]" * 2000, "bad_request", "nested too deeply", None),
    ('{"action":"ping","pad":"' + "é" * 2100 + '"}', "message_too_large", "bytes", None),
    ("{}", "bad_request", "missing action", None),
    ('{"action":5,"id":1}', "bad_request", "missing action", 1),
    ('{"action":"SUBSCRIBE","id":2}', "unknown_action", "use one of", 2),
    ('{"action":"' + "x" * 500 + '"}', "unknown_action", "x" * 32, None),
    ('{"action":"ping","id":true}', "bad_request", "id must be", None),
    ('{"action":"ping","id":1.5}', "bad_request", "id must be", None),
    ('{"action":"ping","id":9007199254740993}', "bad_request", "id must be", None),
    ('{"action":"ping","id":"' + "i" * 65 + '"}', "bad_request", "id must be", None),
    ('{"action":"ping","id":[1]}', "bad_request", "id must be", None),
    ('{"action":"ping","id":4,"symbols":["A"]}', "bad_request", "unknown field 'symbols' for ping", 4),
    ('{"action":"subscribe","id":5,"symbol":"AAPL"}', "bad_request", "unknown field 'symbol'", 5),
    ('{"action":"subscribe","id":6}', "bad_request", "non-empty list", 6),
    ('{"action":"subscribe","symbols":[]}', "bad_request", "non-empty list", None),
    ('{"action":"subscribe","symbols":"AAPL"}', "bad_request", "non-empty list", None),
    ('{"action":"subscribe","symbols":{"AAPL":1}}', "bad_request", "non-empty list", None),
    ('{"action":"subscribe","symbols":[1]}', "bad_request", "not a number", None),
    ('{"action":"subscribe","symbols":[["AAPL"]]}', "bad_request", "not an array", None),
    ('{"action":"subscribe","symbols":[null]}', "bad_request", "not null", None),
    ('{"action":"subscribe","symbols":[""]}', "bad_request", "is not a symbol", None),
    ('{"action":"subscribe","symbols":["' + "A" * 41 + '"]}', "bad_request", "is not a symbol", None),
    ('{"action":"subscribe","symbols":["\\u00c4APL"]}', "bad_request", "is not a symbol", None),
    ('{"action":"subscribe","symbols":["\\ufb01"]}', "bad_request", "is not a symbol", None),
    ('{"action":"subscribe","symbols":["A\\u0000"]}', "bad_request", "is not a symbol", None),
    ('{"action":"subscribe","symbols":["<script>"]}', "bad_request", "is not a symbol", None),
    (
        '{"action":"subscribe","symbols":' + json.dumps([f"S{i}" for i in range(201)]) + "}",
        "too_many_symbols",
        "201",
        None,
    ),
    ('{"action":"subscribe","symbols":' + json.dumps(["A"] * 800) + "}", None, "", None),  # folds to one
    ('{"action":"unsubscribe","id":8}', "bad_request", "non-empty list", 8),
    ('{"action":"subscribe","since":[1]}', "bad_request", "since must be an object", None),
    ('{"action":"subscribe","since":{"AAPL":"41"}}', "bad_request", "non-negative integer", None),
    ('{"action":"subscribe","since":{"AAPL":-1}}', "bad_request", "non-negative integer", None),
    ('{"action":"subscribe","since":{"AAPL":true}}', "bad_request", "non-negative integer", None),
    ('{"action":"subscribe","since":{"AAPL":1e3}}', "bad_request", "non-negative integer", None),
    ('{"action":"subscribe","since":{"AAPL":99999999999999999999}}', "bad_request", "non-negative", None),
    ('{"action":"subscribe","since":{"bad symbol":1}}', "bad_request", "is not a symbol", None),
]


@pytest.mark.parametrize(("text", "code", "words", "rid"), BAD)
def test_bad_input_gets_its_code_a_message_that_says_why_and_its_id(text, code, words, rid):
    if code is None:
        assert parse_request(text).symbols == ("A",)
        return
    err = error_of(text, b"\x00" if text is None else None)
    assert (err.code, err.request_id) == (code, rid)
    assert words in err.message
    assert len(err.message) < 300


def test_the_subscription_limit_applies_to_one_request_as_well():
    with override_settings(TICKER_MAX_SUBSCRIPTIONS=2):
        assert error_of('{"action":"subscribe","symbols":["A","B","C"]}').code == "too_many_symbols"
        assert error_of('{"action":"subscribe","since":{"A":1,"B":1,"C":1}}').code == "too_many_symbols"
        assert parse_request('{"action":"subscribe","symbols":["A","a","B"]}').symbols == ("A", "B")


def test_frame_size_is_counted_in_utf8_bytes():
    with override_settings(TICKER_MAX_FRAME_BYTES=200):
        ok = json.dumps({"action": "unsubscribe", "symbols": ["A" * 40, "B" * 40, "C" * 40]})
        assert 160 < len(ok.encode()) <= 200 and parse_request(ok).action == "unsubscribe"
        wide = json.dumps({"action": "ping", "id": "€" * 60}, ensure_ascii=False)  # 84 characters
        assert len(wide) < 200 < len(wide.encode())
        assert error_of(wide).code == "message_too_large"


def test_request_id_of_a_refused_frame_is_its_valid_id_or_none():
    assert request_id_of('{"action":"ping","id":5}') == 5
    assert request_id_of('{"action":"nope","id":"a"}') == "a"
    assert request_id_of('{"action":"ping","id":true}') is None
    assert request_id_of("garbage") is None
    assert request_id_of(None) is None


def test_frames_are_compact_ascii_json_with_the_id_last():
    assert frame("pong", 7) == '{"type":"pong","id":7}'
    text = frame("subscribed", "é\ud800", symbols=["A"])
    assert text.isascii() and json.loads(text)["id"] == "é\ud800"
    err = error_frame(ProtocolError("rate_limited", "slow down", 3, retry_after_ms=100))
    assert json.loads(err) == {
        "type": "error",
        "code": "rate_limited",
        "message": "slow down",
        "retry_after_ms": 100,
        "id": 3,
    }


def test_snapshots_always_carry_state_updates_only_when_stale():
    update = {"symbol": "AAPL", "seq": 4, "price": 1.0}
    assert json.loads(data_frame("snapshot", update))["state"] == "live"
    assert json.loads(data_frame("snapshot", update, "stale"))["state"] == "stale"
    assert "state" not in json.loads(data_frame("update", update))


def test_the_public_contract_documents_every_error_code_and_close_code():
    doc = DOC.read_text()
    for code in ERROR_CODES:
        assert re.search(rf"^\| `{code}` \|", doc, re.M), f"error code {code} missing from docs/protocol.md"
    for close in CLOSE_CODES.values():
        row = re.search(rf"^\| {close.code} \|.*\| (yes|no|backoff)[^|]*\|$", doc, re.M)
        assert row, f"close code {close.code} missing from the table in docs/protocol.md"
        assert row.group(1) == close.reconnect, f"close code {close.code}: doc says {row.group(1)}"


def test_close_codes_daphne_cannot_send_move_to_the_4000_range():
    assert [portable_close_code(c) for c in (1000, 1008, 1011, 1012, 1013, 4001, 4003)] == [
        1000,
        4008,
        4011,
        4012,
        4013,
        4001,
        4003,
    ]


def test_json_depth_counts_nesting_outside_strings_only():
    from dashboard.protocol import MAX_JSON_DEPTH, json_depth

    deep = '{"a":' + "[" * 40 + "]" * 40 + "}"
    assert json_depth(deep) == 41
    quoted = '{"a":"' + "[" * 40 + r"\\\"" + "{" * 5 + '"}'  # an escaped quote stays inside the string
    assert json.loads(quoted)["a"].endswith('"{{{{{')
    assert json_depth(quoted) == 1
    assert json_depth('{"action":"ping"}') <= MAX_JSON_DEPTH


def test_frames_nested_past_the_limit_are_refused_before_parsing(settings):
    from dashboard.protocol import MAX_JSON_DEPTH, ProtocolError, parse_request

    text = '{"action":"ping","id":7,"x":' + "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1) + "}"
    with pytest.raises(ProtocolError) as err:
        parse_request(text)
    assert err.value.code == "bad_request" and "nested" in err.value.message
