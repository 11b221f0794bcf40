"""Viewer watchlists in the admin: read-only, for support ("what does this user see?")."""

from __future__ import annotations

from django.contrib import admin

from dashboard.models import Watchlist


@admin.register(Watchlist)
class WatchlistAdmin(admin.ModelAdmin):
    list_display = ("user", "size", "updated")
    search_fields = ("user__username",)
    readonly_fields = ("user", "symbols", "updated")

    @admin.display(description="symbols")
    def size(self, obj: Watchlist) -> int:
        return len(obj.symbols)

    def has_add_permission(self, request) -> bool:
        return False
