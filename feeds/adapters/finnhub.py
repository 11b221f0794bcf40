"""Finnhub stock quote: ``GET https://finnhub.io/api/v1/quote?symbol=AAPL``.

URL: the quote endpoint, ``https://finnhub.io/api/v1/quote``.
Symbols: Finnhub's own (``AAPL``, ``BINANCE:BTCUSDT``; the latter needs a
``symbol_map`` entry because of its colon). Credential: the API key, sent in the
``X-Finnhub-Token`` header (Finnhub also takes ``token=``; the header keeps the key
out of URLs and request logs).

Quirks:
- No batch quotes: one request per symbol, tagged with the symbol.
- Fields are single letters: ``c`` price, ``d`` change, ``dp`` change %, ``o``
  ``h`` ``l`` open/high/low, ``pc`` previous close, ``t`` epoch seconds.
- An unknown or unsupported symbol is answered 200 with every field zero and
  ``d``/``dp`` null (``{"c":0,"d":null,...,"t":0}``): that is a ``FeedError``
  naming the symbol, never a price of 0. Finnhub has also sent zeros for
  ``o``/``h``/``l``/``pc`` alone (Finnhub-API issue #61); those are left out.
- Errors are ``{"error": "..."}``: 401 ``Invalid API key.``, 403 for plan limits,
  429 ``API limit reached...``.
"""

from __future__ import annotations

from feeds.adapters.base import Adapter, FeedError, FeedSpec, ProviderRequest, ProviderResponse, check_status
from feeds.adapters.checks import (
    check_option_names,
    display_name,
    publish_symbol,
    request_tag,
    require_credentials,
    require_http_url,
    require_symbols,
)
from feeds.schema import Record, make_quote, to_number

OPTIONAL_PRICES = {"open": "o", "high": "h", "low": "l", "prev_close": "pc"}


def requests(spec: FeedSpec) -> list[ProviderRequest]:
    headers = {"X-Finnhub-Token": spec.credentials} if spec.credentials else {}
    return [ProviderRequest(url=spec.url, params={"symbol": s}, headers=headers, tag=s) for s in spec.symbols]


def validate(spec: FeedSpec) -> None:
    require_http_url(spec)
    check_option_names(spec, ())
    require_symbols(spec, "finnhub")
    require_credentials(spec, "finnhub")


def parse(response: ProviderResponse, spec: FeedSpec) -> list[Record]:
    check_status(response, "finnhub")
    symbol = request_tag(response.request, spec, "finnhub")
    data = response.json()
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        raise FeedError(f"finnhub error for {symbol}: {data['error']}")
    if not isinstance(data, dict) or "c" not in data:
        raise FeedError(f"finnhub: expected a quote object with 'c' for {symbol}, got {str(data)[:60]!r}")
    price = to_number(data["c"], f"{symbol} price")
    if price <= 0:
        raise FeedError(
            f"finnhub has no quote for {symbol}: unknown symbol or no data "
            f"(price {data['c']!r}, t {data.get('t')!r})"
        )
    extra = {field: data.get(key) for field, key in OPTIONAL_PRICES.items()}
    for field, value in extra.items():
        if value is not None and to_number(value, f"{symbol} {field}") == 0:
            extra[field] = None
    return [
        make_quote(
            symbol=publish_symbol(symbol, spec),
            price=price,
            source=spec.name,
            ts=data.get("t") or None,
            change=data.get("d"),
            change_pct=data.get("dp"),
            name=display_name(symbol, spec),
            **extra,
        )
    ]


ADAPTER = Adapter(
    name="finnhub", label="Finnhub", kind="quote", parse=parse, requests=requests, validate=validate
)
