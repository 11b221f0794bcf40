"""The page and the JSON APIs it reads and writes."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import csrf
from django.views.decorators.http import require_http_methods

from dashboard.access import json_error, login_required_if_configured, request_viewer
from dashboard.hub import get_hub
from dashboard.watchlists import WatchlistError, parse_symbols, save_watchlist, saved_watchlist
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
        return json_error(400, "bad_request", "not a valid symbol")
    try:
        limit = max(1, min(HISTORY_MAX, int(request.GET.get("limit", settings.TICKER_HISTORY_LEN))))
    except ValueError:
        return json_error(400, "bad_request", "limit must be an integer")
    entry = (await (await get_hub()).catalog.lookup([symbol])).get(symbol)
    if entry is None:
        return json_error(404, "unknown_symbol", "no enabled feed provides it")
    if not may_see(entry, await request_viewer(request)):
        return json_error(403, "forbidden", "you may not see this symbol")
    updates = await get_store().history(symbol, limit)
    return JsonResponse({"symbol": symbol, "updates": updates})


@require_http_methods(["GET", "PUT"])
async def api_watchlist(request: HttpRequest) -> JsonResponse:
    """GET: the signed-in user's saved list (``symbols`` is null until first saved).
    PUT ``{"symbols": [...]}``: replace it. Session auth; PUT needs the CSRF header."""
    user = await request.auser()
    if not user.is_authenticated:
        return json_error(403, "forbidden", "sign in to keep a watchlist on the server")
    if request.method == "GET":
        symbols, updated = await saved_watchlist(user)
    else:
        try:
            body = json.loads(request.body)
        except ValueError:
            return json_error(400, "bad_request", "the body is not JSON")
        try:
            symbols = parse_symbols(body)
        except WatchlistError as exc:
            return json_error(400, "bad_request", str(exc))
        updated = await save_watchlist(user, symbols)
    return JsonResponse({"symbols": symbols, "updated": updated.isoformat() if updated else None})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """JSON for the APIs, so the page can say why a save was refused; Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return json_error(403, "csrf_failed", f"CSRF check failed ({reason}); reload the page")
    return csrf.csrf_failure(request, reason)
