"""``manage.py addfeed``: add (or update) a feed from the command line."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from feeds.adapters import ADAPTERS
from feeds.models import Feed


class Command(BaseCommand):
    help = "Add or update a feed: addfeed NAME --adapter ADAPTER --url URL [--symbols A,B] [--interval S]"

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--adapter", required=True, choices=sorted(ADAPTERS))
        parser.add_argument("--url", required=True)
        parser.add_argument("--symbols", default="")
        parser.add_argument("--interval", type=float, default=2.0)
        parser.add_argument("--timeout", type=float, default=5.0)
        parser.add_argument("--credentials", default="", help="API key (prefer setting it in admin)")
        parser.add_argument("--disabled", action="store_true")

    def handle(self, *args, **opts) -> None:
        feed = Feed.objects.filter(name=opts["name"]).first() or Feed(name=opts["name"])
        feed.adapter, feed.url, feed.symbols = opts["adapter"], opts["url"], opts["symbols"]
        feed.interval, feed.timeout, feed.enabled = opts["interval"], opts["timeout"], not opts["disabled"]
        if opts["credentials"]:
            feed.credentials = opts["credentials"]
        try:
            feed.full_clean()
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        created = feed.pk is None
        feed.save()
        self.stdout.write(
            f"{'added' if created else 'updated'} feed {feed.name} ({feed.adapter}, {feed.url})"
        )
