"""CoinGecko simple price: ``GET /api/v3/simple/price?ids=bitcoin,ethereum&vs_currencies=usd``.

URL: ``https://api.coingecko.com/api/v3/simple/price`` (Demo/keyless) or
``https://pro-api.coingecko.com/api/v3/simple/price`` (Pro). Credential: optional;
sent as ``x-cg-demo-api-key`` or, on the pro host, ``x-cg-pro-api-key`` (the header
form CoinGecko recommends over the query string).

Symbols: CoinGecko coin ids (``bitcoin``, ``usd-coin``), typed in any case. The
published symbol is the id upper-cased (``BITCOIN``), or what ``options.symbol_map``
says (``{"bitcoin": "BTC-USD"}``). ``options.vs_currency`` (default ``usd``) is the
quote currency; it is published as the record's ``currency``.

Quirks:
- Many ids per request (chunks of 50 here); the answer is an object keyed by id.
- Unknown ids are silently left out (the answer can be ``{}``): when none of the
  asked ids came back that is a ``FeedError`` naming them; when some did, the
  others are logged and the known ones published.
- ``usd_24h_change`` is a percentage, and ``null`` when CoinGecko's price is stale;
  ``last_updated_at`` is epoch seconds.
- Errors: ``{"status": {"error_code": 429, "error_message": "..."}}`` (rate limit,
  with ``Retry-After``), ``{"status": {"error_code": 10002, ...}}`` (key problems),
  and ``{"error": "..."}`` for bad parameters.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from feeds.adapters.base import Adapter, FeedError, FeedSpec, ProviderRequest, ProviderResponse, check_status
from feeds.adapters.checks import (
    check_option_names,
    display_name,
    publish_symbol,
    require_http_url,
    require_symbols,
)
from feeds.schema import Record, make_quote

log = logging.getLogger(__name__)

IDS_PER_REQUEST = 50
VS_RE = re.compile(r"^[a-z0-9]{2,10}$")


def vs_currency(spec: FeedSpec) -> str:
    """The quote currency CoinGecko is asked for (``options.vs_currency``, default usd)."""
    vs = str(spec.options.get("vs_currency", "usd")).strip().lower()
    if not VS_RE.match(vs):
        raise FeedError(f"option vs_currency {vs[:20]!r} is not a currency code like usd", permanent=True)
    return vs


def requests(spec: FeedSpec) -> list[ProviderRequest]:
    ids = [s.lower() for s in spec.symbols]
    headers = {}
    if spec.credentials:
        pro = urlsplit(spec.url).netloc.startswith("pro-api.")
        headers = {"x-cg-pro-api-key" if pro else "x-cg-demo-api-key": spec.credentials}
    out = []
    for start in range(0, len(ids), IDS_PER_REQUEST):
        chunk = ",".join(ids[start : start + IDS_PER_REQUEST])
        params = {
            "ids": chunk,
            "vs_currencies": vs_currency(spec),
            "include_24hr_change": "true",
            "include_last_updated_at": "true",
        }
        out.append(ProviderRequest(url=spec.url, params=params, headers=headers, tag=chunk))
    return out


def validate(spec: FeedSpec) -> None:
    require_http_url(spec)
    check_option_names(spec, ("vs_currency",))
    vs_currency(spec)
    require_symbols(spec, "coingecko")


def parse(response: ProviderResponse, spec: FeedSpec) -> list[Record]:
    check_status(response, "coingecko")
    data = response.json()
    if not isinstance(data, dict):
        raise FeedError(f"coingecko: expected an object keyed by coin id, got {str(data)[:60]!r}")
    status = data.get("status")
    if isinstance(status, dict) and "error_code" in status:
        raise FeedError(f"coingecko error {status['error_code']}: {status.get('error_message', '')}"[:300])
    if isinstance(data.get("error"), str):
        raise FeedError(f"coingecko error: {data['error']}")
    asked = _asked_ids(response, spec)
    vs = vs_currency(spec)
    records: list[Record] = []
    missing: list[str] = []
    for coin in asked:
        entry = data.get(coin)
        if entry is None or (isinstance(entry, dict) and entry.get(vs) is None):
            missing.append(coin)
            continue
        if not isinstance(entry, dict):
            raise FeedError(f"coingecko: entry for {coin!r} is not an object: {str(entry)[:60]!r}")
        records.append(
            make_quote(
                symbol=publish_symbol(coin, spec),
                price=entry[vs],
                source=spec.name,
                ts=entry.get("last_updated_at"),
                change_pct=entry.get(f"{vs}_24h_change"),
                currency=vs.upper(),
                name=display_name(coin, spec),
            )
        )
    if not records:
        raise FeedError(f"coingecko has no {vs} price for {', '.join(missing)}: unknown coin id(s)?")
    if missing:
        log.warning("coingecko feed %s: no %s price for %s", spec.name, vs, ", ".join(missing))
    return records


def _asked_ids(response: ProviderResponse, spec: FeedSpec) -> list[str]:
    tag = response.request.tag if response.request else ""
    ids = tag.split(",") if tag else [s.lower() for s in spec.symbols]
    if not ids:
        raise FeedError("coingecko: the feed lists no coin ids")
    return ids


ADAPTER = Adapter(
    name="coingecko", label="CoinGecko", kind="quote", parse=parse, requests=requests, validate=validate
)
