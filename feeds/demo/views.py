"""HTTP face of the demo upstream: Binance's ticker endpoints and ESPN's scoreboard.

Plain sync views that depend on nothing else of the project. ``clock`` is the time source,
a module attribute so tests can pin it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from feeds.demo import binance, espn
from feeds.demo.sports import UnknownLeague

clock: Callable[[], float] = time.time

_COMPACT = {"separators": (",", ":")}
_NO_STORE = {"Cache-Control": "no-store"}


@require_safe
def ticker_price(request: HttpRequest) -> JsonResponse:
    """``GET api/v3/ticker/price[?symbol=X | ?symbols=["X","Y"]]``."""
    return _binance(request, binance.price_item)


@require_safe
def ticker_24hr(request: HttpRequest) -> JsonResponse:
    """``GET api/v3/ticker/24hr[?symbol=X | ?symbols=["X","Y"]]``."""
    return _binance(request, binance.ticker_24hr_item)


@require_safe
def scoreboard(request: HttpRequest, sport: str, league: str) -> JsonResponse:
    """``GET apis/site/v2/sports/<sport>/<league>/scoreboard``; 404 JSON for a league not simulated."""
    try:
        body = espn.scoreboard(sport, league, clock())
    except UnknownLeague as exc:
        return _json({"code": 404, "message": str(exc)}, status=404)
    return _json(body)


def _binance(request: HttpRequest, item: Callable[[str, float], dict]) -> JsonResponse:
    try:
        symbols, single = binance.select(request.GET.get("symbol"), request.GET.get("symbols"))
    except binance.BinanceError as exc:
        return _json(exc.body, status=exc.status)
    now = clock()
    items = [item(symbol, now) for symbol in symbols]
    return _json(items[0] if single else items)


def _json(body: dict | list, status: int = 200) -> JsonResponse:
    """Compact JSON, like the real upstreams, never cached: every poll must see the live value."""
    return JsonResponse(body, status=status, safe=False, json_dumps_params=_COMPACT, headers=_NO_STORE)
