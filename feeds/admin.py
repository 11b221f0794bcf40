"""Feed admin: configure feeds, see their health at a glance, and act on them.

Actions: enable, disable, poll now, test feed. "Poll now" runs a real poll in the
admin request itself (``feed_poll`` then ``poll_result_publish``), in the embedded
and the Celery shape alike, so the operator sees its outcome in the reply rather
than enqueueing ``workers.tasks.poll_feed`` and guessing; the poll's lease keeps it
from overlapping a scheduled one. "Test feed" fetches once and shows the
normalized records, or the error, without committing or publishing anything.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from feeds.admin_actions import feeds_poll_now, feeds_test
from feeds.models import Feed, Visibility

STATE_COLORS = {"ok": "#1a7f37", "degraded": "#b35900", "failing": "#cf222e", "disabled": "#6e7781"}


def span(delta: timedelta) -> str:
    """A duration at a glance, to the second when it is short: ``4 s``, ``12 min``, ``3 h``, ``2 d``."""
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


class FeedForm(forms.ModelForm):
    """Credentials are write-only: never rendered back; left blank, the stored value stays."""

    credentials = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave blank to keep the stored key.",
    )
    visibility = forms.ChoiceField(choices=Visibility.choices, required=False, initial=Visibility.PUBLIC)

    class Meta:
        model = Feed
        fields = (
            "name",
            "adapter",
            "url",
            "symbols",
            "options",
            "credentials",
            "enabled",
            "visibility",
            "viewer_groups",
            "interval",
            "timeout",
        )

    def clean_visibility(self) -> str:
        """A form posted without it (a script) keeps the feed's visibility; a new feed is public."""
        return self.cleaned_data.get("visibility") or (
            self.instance.visibility if self.instance.pk else Visibility.PUBLIC
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("visibility") == Visibility.GROUPS and not cleaned.get("viewer_groups"):
            self.add_error("viewer_groups", "Choose at least one group, or another visibility.")
        return cleaned

    def clean_credentials(self) -> str:
        value = self.cleaned_data.get("credentials", "")
        if not value and self.instance.pk:
            return self.instance.credentials  # the stored one: the form fills the instance after cleaning
        return value


class StateFilter(admin.SimpleListFilter):
    """Filter by the derived ``Feed.state`` (one definition of health: the model's)."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(state, state) for state in STATE_COLORS]

    def queryset(self, request, queryset):
        if self.value() not in STATE_COLORS:
            return queryset
        ids = [feed.pk for feed in queryset if feed.state == self.value()]
        return queryset.filter(pk__in=ids)


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    form = FeedForm
    change_form_template = "admin/feeds/feed/change_form.html"
    list_display = (
        "name",
        "adapter_name",
        "state_badge",
        "last_success",
        "last_error_short",
        "failures",
        "latency",
        "next_poll",
        "updates",
        "test_link",
    )
    list_filter = (StateFilter, "adapter", "enabled", "visibility")
    filter_horizontal = ("viewer_groups",)
    search_fields = ("name", "url", "symbols")
    actions = ("enable_feeds", "disable_feeds", "poll_now", "test_feeds")
    readonly_fields = (
        "last_poll_at",
        "last_success_at",
        "last_error",
        "last_error_at",
        "consecutive_failures",
        "last_latency_ms",
        "updates_published",
        "next_poll_at",
    )
    fieldsets = (
        (None, {"fields": ("name", "adapter", "url", "symbols", "options", "credentials", "enabled")}),
        ("Who may see it", {"fields": ("visibility", "viewer_groups")}),
        ("Polling", {"fields": ("interval", "timeout")}),
        ("Health", {"fields": readonly_fields}),
    )

    def get_fieldsets(self, request, obj=None):
        """No health to show before the feed exists."""
        return self.fieldsets if obj else self.fieldsets[:-1]

    # --- health at a glance ------------------------------------------------------------

    @admin.display(description="state")
    def state_badge(self, feed: Feed) -> str:
        state = feed.state
        return format_html(
            '<span class="feed-state feed-state-{}" style="color:#fff;background:{};padding:1px 7px;'
            'border-radius:8px;font-weight:600">{}</span>',
            state,
            STATE_COLORS[state],
            state,
        )

    @admin.display(description="adapter", ordering="adapter")
    def adapter_name(self, feed: Feed) -> str:
        return feed.adapter

    @admin.display(description="last success", ordering="last_success_at")
    def last_success(self, feed: Feed) -> str:
        return f"{span(timezone.now() - feed.last_success_at)} ago" if feed.last_success_at else "never"

    @admin.display(description="last error")
    def last_error_short(self, feed: Feed) -> str:
        if not feed.last_error:
            return "—"
        when = f"{span(timezone.now() - feed.last_error_at)} ago: " if feed.last_error_at else ""
        text = feed.last_error if len(feed.last_error) <= 90 else feed.last_error[:89] + "…"
        return format_html('<span title="{}">{}{}</span>', feed.last_error, when, text)

    @admin.display(description="failures", ordering="consecutive_failures")
    def failures(self, feed: Feed) -> int:
        return feed.consecutive_failures

    @admin.display(description="updates", ordering="updates_published")
    def updates(self, feed: Feed) -> int:
        return feed.updates_published

    @admin.display(description="latency", ordering="last_latency_ms")
    def latency(self, feed: Feed) -> str:
        return "—" if feed.last_latency_ms is None else f"{feed.last_latency_ms} ms"

    @admin.display(description="next poll", ordering="next_poll_at")
    def next_poll(self, feed: Feed) -> str:
        if not feed.enabled:
            return "—"
        now = timezone.now()
        if feed.next_poll_at is None or feed.next_poll_at <= now:
            return "due"
        return f"in {span(feed.next_poll_at - now)}"

    @admin.display(description="")
    def test_link(self, feed: Feed) -> str:
        return format_html('<a href="{}">test</a>', reverse("admin:feeds_feed_test", args=[feed.pk]))

    # --- actions -----------------------------------------------------------------------

    @admin.action(description="Enable selected feeds (poll now, then on their interval)")
    def enable_feeds(self, request: HttpRequest, queryset: QuerySet[Feed]) -> None:
        n = queryset.update(enabled=True, next_poll_at=None)
        self.message_user(request, f"Enabled {n} feed(s).", messages.SUCCESS)

    @admin.action(description="Disable selected feeds")
    def disable_feeds(self, request: HttpRequest, queryset: QuerySet[Feed]) -> None:
        n = queryset.update(enabled=False)
        self.message_user(request, f"Disabled {n} feed(s).", messages.SUCCESS)

    @admin.action(description="Poll selected feeds now (and publish)")
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Feed]) -> None:
        for level, text in feeds_poll_now(queryset):
            self.message_user(request, text, level)

    @admin.action(description="Test selected feeds (fetch and show, publish nothing)")
    def test_feeds(self, request: HttpRequest, queryset: QuerySet[Feed]) -> HttpResponse:
        return self._test_response(request, list(queryset))

    # --- the test page -----------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view(self.test_view)
        return [path("<path:object_id>/test/", view, name="feeds_feed_test"), *super().get_urls()]

    def test_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        feed = get_object_or_404(Feed, pk=object_id)
        if not self.has_view_permission(request, feed):
            return HttpResponse(status=403)
        return self._test_response(request, [feed])

    def _test_response(self, request: HttpRequest, feeds: list[Feed]) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Test feed" if len(feeds) == 1 else f"Test {len(feeds)} feeds",
            "results": feeds_test(feeds),
        }
        return TemplateResponse(request, "admin/feeds/feed/test_feed.html", context)
