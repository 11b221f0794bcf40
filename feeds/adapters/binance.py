"""Binance spot REST: ``/api/v3/ticker/price`` and ``/api/v3/ticker/24hr``.

URL: the endpoint itself, e.g. ``https://api.binance.com/api/v3/ticker/24hr``.
Symbols: Binance pair names (``BTCUSDT``). No credential: market data is public.

Quirks:
- Both endpoints answer one object (``?symbol=``) or an array (``?symbols=[..]`` or
  no parameter: every pair on the exchange). ``requests`` asks for one symbol with
  ``symbol=``, for 2..100 with the JSON-array ``symbols=["A","B"]`` parameter
  (documented in rest-api.md; a 24hr call for up to 20 symbols weighs far less
  than the unfiltered one), and for more than 100 fetches all and filters.
- One unknown symbol in ``symbols=`` fails the whole call with HTTP 400
  ``{"code":-1121,"msg":"Invalid symbol."}``; that is a permanent ``FeedError``.
- Prices are decimal strings (``"4.00000200"``). ``ticker/price`` carries no time,
  so the poll time stands in; ``24hr`` carries ``closeTime`` in epoch milliseconds.
  ``type=MINI`` 24hr rows have no ``priceChange*``/``prevClosePrice``.
- Errors are ``{"code","msg"}``; 429 and 418 (IP ban) come with ``Retry-After``.
- A pair that is not trading can show price ``0``; in an unfiltered bulk answer
  such rows are skipped, for a symbol the feed asked for it is an error.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlsplit

from feeds.adapters.base import Adapter, FeedError, FeedSpec, ProviderRequest, ProviderResponse, check_status
from feeds.adapters.checks import check_option_names, display_name, publish_symbol, require_http_url
from feeds.schema import Record, make_quote, to_number

log = logging.getLogger(__name__)

MAX_LISTED_SYMBOLS = 100


def requests(spec: FeedSpec) -> list[ProviderRequest]:
    """One request; filtered server-side when the feed lists 1..100 symbols."""
    query = parse_qs(urlsplit(spec.url).query)
    symbols = [s.upper() for s in spec.symbols]
    if "symbol" in query or "symbols" in query or not symbols or len(symbols) > MAX_LISTED_SYMBOLS:
        return [ProviderRequest(url=spec.url)]
    if len(symbols) == 1:
        return [ProviderRequest(url=spec.url, params={"symbol": symbols[0]}, tag=symbols[0])]
    return [ProviderRequest(url=spec.url, params={"symbols": json.dumps(symbols, separators=(",", ":"))})]


def validate(spec: FeedSpec) -> None:
    require_http_url(spec)
    check_option_names(spec, ())
    for symbol in spec.symbols:
        publish_symbol(symbol, spec)


def parse(response: ProviderResponse, spec: FeedSpec) -> list[Record]:
    check_status(response, "binance")
    data = response.json()
    if isinstance(data, dict) and "code" in data and "msg" in data:
        raise FeedError(f"binance error {data['code']}: {data['msg']}", permanent=data["code"] == -1121)
    items = data if isinstance(data, list) else [data]
    wanted = {s.upper() for s in spec.symbols}
    records: list[Record] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("symbol"), str):
            raise FeedError(f"binance: expected objects with a symbol, got {str(item)[:60]!r}")
        pair = item["symbol"].upper()
        if wanted and pair not in wanted:
            continue
        record = _quote(item, spec, asked=bool(wanted))
        if record is not None:
            records.append(record)
            seen.add(pair)
    missing = sorted(wanted - seen)
    if wanted and not seen:
        raise FeedError(f"binance: none of the feed's symbols are in the response: {', '.join(missing)}")
    if missing:
        log.warning("binance feed %s: no data for %s", spec.name, ", ".join(missing))
    return records


def _quote(item: dict, spec: FeedSpec, *, asked: bool) -> Record | None:
    pair = item["symbol"]
    if "lastPrice" in item:
        price = item["lastPrice"]
    elif "price" in item:
        price = item["price"]
    else:
        raise FeedError(f"binance: item for {pair!r} has no price")
    if to_number(price, f"{pair} price") <= 0:
        if asked:
            raise FeedError(f"binance: {pair} has price {price!r}; is the pair trading?")
        return None
    return make_quote(
        symbol=publish_symbol(pair, spec),
        price=price,
        source=spec.name,
        ts=item.get("closeTime"),
        change=item.get("priceChange"),
        change_pct=item.get("priceChangePercent"),
        open=item.get("openPrice"),
        high=item.get("highPrice"),
        low=item.get("lowPrice"),
        prev_close=item.get("prevClosePrice"),
        volume=item.get("volume"),
        name=display_name(pair, spec),
    )


ADAPTER = Adapter(
    name="binance", label="Binance", kind="quote", parse=parse, requests=requests, validate=validate
)
