"""Feed admin: configure feeds and see their health at a glance."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from feeds.models import Feed, Visibility


class FeedForm(forms.ModelForm):
    """Credentials are write-only: never rendered back; left blank, the stored value stays."""

    credentials = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave blank to keep the stored key.",
    )

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

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("visibility") == Visibility.GROUPS and not cleaned.get("viewer_groups"):
            self.add_error("viewer_groups", "Choose at least one group, or another visibility.")
        return cleaned

    def clean_credentials(self) -> str:
        value = self.cleaned_data.get("credentials", "")
        if not value and self.instance.pk:
            return Feed.objects.get(pk=self.instance.pk).credentials
        return value


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    form = FeedForm
    list_display = (
        "name",
        "adapter",
        "state",
        "enabled",
        "interval",
        "last_success_at",
        "consecutive_failures",
        "last_latency_ms",
        "updates_published",
        "last_error",
    )
    list_filter = ("enabled", "adapter", "visibility")
    filter_horizontal = ("viewer_groups",)
    search_fields = ("name", "url", "symbols")
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

    @admin.display(description="state")
    def state(self, feed: Feed) -> str:
        return feed.state
