"""The page and the JSON APIs it reads."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from dashboard.hub import get_hub
from feeds.schema import SYMBOL_RE
from feeds.store import get_store

HISTORY_MAX = 1000


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/index.html", {"ws_path": "/ws/ticker/"})


async def api_symbols(request: HttpRequest) -> JsonResponse:
    hub = await get_hub()
    entries = await hub.catalog.entries()
    return JsonResponse({"symbols": sorted(entries.values(), key=lambda e: (e["kind"], e["symbol"]))})


async def api_history(request: HttpRequest, symbol: str) -> JsonResponse:
    symbol = symbol.upper()
    if not SYMBOL_RE.match(symbol):
        return JsonResponse({"error": "bad_request", "message": "not a valid symbol"}, status=400)
    try:
        limit = max(1, min(HISTORY_MAX, int(request.GET.get("limit", settings.TICKER_HISTORY_LEN))))
    except ValueError:
        return JsonResponse({"error": "bad_request", "message": "limit must be an integer"}, status=400)
    updates = await get_store().history(symbol, limit)
    return JsonResponse({"symbol": symbol, "updates": updates})
