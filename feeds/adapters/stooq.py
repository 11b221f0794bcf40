"""Stooq CSV quotes: ``GET https://stooq.com/q/l/?s=aapl.us,msft.us&f=sd2t2ohlcv&h&e=csv``.

URL: ``https://stooq.com/q/l/``. Symbols: Stooq's (``AAPL.US``, ``EURUSD``,
``^SPX``; a caret needs a ``symbol_map`` entry). No credential.

Quirks:
- Many symbols per request (chunks of 50 here); ``f=sd2t2ohlcv`` asks for symbol,
  date, time, open, high, low, close, volume and ``h`` for a header line, which
  the parser relies on (columns are found by name).
- Date and time are Warsaw local time (a US close shows as ``22:00:09``), converted
  here to UTC through ``Europe/Warsaw``. There is no change or previous close.
- An unknown symbol is a row of ``N/D`` (sometimes even in the Symbol column),
  with HTTP 200. Rule: N/D rows are skipped and logged, the other rows published;
  only when no row has a price is it a ``FeedError`` naming the asked symbols. An
  N/D never becomes a price. A row that is neither N/D nor well-formed makes the
  whole answer a ``FeedError``.
- When over its daily limit Stooq answers 200 with a line of text instead of CSV.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from feeds.adapters.base import (
    Adapter,
    FeedError,
    FeedSpec,
    ProviderRequest,
    ProviderResponse,
    check_status,
    snippet,
)
from feeds.adapters.checks import (
    check_option_names,
    display_name,
    publish_symbol,
    require_http_url,
    require_symbols,
)
from feeds.schema import Record, make_quote

log = logging.getLogger(__name__)

SYMBOLS_PER_REQUEST = 50
STOOQ_TZ = ZoneInfo("Europe/Warsaw")
NO_DATA = "N/D"
COLUMNS = {"open": "Open", "high": "High", "low": "Low", "volume": "Volume"}


def requests(spec: FeedSpec) -> list[ProviderRequest]:
    symbols = [s.lower() for s in spec.symbols]
    out = []
    for start in range(0, len(symbols), SYMBOLS_PER_REQUEST):
        chunk = ",".join(symbols[start : start + SYMBOLS_PER_REQUEST])
        params = {"s": chunk, "f": "sd2t2ohlcv", "h": "", "e": "csv"}
        out.append(ProviderRequest(url=spec.url, params=params, tag=chunk))
    return out


def validate(spec: FeedSpec) -> None:
    require_http_url(spec)
    check_option_names(spec, ())
    require_symbols(spec, "stooq")


def parse(response: ProviderResponse, spec: FeedSpec) -> list[Record]:
    check_status(response, "stooq")
    text = response.text()
    if not text.strip():
        raise FeedError("stooq: response body is empty")
    if "daily hits limit" in text[:200].lower():
        raise FeedError(f"stooq daily limit reached: {snippet(response.body)!r}", retry_after=3600.0)
    try:
        rows = list(csv.reader(io.StringIO(text.strip())))
    except csv.Error as exc:
        raise FeedError(f"stooq: unreadable CSV ({exc})") from None
    header = [name.strip() for name in rows[0]]
    if "Symbol" not in header or "Close" not in header:
        raise FeedError(f"stooq: not a quote CSV with a header line: {snippet(response.body)!r}")
    asked = _asked(response, spec)
    records: list[Record] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise FeedError(f"stooq: line {number} has {len(row)} fields, the header {len(header)}")
        cells = dict(zip(header, (cell.strip() for cell in row), strict=True))
        if cells["Close"] == NO_DATA or cells["Symbol"] == NO_DATA:
            continue
        records.append(_quote(cells, spec))
    found = {r["symbol"] for r in records}
    missing = [s for s in asked if _published_or_none(s, spec) not in found]
    if not records:
        raise FeedError(f"stooq has no data (N/D) for {', '.join(asked) or 'any symbol'}: unknown symbol(s)?")
    if missing:
        log.warning("stooq feed %s: no data (N/D) for %s", spec.name, ", ".join(missing))
    return records


def _quote(cells: dict[str, str], spec: FeedSpec) -> Record:
    symbol = cells["Symbol"]
    extra = {field: cells.get(column) for field, column in COLUMNS.items()}
    extra = {field: value for field, value in extra.items() if value not in (None, "", NO_DATA)}
    return make_quote(
        symbol=publish_symbol(symbol, spec),
        price=cells["Close"],
        source=spec.name,
        ts=_warsaw_time(cells.get("Date"), cells.get("Time"), symbol),
        name=display_name(symbol, spec),
        **extra,
    )


def _warsaw_time(date: str | None, time: str | None, symbol: str) -> datetime | None:
    if not date or date == NO_DATA:
        return None
    stamp = f"{date} {time}" if time and time != NO_DATA else f"{date} 00:00:00"
    try:
        local = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise FeedError(f"stooq: {symbol} has an unreadable date/time {stamp[:30]!r}") from None
    return local.replace(tzinfo=STOOQ_TZ)


def _published_or_none(symbol: str, spec: FeedSpec) -> str | None:
    try:
        return publish_symbol(symbol, spec)
    except FeedError:
        return None


def _asked(response: ProviderResponse, spec: FeedSpec) -> list[str]:
    tag = response.request.tag if response.request else ""
    return [s.upper() for s in (tag.split(",") if tag else spec.symbols)]


ADAPTER = Adapter(
    name="stooq", label="Stooq CSV quotes", kind="quote", parse=parse, requests=requests, validate=validate
)
