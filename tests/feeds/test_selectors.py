"""The catalog and who may see what of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group
from django.db import connections
from django.utils import timezone

from feeds import store
from feeds.models import Feed
from feeds.schema import make_score
from feeds.selectors import (
    ANONYMOUS,
    PUBLIC_FIELDS,
    Viewer,
    may_see,
    split_visible,
    symbol_catalog,
    visible_catalog,
)

MEMBER = Viewer(authenticated=True, groups=frozenset({1}))
OUTSIDER = Viewer(authenticated=True, groups=frozenset({2}))
ROOT = Viewer(authenticated=True, superuser=True)


@pytest.mark.parametrize(
    ("entry", "anonymous", "signed_in", "member", "root"),
    [
        ({"visibility": "public"}, True, True, True, True),
        ({}, True, True, True, True),
        ({"visibility": "signed_in"}, False, True, True, True),
        ({"visibility": "groups", "groups": frozenset({1})}, False, False, True, True),
        ({"visibility": "groups", "groups": frozenset()}, False, False, False, True),
    ],
)
def test_who_may_see_an_entry(entry, anonymous, signed_in, member, root):
    assert [may_see(entry, v) for v in (ANONYMOUS, OUTSIDER, MEMBER, ROOT)] == [
        anonymous,
        signed_in,
        member,
        root,
    ]


def test_visible_catalog_filters_and_shows_public_fields_only():
    entries = {
        "B": {
            "symbol": "B",
            "name": "",
            "kind": "quote",
            "feed": "f",
            "state": "live",
            "visibility": "public",
            "groups": frozenset(),
        },
        "A": {
            "symbol": "A",
            "name": "",
            "kind": "quote",
            "feed": "g",
            "state": "live",
            "visibility": "signed_in",
            "groups": frozenset(),
        },
    }
    assert [e["symbol"] for e in visible_catalog(entries, ANONYMOUS)] == ["B"]
    rows = visible_catalog(entries, OUTSIDER)
    assert [e["symbol"] for e in rows] == ["A", "B"] and all(set(e) == set(PUBLIC_FIELDS) for e in rows)
    assert split_visible(["A", "B", "C"], entries, ANONYMOUS) == (["B"], ["A"], ["C"])


@pytest.fixture
async def fresh_store():
    store.get_store.cache_clear()
    yield store.get_store()
    store.get_store.cache_clear()
    await sync_to_async(connections.close_all)()  # the thread the catalog queried from


@pytest.mark.django_db(transaction=True)
async def test_catalog_carries_state_and_visibility_from_the_feeds(fresh_store):
    def setup() -> None:
        vip = Group.objects.create(name="vip")
        now = timezone.now()
        Feed.objects.create(
            name="ok",
            adapter="binance",
            url="http://x/",
            symbols="AAPL",
            last_success_at=now,
            last_poll_at=now,
        )
        Feed.objects.create(
            name="failing", adapter="binance", url="http://x/", symbols="BAD", consecutive_failures=2
        )
        Feed.objects.create(
            name="silent",
            adapter="binance",
            url="http://x/",
            symbols="OLD",
            interval=1.0,
            last_success_at=now - timedelta(seconds=30),
            last_poll_at=now - timedelta(seconds=30),
        )
        Feed.objects.create(name="off", adapter="binance", url="http://x/", symbols="GONE", enabled=False)
        f = Feed.objects.create(name="scores", adapter="binance", url="http://x/", visibility="groups")
        f.viewer_groups.add(vip)

    await sync_to_async(setup)()
    fresh_store.commit(
        [
            make_score(
                symbol="NBA-1",
                source="scores",
                league="NBA",
                home="A",
                away="B",
                home_score=1,
                away_score=2,
                status="in",
            )
        ]
    )
    catalog = await symbol_catalog()
    assert {s: e["state"] for s, e in catalog.items()} == {
        "AAPL": "live",
        "BAD": "stale",
        "OLD": "stale",
        "NBA-1": "live",
    }
    assert catalog["NBA-1"]["visibility"] == "groups" and len(catalog["NBA-1"]["groups"]) == 1
    assert catalog["AAPL"]["visibility"] == "public" and catalog["AAPL"]["groups"] == frozenset()
