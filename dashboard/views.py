"""The page and the JSON APIs it reads."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from dashboard.access import login_required_if_configured, request_viewer
from dashboard.hub import get_hub
from feeds.schema import SYMBOL_RE
from feeds.selectors import may_see, visible_catalog
from feeds.store import get_store

HISTORY_MAX = 1000


@login_required_if_configured(api=False)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/index.html", {"ws_path": "/ws/ticker/"})


@login_required_if_configured(api=True)
async def api_symbols(request: HttpRequest) -> JsonResponse:
    hub = await get_hub()
    entries = await hub.catalog.entries()
    return JsonResponse({"symbols": visible_catalog(entries, await request_viewer(request))})


@login_required_if_configured(api=True)
async def api_history(request: HttpRequest, symbol: str) -> JsonResponse:
    symbol = symbol.upper()
    if not SYMBOL_RE.match(symbol):
        return JsonResponse({"error": "bad_request", "message": "not a valid symbol"}, status=400)
    try:
        limit = max(1, min(HISTORY_MAX, int(request.GET.get("limit", settings.TICKER_HISTORY_LEN))))
    except ValueError:
        return JsonResponse({"error": "bad_request", "message": "limit must be an integer"}, status=400)
    entry = (await (await get_hub()).catalog.lookup([symbol])).get(symbol)
    if entry is None:
        return JsonResponse({"error": "unknown_symbol", "message": "no enabled feed provides it"}, status=404)
    if not may_see(entry, await request_viewer(request)):
        return JsonResponse({"error": "forbidden", "message": "you may not see this symbol"}, status=403)
    updates = await get_store().history(symbol, limit)
    return JsonResponse({"symbol": symbol, "updates": updates})
