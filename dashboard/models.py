"""What the dashboard keeps per viewer: a signed-in user's watchlist.

The browser keeps its own copy in localStorage; this one lets the same list follow the
user to another browser or device. The logic lives in ``dashboard.watchlists``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Watchlist(models.Model):
    """One ordered list of symbols per user; the order is the user's row order."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watchlist")
    symbols = models.JSONField(default=list, help_text="Symbols in the user's row order.")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "viewer watchlist"

    def __str__(self) -> str:
        return f"{self.user}: {len(self.symbols)} symbols"
