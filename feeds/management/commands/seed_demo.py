"""``manage.py seed_demo``: create the demo feeds that poll Ticker's own simulated upstream.

Idempotent: run on every start by ``make run``; an operator's edits to a demo feed
(interval, enabled) are kept. ``TICKER_DEMO_UPSTREAM`` says where the upstream is.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from feeds.adapters import ADAPTERS
from feeds.demo.leagues import LEAGUES
from feeds.demo.market import DEMO_SYMBOLS
from feeds.models import Feed


def demo_feeds(base: str) -> list[dict]:
    """The demo feed rows: the market through ``binance``, each league through ``espn``."""
    feeds = [
        {
            "name": "demo-market",
            "adapter": "binance",
            "url": f"{base}/api/v3/ticker/24hr",
            "symbols": ",".join(DEMO_SYMBOLS),
            "interval": 1.0,
            "options": {"names": dict(DEMO_SYMBOLS)},
        }
    ]
    if "espn" in ADAPTERS:
        feeds += [
            {
                "name": f"demo-{league.slug.replace('.', '-')}",
                "adapter": "espn",
                "url": f"{base}/apis/site/v2/sports/{league.sport}/{league.slug}/scoreboard",
                "symbols": "",
                "interval": 2.0,
                "options": {},
            }
            for league in LEAGUES.values()
        ]
    return feeds


class Command(BaseCommand):
    help = "Create the demo feeds (simulated market and games served by Ticker under /demo/)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--upstream", default=settings.TICKER_DEMO_UPSTREAM)

    def handle(self, *args, **opts) -> None:
        base = opts["upstream"].rstrip("/")
        for row in demo_feeds(base):
            name = row.pop("name")
            feed, created = Feed.objects.get_or_create(name=name, defaults=row)
            if not created and (feed.url != row["url"] or feed.symbols != row["symbols"]):
                feed.url, feed.symbols, feed.options = row["url"], row["symbols"], row["options"]
                feed.save(update_fields=["url", "symbols", "options"])
            self.stdout.write(f"{'created' if created else 'kept'} demo feed {name}: {feed.url}")
