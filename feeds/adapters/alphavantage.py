"""Alpha Vantage quote endpoint: ``GET /query?function=GLOBAL_QUOTE&symbol=IBM&apikey=KEY``.

URL: ``https://www.alphavantage.co/query``. Symbols: Alpha Vantage tickers
(``IBM``, ``TSCO.LON``). Credential: the API key, which Alpha Vantage only takes
as the ``apikey`` query parameter (so it is in the request URL: the poller must
not log URLs of this feed unredacted). ``options.entitlement`` (``realtime`` or
``delayed``) is passed through for premium keys.

Quirks:
- One request per symbol. Every value is a string under numbered keys
  (``"05. price"``); ``"10. change percent"`` ends in ``%``.
- ``"07. latest trading day"`` is a date only, so the poll time is the ``ts``.
- Errors arrive with HTTP 200:
  ``{"Error Message": ...}`` (bad symbol, function or key: permanent);
  ``{"Note": ...}`` or ``{"Information": ...}`` for rate limits (per minute, or 25
  a day on free keys) -> ``retry_after`` 60 s when the text names a per-minute or
  per-second limit, else 3600 s (the daily quota). The same keys also carry
  "demo API key" and "premium endpoint" refusals, which are permanent.
  Some rate-limit texts quote the caller's API key; the adapter contract blanks it.
- An unknown symbol is ``{"Global Quote": {}}``: a ``FeedError`` naming it.
"""

from __future__ import annotations

import re

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
from feeds.schema import Record, make_quote

FIELDS = {
    "open": "02. open",
    "high": "03. high",
    "low": "04. low",
    "volume": "06. volume",
    "prev_close": "08. previous close",
    "change": "09. change",
}
RATE_LIMIT_RE = re.compile(r"rate limit|call frequency|calls per|requests per|sparingly", re.I)
PER_MINUTE_RE = re.compile(r"per minute|per second|sparingly", re.I)
ENTITLEMENTS = ("realtime", "delayed")


def requests(spec: FeedSpec) -> list[ProviderRequest]:
    base = {"function": "GLOBAL_QUOTE", "apikey": spec.credentials}
    if spec.options.get("entitlement"):
        base["entitlement"] = str(spec.options["entitlement"])
    return [ProviderRequest(url=spec.url, params={**base, "symbol": s}, tag=s) for s in spec.symbols]


def validate(spec: FeedSpec) -> None:
    require_http_url(spec)
    check_option_names(spec, ("entitlement",))
    if spec.options.get("entitlement") not in (None, *ENTITLEMENTS):
        raise FeedError(f"option entitlement must be one of {', '.join(ENTITLEMENTS)}", permanent=True)
    require_symbols(spec, "alphavantage")
    require_credentials(spec, "alphavantage")


def parse(response: ProviderResponse, spec: FeedSpec) -> list[Record]:
    check_status(response, "alphavantage")
    symbol = request_tag(response.request, spec, "alphavantage")
    data = response.json()
    if not isinstance(data, dict):
        raise FeedError(f"alphavantage: expected an object for {symbol}, got {str(data)[:60]!r}")
    _raise_for_notice(data, symbol)
    quote = data.get("Global Quote")
    if not isinstance(quote, dict):
        raise FeedError(f"alphavantage: no 'Global Quote' in the answer for {symbol}: {str(data)[:60]!r}")
    if not quote:
        raise FeedError(f"alphavantage has no quote for {symbol}: unknown symbol (empty Global Quote)")
    if "05. price" not in quote:
        raise FeedError(f"alphavantage: Global Quote for {symbol} has no '05. price'")
    change_pct = quote.get("10. change percent")
    if isinstance(change_pct, str):
        change_pct = change_pct.strip().removesuffix("%")
    return [
        make_quote(
            symbol=publish_symbol(symbol, spec),
            price=quote["05. price"],
            source=spec.name,
            change_pct=change_pct,
            name=display_name(symbol, spec),
            **{field: quote.get(key) for field, key in FIELDS.items()},
        )
    ]


def _raise_for_notice(data: dict, symbol: str) -> None:
    """Alpha Vantage's HTTP-200 error bodies, classified."""
    if isinstance(data.get("Error Message"), str):
        raise FeedError(f"alphavantage error for {symbol}: {data['Error Message']}", permanent=True)
    for key in ("Note", "Information"):
        text = data.get(key)
        if not isinstance(text, str):
            continue
        if RATE_LIMIT_RE.search(text):
            wait = 60.0 if PER_MINUTE_RE.search(text) else 3600.0
            raise FeedError(f"alphavantage rate limit: {text}", retry_after=wait)
        raise FeedError(f"alphavantage refused {symbol}: {text}", permanent=True)


ADAPTER = Adapter(
    name="alphavantage",
    label="Alpha Vantage GLOBAL_QUOTE",
    kind="quote",
    parse=parse,
    requests=requests,
    validate=validate,
)
