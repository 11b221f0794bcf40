"""Operators' view of who is watching: viewer counts per symbol across all web processes."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from dashboard import viewers
from feeds.models import Feed


def viewers_view(request: HttpRequest) -> HttpResponse:
    """``/admin/viewers/`` (staff only): a table, or JSON with ``?format=json``."""
    report = viewers.read()
    if request.GET.get("format") == "json":
        return JsonResponse({**asdict(report), "connections": report.connections})
    feed_of = {s: f.name for f in Feed.objects.only("name", "symbols") for s in f.symbol_list}
    rows = sorted(report.symbols.items(), key=lambda kv: (-kv[1], kv[0]))
    context = {
        **admin.site.each_context(request),
        "title": "Viewers",
        "rows": [(sym, n, feed_of.get(sym, "")) for sym, n in rows],
        "report": report,
        "ttl_s": viewers.ttl_s(),
    }
    return render(request, "admin/dashboard/viewers.html", context)


viewers_admin_view = admin.site.admin_view(viewers_view)
