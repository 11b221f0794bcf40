"""Reads over feeds: the symbol catalog viewers may subscribe to."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.conf import settings

from feeds.models import Feed
from feeds.store import get_store


def _enabled_feeds() -> list[Feed]:
    return list(
        Feed.objects.filter(enabled=True).only(
            "name",
            "adapter",
            "symbols",
            "options",
            "enabled",
            "consecutive_failures",
            "last_success_at",
            "last_poll_at",
            "interval",
        )
    )


async def symbol_catalog() -> dict[str, dict]:
    """Every symbol an enabled feed provides: ``{symbol: {name, kind, feed, state}}``.

    Quote feeds list their symbols; score feeds' symbols (one per game) are known
    from what they published within ``TICKER_SYMBOL_RETENTION_S`` (finished games leave). A symbol's ``state`` is ``stale`` when its feed is.
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
        entry["state"] = "stale" if feeds[entry["feed"]].consecutive_failures >= 2 else "live"
    return catalog
