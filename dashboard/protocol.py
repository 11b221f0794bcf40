"""The WebSocket wire protocol: request parsing, frame building, error and close codes.

Pure functions, no I/O: the consumer feeds client frames in and sends what comes out.
docs/protocol.md is the public contract; ``ERROR_CODES`` and ``CLOSE_CODES`` are its
tables, and a test keeps the two in step.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from django.conf import settings

from feeds.schema import SYMBOL_RE

Action = Literal["subscribe", "unsubscribe", "list", "ping"]
FIELDS: dict[str, tuple[str, ...]] = {
    "subscribe": ("action", "id", "symbols", "since"),
    "unsubscribe": ("action", "id", "symbols"),
    "list": ("action", "id"),
    "ping": ("action", "id"),
}
ACTIONS: tuple[str, ...] = tuple(FIELDS)
MAX_ID_CHARS = 64
MAX_JSON_DEPTH = 32  # no request needs more than 3; the parser's own limit depends on the stack
MAX_ID_INT = 2**53  # exact in every JSON implementation (JavaScript numbers)
MAX_SEQ = 2**63
RETRY_AFTER_RESTART_MS = (1000, 5000)

ERROR_CODES: dict[str, str] = {
    "bad_request": "the frame is not a valid request (binary, not JSON, wrong types, unknown field)",
    "unknown_action": "action is not one of subscribe, unsubscribe, list, ping",
    "unknown_symbol": "no enabled feed provides the symbol",
    "forbidden": "the symbol's feed is not visible to this viewer",
    "too_many_symbols": "the request would exceed the per-connection subscription limit",
    "rate_limited": "too many messages; wait retry_after_ms",
    "message_too_large": "the frame exceeds the per-message size limit",
    "unavailable": "a backing service (Redis, database) failed; retry later",
    "internal_error": "the server failed on this request; it was logged",
}


class CloseCode(NamedTuple):
    code: int
    name: str
    reconnect: str  # "yes", "backoff" or "no"


CLOSE_GOING_AWAY = 1001  # tickerproj.connections, after the shutdown notice
CLOSE_FLOOD = 1008
CLOSE_RESTART = 1012
CLOSE_TRY_LATER = 1013
CLOSE_SLOW_CONSUMER = 4001
CLOSE_LOGIN_REQUIRED = 4003

# Every close code a client may see from this server: ours and the WebSocket library's.
CLOSE_CODES: dict[int, CloseCode] = {
    c.code: c
    for c in (
        CloseCode(
            CLOSE_GOING_AWAY, "server going away: restart or scale-in (after a shutdown notice)", "yes"
        ),
        CloseCode(1002, "protocol error (malformed WebSocket frame)", "no"),
        CloseCode(1007, "text frame is not valid UTF-8", "no"),
        CloseCode(CLOSE_FLOOD, "kept sending after rate_limited", "backoff"),
        CloseCode(1009, "frame above the server's hard size cap", "no"),
        CloseCode(1011, "keepalive ping unanswered, or server error", "yes"),
        CloseCode(CLOSE_RESTART, "server restarting (uvicorn's own close)", "yes"),
        CloseCode(CLOSE_TRY_LATER, "too many connections from this address", "backoff"),
        CloseCode(CLOSE_SLOW_CONSUMER, "client did not read its frames in time", "yes"),
        CloseCode(CLOSE_LOGIN_REQUIRED, "sign-in required", "no"),
    )
}


def portable_close_code(code: int) -> int:
    """The code to close with where the server may not send ``code``: daphne (autobahn)
    lets applications send only 1000 and 3000-4999, so 1008 becomes 4008, 1012 4012."""
    return code if code == 1000 or code >= 3000 else 4000 + code % 1000


class ProtocolError(Exception):
    """A client request that cannot be served; becomes an ``error`` frame.

    ``extra`` fields (``symbols``, ``subscriptions``, ``retry_after_ms``) go into the frame.
    """

    def __init__(self, code: str, message: str, request_id: int | str | None = None, **extra: Any) -> None:
        super().__init__(message)
        assert code in ERROR_CODES, code
        self.code, self.message, self.request_id, self.extra = code, message, request_id, extra


@dataclass(frozen=True)
class Request:
    action: Action
    symbols: tuple[str, ...] = ()
    id: int | str | None = None
    since: dict[str, int] = field(default_factory=dict)


def _request_id(obj: dict) -> int | str | None:
    rid = obj.get("id")
    if rid is None or (isinstance(rid, int) and not isinstance(rid, bool) and abs(rid) < MAX_ID_INT):
        return rid
    if isinstance(rid, str) and len(rid) <= MAX_ID_CHARS:
        return rid
    raise ProtocolError(
        "bad_request", f"id must be an integer below 2^53 or a string of at most {MAX_ID_CHARS} characters"
    )


def request_id_of(text: str | None) -> int | str | None:
    """The id of a frame that will not be served (rate limited), if it has a valid one."""
    try:
        return parse_request(text).id
    except ProtocolError as exc:
        return exc.request_id


def json_depth(text: str) -> int:
    """How deeply ``text`` nests arrays and objects (brackets inside strings do not count).

    Checked before parsing so the limit is the same wherever the parser runs.
    """
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return 0
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def parse_request(text: str | None, data: bytes | None = None) -> Request:
    """Turn one client frame into a ``Request`` or raise ``ProtocolError`` saying what is wrong."""
    if text is None:
        raise ProtocolError("bad_request", "binary frames are not accepted; send JSON in text frames")
    # Only a text longer than a quarter of the limit can exceed it once UTF-8 encoded.
    if len(text) * 4 > settings.TICKER_MAX_FRAME_BYTES:
        nbytes = len(text.encode("utf-8", "surrogatepass"))
        limit = settings.TICKER_MAX_FRAME_BYTES
        if nbytes > limit:
            raise ProtocolError(
                "message_too_large", f"frames are limited to {limit} bytes; this one has {nbytes}"
            )
    if json_depth(text) > MAX_JSON_DEPTH:
        raise ProtocolError("bad_request", f"JSON is nested too deeply (more than {MAX_JSON_DEPTH} levels)")
    try:
        obj = json.loads(text)
    except RecursionError:
        raise ProtocolError("bad_request", "JSON is nested too deeply") from None
    except ValueError:
        raise ProtocolError("bad_request", "frame is not valid JSON") from None
    if not isinstance(obj, dict):
        raise ProtocolError("bad_request", f"frame must be a JSON object, not {_json_type(obj)}")
    rid = _request_id(obj)
    action = obj.get("action")
    if not isinstance(action, str):
        raise ProtocolError("bad_request", 'missing action: send {"action": "subscribe", ...}', rid)
    if action not in FIELDS:
        raise ProtocolError(
            "unknown_action", f"unknown action {action[:32]!r}; use one of {', '.join(ACTIONS)}", rid
        )
    allowed = FIELDS[action]
    unknown = [k for k in obj if k not in allowed]
    if unknown:
        raise ProtocolError(
            "bad_request",
            f"unknown field {unknown[0][:32]!r} for {action}; allowed: {', '.join(allowed)}",
            rid,
        )
    symbols: tuple[str, ...] = ()
    since: dict[str, int] = {}
    if action == "subscribe":
        since = _since(obj["since"], rid) if "since" in obj else {}
        listed = _symbols(obj["symbols"], rid) if "symbols" in obj else ()
        if not listed and not since:
            raise ProtocolError("bad_request", "symbols must be a non-empty list of strings", rid)
        symbols = tuple(dict.fromkeys((*listed, *since)))
    elif action == "unsubscribe":
        symbols = _symbols(obj.get("symbols"), rid)
    _check_count(len(symbols), rid)
    return Request(action=action, symbols=symbols, id=rid, since=since)  # type: ignore[arg-type]


def _check_count(n: int, rid: int | str | None) -> None:
    limit = settings.TICKER_MAX_SUBSCRIPTIONS
    if n > limit:
        raise ProtocolError("too_many_symbols", f"{n} symbols in one request; the limit is {limit}", rid)


def canonical(item: Any, rid: int | str | None) -> str:
    """A symbol as clients may type it (any case, surrounding spaces) in canonical form."""
    if not isinstance(item, str):
        raise ProtocolError("bad_request", f"symbols must be strings, not {_json_type(item)}", rid)
    raw = item.strip()
    sym = raw.upper()
    if not raw.isascii() or not SYMBOL_RE.match(sym):
        raise ProtocolError(
            "bad_request", f"{item[:40]!r} is not a symbol (1-40 characters of A-Z 0-9 . _ -)", rid
        )
    return sym


def _symbols(raw: Any, rid: int | str | None) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise ProtocolError("bad_request", "symbols must be a non-empty list of strings", rid)
    return tuple(dict.fromkeys(canonical(item, rid) for item in raw))


def _since(raw: Any, rid: int | str | None) -> dict[str, int]:
    if not isinstance(raw, dict):
        raise ProtocolError("bad_request", 'since must be an object like {"AAPL": 41}', rid)
    since: dict[str, int] = {}
    for key, seq in raw.items():
        sym = canonical(key, rid)
        if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < MAX_SEQ:
            raise ProtocolError("bad_request", f"since[{sym!r}] must be a non-negative integer seq", rid)
        since[sym] = max(seq, since.get(sym, 0))
    return since


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def frame(kind: str, request_id: int | str | None = None, **fields: Any) -> str:
    """Encode one server frame; ``id`` is echoed when the request had one. Always ASCII JSON."""
    body = {"type": kind, **fields}
    if request_id is not None:
        body["id"] = request_id
    return json.dumps(body, separators=(",", ":"))


def shutdown_frame() -> str:
    """The notice before a planned restart; the random delay spreads the reconnects."""
    return frame(
        "shutdown",
        reconnect=True,
        retry_after_ms=random.randint(*RETRY_AFTER_RESTART_MS),
        message="server restarting; reconnect after retry_after_ms",
    )


def error_frame(exc: ProtocolError) -> str:
    return frame("error", exc.request_id, code=exc.code, message=exc.message, **exc.extra)


def data_frame(kind: Literal["update", "snapshot"], update: dict, state: str | None = None) -> str:
    """An update or snapshot: the record, its ``seq`` and ``sent_at``; snapshots always carry ``state``."""
    body = {"type": kind, **update}
    if state or kind == "snapshot":
        body["state"] = state or "live"
    return json.dumps(body, separators=(",", ":"))
