"""The WebSocket wire protocol: request parsing and frame building (see docs/protocol.md).

Pure functions, no I/O: the consumer feeds client frames in and sends what comes out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings

from feeds.schema import SYMBOL_RE

Action = Literal["subscribe", "unsubscribe", "list", "ping"]
ACTIONS: tuple[str, ...] = ("subscribe", "unsubscribe", "list", "ping")


class ProtocolError(Exception):
    """A client request that cannot be served; becomes an ``error`` frame."""

    def __init__(self, code: str, message: str, request_id: int | str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.request_id = code, message, request_id


@dataclass(frozen=True)
class Request:
    action: Action
    symbols: tuple[str, ...] = ()
    id: int | str | None = None
    since: dict[str, int] = field(default_factory=dict)


def _request_id(obj: dict) -> int | str | None:
    rid = obj.get("id")
    if rid is None or (isinstance(rid, int) and not isinstance(rid, bool) and abs(rid) < 2**53):
        return rid
    if isinstance(rid, str) and len(rid) <= 64:
        return rid
    raise ProtocolError("bad_request", "id must be an integer or a string of at most 64 characters")


def parse_request(text: str | None, data: bytes | None = None) -> Request:
    """Turn one client frame into a ``Request`` or raise ``ProtocolError`` saying what is wrong."""
    if text is None:
        raise ProtocolError("bad_request", "binary frames are not accepted; send JSON text frames")
    if len(text.encode("utf-8", "surrogatepass")) > settings.TICKER_MAX_FRAME_BYTES:
        raise ProtocolError(
            "message_too_large", f"frames are limited to {settings.TICKER_MAX_FRAME_BYTES} bytes"
        )
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("bad_request", "frame is not valid JSON") from None
    if not isinstance(obj, dict):
        raise ProtocolError("bad_request", "frame must be a JSON object with an action")
    rid = _request_id(obj)
    action = obj.get("action")
    if not isinstance(action, str):
        raise ProtocolError("bad_request", "missing action", rid)
    if action not in ACTIONS:
        raise ProtocolError(
            "unknown_action", f"unknown action {action[:32]!r}; use one of {', '.join(ACTIONS)}", rid
        )
    symbols: tuple[str, ...] = ()
    since: dict[str, int] = {}
    if action in ("subscribe", "unsubscribe"):
        symbols = _symbols(obj.get("symbols"), rid)
        if action == "subscribe" and "since" in obj:
            since = _since(obj["since"], rid)
    return Request(action=action, symbols=symbols, id=rid, since=since)  # type: ignore[arg-type]


def _symbols(raw: Any, rid: int | str | None) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise ProtocolError("bad_request", "symbols must be a non-empty list of strings", rid)
    limit = settings.TICKER_MAX_SUBSCRIPTIONS
    if len(raw) > limit:
        raise ProtocolError("too_many_symbols", f"at most {limit} symbols per connection", rid)
    out: dict[str, None] = {}
    for item in raw:
        if not isinstance(item, str):
            raise ProtocolError("bad_request", "symbols must be strings", rid)
        sym = item.strip().upper()
        if not SYMBOL_RE.match(sym):
            raise ProtocolError("bad_request", f"{item[:40]!r} is not a valid symbol", rid)
        out.setdefault(sym, None)
    return tuple(out)


def _since(raw: Any, rid: int | str | None) -> dict[str, int]:
    if not isinstance(raw, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in raw.values()
    ):
        raise ProtocolError("bad_request", "since must map symbols to integer seq values", rid)
    return {str(k).strip().upper(): v for k, v in raw.items()}


def frame(kind: str, request_id: int | str | None = None, **fields: Any) -> str:
    """Encode one server frame; ``id`` is echoed when the request had one."""
    body = {"type": kind, **fields}
    if request_id is not None:
        body["id"] = request_id
    return json.dumps(body, separators=(",", ":"))


def error_frame(exc: ProtocolError) -> str:
    return frame("error", exc.request_id, code=exc.code, message=exc.message)


def data_frame(kind: Literal["update", "snapshot"], update: dict, state: str | None = None) -> str:
    """An update or snapshot frame: the record, its seq and ``sent_at``, and the feed state."""
    body = {"type": kind, **update}
    if state:
        body["state"] = state
    return json.dumps(body, separators=(",", ":"))
