"""Coinbase Exchange product ticker: ``GET /products/{product_id}/ticker``.

URL: the API root, ``https://api.exchange.coinbase.com`` (the adapter appends
``/products/{id}/ticker``), or a template containing ``{symbol}``.
Symbols: product ids (``BTC-USD``). No credential: the ticker is public.

Quirks:
- One request per product, tagged with the product id.
- Fields are decimal strings: ``price`` (last trade), ``size``, ``bid``, ``ask``,
  ``volume`` (24h, base currency); ``time`` is ISO 8601 with microseconds;
  ``trade_id`` is a number or, in newer answers, a string.
- Errors are ``{"message": "..."}``: 404 ``NotFound`` for an unknown product,
  429 ``Public rate limit exceeded``.
"""

from __future__ import annotations

from urllib.parse import quote

from feeds.adapters.base import Adapter, FeedError, FeedSpec, ProviderRequest, ProviderResponse, check_status
from feeds.adapters.checks import (
    check_option_names,
    display_name,
    publish_symbol,
    request_tag,
    require_http_url,
    require_symbols,
)
from feeds.schema import Record, make_quote


def product_url(spec: FeedSpec, product: str) -> str:
    product = quote(product, safe="-")
    if "{symbol}" in spec.url:
        return spec.url.replace("{symbol}", product)
    return f"{spec.url.rstrip('/')}/products/{product}/ticker"


def requests(spec: FeedSpec) -> list[ProviderRequest]:
    return [ProviderRequest(url=product_url(spec, s.upper()), tag=s.upper()) for s in spec.symbols]


def validate(spec: FeedSpec) -> None:
    require_http_url(spec)
    check_option_names(spec, ())
    require_symbols(spec, "coinbase")


def parse(response: ProviderResponse, spec: FeedSpec) -> list[Record]:
    check_status(response, "coinbase")
    product = request_tag(response.request, spec, "coinbase")
    data = response.json()
    if not isinstance(data, dict):
        raise FeedError(f"coinbase: expected a ticker object for {product}, got {str(data)[:60]!r}")
    if "price" not in data:
        if isinstance(data.get("message"), str):
            raise FeedError(f"coinbase error for {product}: {data['message']}")
        raise FeedError(f"coinbase: ticker for {product} has no price")
    return [
        make_quote(
            symbol=publish_symbol(product, spec),
            price=data["price"],
            source=spec.name,
            ts=data.get("time"),
            volume=data.get("volume"),
            name=display_name(product, spec),
        )
    ]


ADAPTER = Adapter(
    name="coinbase",
    label="Coinbase Exchange",
    kind="quote",
    parse=parse,
    requests=requests,
    validate=validate,
)
