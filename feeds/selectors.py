"""Reads over feeds: the symbol catalog, and which of it a viewer may see.

A feed's ``visibility`` decides who sees its symbols: everyone, signed-in users, or
members of its ``viewer_groups`` (superusers see everything). The same rule filters
the catalog (/api/symbols), history and the socket, so a viewer never learns a value
of a feed it may not see.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings

from feeds.models import Feed, Visibility
from feeds.services import STALE_AFTER_FAILURES
from feeds.store import get_store

PUBLIC_FIELDS = ("symbol", "name", "kind", "feed", "state")


@dataclass(frozen=True)
class Viewer:
    """Who is looking: resolved once per request or socket."""

    authenticated: bool = False
    superuser: bool = False
    groups: frozenset[int] = frozenset()


ANONYMOUS = Viewer()


def may_see(entry: Mapping, viewer: Viewer) -> bool:
    """Whether ``viewer`` may see a catalog entry (its ``visibility`` and ``groups``)."""
    visibility = entry.get("visibility", Visibility.PUBLIC)
    if visibility == Visibility.PUBLIC or viewer.superuser:
        return True
    if visibility == Visibility.SIGNED_IN:
        return viewer.authenticated
    return viewer.authenticated and not viewer.groups.isdisjoint(entry.get("groups", ()))


def visible_catalog(entries: Mapping[str, Mapping], viewer: Viewer) -> list[dict]:
    """The catalog as ``viewer`` sees it, public fields only, sorted by kind then symbol."""
    rows = [{k: e[k] for k in PUBLIC_FIELDS} for e in entries.values() if may_see(e, viewer)]
    return sorted(rows, key=lambda e: (e["kind"], e["symbol"]))


def split_visible(
    symbols: Iterable[str], entries: Mapping[str, Mapping], viewer: Viewer
) -> tuple[list[str], list[str], list[str]]:
    """``(visible, forbidden, unknown)`` for symbols in request order."""
    visible: list[str] = []
    forbidden: list[str] = []
    unknown: list[str] = []
    for s in symbols:
        entry = entries.get(s)
        if entry is None:
            unknown.append(s)
        else:
            (visible if may_see(entry, viewer) else forbidden).append(s)
    return visible, forbidden, unknown


def feed_state(feed: Feed) -> str:
    """``stale`` while a feed's values can no longer be trusted as live: failing, or not polled."""
    return "stale" if feed.consecutive_failures >= STALE_AFTER_FAILURES or feed.is_stale() else "live"


def _enabled_feeds() -> list[Feed]:
    return list(
        Feed.objects.filter(enabled=True)
        .only(
            "name",
            "adapter",
            "symbols",
            "options",
            "enabled",
            "visibility",
            "consecutive_failures",
            "last_success_at",
            "last_poll_at",
            "interval",
        )
        .prefetch_related("viewer_groups")
    )


async def symbol_catalog() -> dict[str, dict]:
    """Every symbol an enabled feed provides: ``{symbol: {name, kind, feed, state, visibility, groups}}``.

    Quote feeds list their symbols; score feeds' symbols (one per game) are known
    from what they published within ``TICKER_SYMBOL_RETENTION_S`` (finished games leave).
    A symbol's ``state`` is its feed's (``feed_state``). ``visibility`` and ``groups`` are
    for ``may_see``; only ``PUBLIC_FIELDS`` leave the server.
    """
    feeds = {f.name: f for f in await sync_to_async(_enabled_feeds)()}
    catalog: dict[str, dict] = {}
    for sym, meta in (await get_store().symbols(max_age=settings.TICKER_SYMBOL_RETENTION_S)).items():
        feed = feeds.get(meta.get("feed", ""))
        if feed is not None:
            catalog[sym] = {
                "symbol": sym,
                "name": meta.get("name", ""),
                "kind": meta["kind"],
                "feed": feed.name,
            }
    for feed in feeds.values():
        names = (feed.options or {}).get("names", {}) if isinstance(feed.options, dict) else {}
        for sym in feed.symbol_list:
            entry = catalog.setdefault(sym, {"symbol": sym, "name": "", "kind": "quote", "feed": feed.name})
            entry["name"] = entry["name"] or str(names.get(sym, ""))
    for entry in catalog.values():
        feed = feeds[entry["feed"]]
        entry["state"] = feed_state(feed)
        entry["visibility"] = feed.visibility
        entry["groups"] = frozenset(g.pk for g in feed.viewer_groups.all())
    return catalog
