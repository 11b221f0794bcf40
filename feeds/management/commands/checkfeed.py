"""``manage.py checkfeed``: try a provider before adding it as a feed.

Fetches once (or parses a saved response file) through the same service as the
admin's "test feed" and prints each normalized record as one JSON line with the
schema's field names. Nothing is stored or published. A feed error goes to
stderr and the exit status is 1.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from feeds.adapters import ADAPTERS, get_adapter
from feeds.adapters.base import FeedError, FeedSpec, redact
from feeds.models import parse_symbols
from feeds.services import spec_fetch, spec_parse_payload


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a probe: its output is the records, nothing else
    help = (
        "Fetch a provider once (or parse a saved response) and print each normalized record as a "
        "JSON line; exit 1 with the error on stderr if it fails. Adapters: " + ", ".join(sorted(ADAPTERS))
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--adapter", required=True, help="adapter name (see the list above)")
        parser.add_argument("--url", default="", help="the provider endpoint to fetch")
        parser.add_argument(
            "--payload", help="parse this saved response file instead of fetching ('-': stdin)"
        )
        parser.add_argument("--status", type=int, default=200, help="HTTP status of the saved response")
        parser.add_argument("--symbols", default="", help="comma or space separated provider symbols")
        parser.add_argument("--options", default="{}", help="adapter settings as a JSON object")
        parser.add_argument("--credentials", default="", help="API key, sent as the provider expects")
        parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
        parser.add_argument("--name", default="checkfeed", help="feed name (the records' source)")

    def handle(self, *args, **opts) -> None:
        try:
            get_adapter(opts["adapter"])
        except KeyError as exc:
            raise CommandError(exc.args[0]) from None
        spec = FeedSpec(
            name=opts["name"],
            url=opts["url"],
            symbols=tuple(parse_symbols(opts["symbols"])),
            options=self._options(opts["options"]),
            credentials=opts["credentials"],
        )
        try:
            if opts["payload"]:
                records = spec_parse_payload(
                    adapter=opts["adapter"],
                    spec=spec,
                    body=self._payload(opts["payload"]),
                    status=opts["status"],
                )
            else:
                if not spec.url:
                    raise CommandError("give --url to fetch, or --payload to parse a saved response")
                get_adapter(opts["adapter"]).validate(spec)
                records = spec_fetch(
                    adapter=opts["adapter"], spec=spec, timeout=opts["timeout"], budget=opts["timeout"]
                ).records
        except FeedError as exc:
            raise CommandError(redact(exc.message, spec.credentials)) from None
        for record in records:
            self.stdout.write(json.dumps(record, ensure_ascii=False))
        if opts["verbosity"] > 1:
            self.stderr.write(f"{len(records)} record(s)")

    @staticmethod
    def _options(text: str) -> dict:
        try:
            options = json.loads(text)
        except ValueError as exc:
            raise CommandError(f"--options is not valid JSON: {exc}") from None
        if not isinstance(options, dict):
            raise CommandError("--options must be a JSON object")
        return options

    @staticmethod
    def _payload(path: str) -> bytes:
        if path == "-":
            return sys.stdin.buffer.read()
        try:
            with open(path, "rb") as fh:
                return fh.read()
        except OSError as exc:
            raise CommandError(f"cannot read --payload {path}: {exc.strerror}") from None
