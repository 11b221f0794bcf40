"""The normalized record: the one place a ticker update's fields are defined.

Every adapter returns these and nothing else; the publisher, the hub and the page
all read them. Records are plain dicts (``TypedDict``) because they travel as JSON.

Contract: ``symbol`` is canonical (upper case, ``[A-Z0-9._-]``, at most 40 chars),
``ts`` is ISO 8601 UTC with milliseconds, numbers are finite JSON numbers.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal, NotRequired, TypedDict

from feeds.adapters.base import FeedError

Kind = Literal["quote", "score"]
GameStatus = Literal["pre", "in", "post"]

SYMBOL_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,39}$")
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")

QUOTE_FIELDS = (
    "price",
    "change",
    "change_pct",
    "open",
    "high",
    "low",
    "prev_close",
    "volume",
)
SCORE_FIELDS = ("league", "home", "away", "home_score", "away_score", "status", "period", "clock")


class Record(TypedDict):
    """Fields every normalized record has."""

    symbol: str
    kind: Kind
    ts: str
    source: str


class Quote(Record):
    price: float
    change: NotRequired[float]
    change_pct: NotRequired[float]
    open: NotRequired[float]
    high: NotRequired[float]
    low: NotRequired[float]
    prev_close: NotRequired[float]
    volume: NotRequired[float]
    currency: NotRequired[str]
    name: NotRequired[str]


class Score(Record):
    league: str
    home: str
    away: str
    home_score: int
    away_score: int
    status: GameStatus
    period: NotRequired[int]
    clock: NotRequired[str]
    name: NotRequired[str]
    start: NotRequired[str]


class Update(TypedDict):
    """A committed record: the record plus its per-symbol ``seq`` and ``sent_at``."""

    seq: int
    sent_at: float


def canonical_symbol(raw: object) -> str:
    """Return ``raw`` as a canonical symbol or raise ``FeedError`` saying why not."""
    if not isinstance(raw, str):
        raise FeedError(f"symbol must be a string, got {type(raw).__name__}")
    sym = raw.strip().upper()
    if not SYMBOL_RE.match(sym):
        raise FeedError(f"symbol {raw[:50]!r} is not of the form [A-Z0-9._-], 1-40 chars")
    return sym


def to_number(value: object, field: str) -> int | float:
    """Parse a provider number (JSON number or decimal string) exactly; refuse NaN/inf.

    Decimal strings go through ``Decimal`` so ``"64123.45000000"`` is exactly
    ``64123.45``; a string without a point or exponent stays an ``int``. Thousands
    separators are accepted only in their strict form (``"1,234.5"``).
    """
    if isinstance(value, bool) or value is None:
        raise FeedError(f"{field}: expected a number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FeedError(f"{field}: {value!r} is not a finite number")
        return value
    if isinstance(value, str | Decimal):
        text = str(value).strip()
        if _THOUSANDS_RE.match(text):
            text = text.replace(",", "")
        if "_" in text:
            raise FeedError(f"{field}: {text[:40]!r} is not a number")
        try:
            dec = Decimal(text)
        except InvalidOperation:
            raise FeedError(f"{field}: {text[:40]!r} is not a number") from None
        if not dec.is_finite():
            raise FeedError(f"{field}: {text[:40]!r} is not a finite number")
        if dec == dec.to_integral_value() and "." not in text and "e" not in text.lower():
            return int(dec)
        number = float(dec)
        if not math.isfinite(number):
            raise FeedError(f"{field}: {text[:40]!r} is out of range")
        return number
    raise FeedError(f"{field}: expected a number, got {type(value).__name__}")


def to_ts(value: object | None = None) -> str:
    """Normalize a provider timestamp (epoch s/ms, ISO string, datetime) to ISO 8601 UTC.

    ``None`` means "the provider gave no time": the poll time stands in. Epoch numbers
    above 1e11 are milliseconds (1e11 s is the year 5138). Naive times are UTC.
    """
    if value is None:
        dt = datetime.now(UTC)
    elif isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        secs = float(value) / 1000 if value > 1e11 else float(value)
        if not math.isfinite(secs) or secs <= 0:
            raise FeedError(f"ts: {value!r} is not a valid epoch time")
        try:
            dt = datetime.fromtimestamp(secs, UTC)
        except (OverflowError, OSError, ValueError):
            raise FeedError(f"ts: {value!r} is out of range") from None
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return to_ts(float(text))
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise FeedError(f"ts: {value[:40]!r} is not an ISO 8601 time") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
    else:
        raise FeedError(f"ts: unsupported type {type(value).__name__}")
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ts_millis(ts: str) -> int:
    """Epoch milliseconds of a normalized ``ts``; the order key for out-of-order drops."""
    return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000)


def make_quote(*, symbol: object, price: object, source: str, ts: object = None, **extra: object) -> Quote:
    """Build a validated quote; optional numeric fields that are ``None`` are left out."""
    rec: dict = {
        "symbol": canonical_symbol(symbol),
        "kind": "quote",
        "ts": to_ts(ts),
        "source": source,
        "price": to_number(price, "price"),
    }
    for key, value in extra.items():
        if value is None or value == "":
            continue
        if key in QUOTE_FIELDS:
            rec[key] = to_number(value, key)
        elif key in ("currency", "name"):
            rec[key] = str(value)[:80]
        else:
            raise FeedError(f"quote has no field {key!r}")
    return rec  # type: ignore[return-value]


def make_score(
    *,
    symbol: object,
    source: str,
    league: str,
    home: str,
    away: str,
    home_score: object,
    away_score: object,
    status: str,
    ts: object = None,
    **extra: object,
) -> Score:
    """Build a validated score for one game."""
    if status not in ("pre", "in", "post"):
        raise FeedError(f"status: {status!r} is not one of pre, in, post")
    for key, text in (("league", league), ("home", home), ("away", away)):
        if not isinstance(text, str) or not text.strip():
            raise FeedError(f"{key}: expected a non-empty name, got {text!r}")
    rec: dict = {
        "symbol": canonical_symbol(symbol),
        "kind": "score",
        "ts": to_ts(ts),
        "source": source,
        "league": str(league),
        "home": str(home),
        "away": str(away),
        "home_score": int(to_number(home_score or 0, "home_score")),
        "away_score": int(to_number(away_score or 0, "away_score")),
        "status": status,
    }
    for key, value in extra.items():
        if value is None or value == "":
            continue
        if key == "period":
            rec[key] = int(to_number(value, key))
        elif key in ("clock", "name", "start"):
            rec[key] = str(value)[:80]
        else:
            raise FeedError(f"score has no field {key!r}")
    return rec  # type: ignore[return-value]


def value_fingerprint(record: Record) -> str:
    """What counts as "the value": every field but ``ts``, ``source`` and delivery fields.

    Two records with the same fingerprint are the same value; the second is dropped.
    """
    skip = {"ts", "source", "seq", "sent_at"}
    return repr(sorted((k, v) for k, v in record.items() if k not in skip))
