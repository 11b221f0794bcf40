"""The feed an operator configures, and the health its polls write back."""

from __future__ import annotations

import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from feeds.adapters import adapter_choices, get_adapter
from feeds.adapters.base import FeedError, FeedSpec


def parse_symbols(text: str) -> list[str]:
    """Symbols as operators type them: commas, spaces or new lines; upper-cased, de-duplicated."""
    seen: dict[str, None] = {}
    for part in re.split(r"[\s,;]+", text or ""):
        if part:
            seen.setdefault(part.strip().upper(), None)
    return list(seen)


class Visibility(models.TextChoices):
    """Who may see a feed's symbols: in the catalog, on the socket, in history."""

    PUBLIC = "public", "Everyone"
    SIGNED_IN = "signed_in", "Signed-in users"
    GROUPS = "groups", "Members of the chosen groups"


class Feed(models.Model):
    """One provider endpoint polled on an interval.

    Health fields are written by polls only; ``state`` is derived from them.
    """

    name = models.SlugField(max_length=60, unique=True)
    adapter = models.CharField(max_length=40, choices=adapter_choices)
    url = models.URLField(max_length=500)
    symbols = models.TextField(blank=True, help_text="Symbols for quote feeds: comma or space separated.")
    options = models.JSONField(
        default=dict, blank=True, help_text="Adapter settings (e.g. the json field map)."
    )
    credentials = models.CharField(
        max_length=500, blank=True, help_text="API key; never shown back, never logged."
    )
    interval = models.FloatField(default=2.0, validators=[MinValueValidator(0.5)], help_text="Seconds.")
    timeout = models.FloatField(default=5.0, validators=[MinValueValidator(0.1)], help_text="Seconds.")
    enabled = models.BooleanField(default=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    viewer_groups = models.ManyToManyField(
        "auth.Group",
        blank=True,
        related_name="visible_feeds",
        help_text="With visibility 'members of the chosen groups': who may see this feed.",
    )

    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    updates_published = models.PositiveBigIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def symbol_list(self) -> list[str]:
        return parse_symbols(self.symbols)

    def spec(self) -> FeedSpec:
        """What the adapter sees of this feed."""
        return FeedSpec(
            name=self.name,
            url=self.url,
            symbols=tuple(self.symbol_list),
            options=self.options or {},
            credentials=self.credentials,
        )

    @property
    def state(self) -> str:
        """ok / degraded / failing / disabled, at a glance."""
        if not self.enabled:
            return "disabled"
        if self.consecutive_failures >= 3:
            return "failing"
        if self.consecutive_failures or self.is_stale():
            return "degraded"
        return "ok"

    def is_stale(self, now=None) -> bool:
        """No success for several intervals: its symbols' values can no longer be trusted as live."""
        if not self.enabled:
            return True
        if self.last_success_at is None:
            return self.last_poll_at is not None
        now = now or timezone.now()
        return now - self.last_success_at > timedelta(seconds=max(10.0, 5 * self.interval))

    def clean(self) -> None:
        try:
            adapter = get_adapter(self.adapter)
        except KeyError as exc:
            raise ValidationError({"adapter": str(exc)}) from None
        try:
            adapter.validate(self.spec())
        except FeedError as exc:
            raise ValidationError({"options": exc.message}) from None
