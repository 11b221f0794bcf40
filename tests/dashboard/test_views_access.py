"""Visibility and sign-in on the HTTP side: the catalog, history, the page, the operators' view."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.test import AsyncClient, override_settings

from feeds.admin import FeedForm
from feeds.models import Feed


async def signed_in(app, *, vip: bool = False, staff: bool = False) -> AsyncClient:
    def make() -> User:
        user = User.objects.create_user(f"u{User.objects.count()}", password="pw", is_staff=staff)
        if vip:
            user.groups.add(app.vip)
        return user

    client = AsyncClient()
    await client.aforce_login(await sync_to_async(make)())
    return client


async def symbols(client: AsyncClient) -> list[str]:
    response = await client.get("/api/symbols")
    assert response.status_code == 200
    rows = response.json()["symbols"]
    assert all(set(r) == {"symbol", "name", "kind", "feed", "state"} for r in rows), rows
    return [r["symbol"] for r in rows]


async def test_the_catalog_shows_each_viewer_only_what_it_may_see(app):
    assert await symbols(AsyncClient()) == ["AAPL", "IDLE", "MSFT"]
    assert await symbols(await signed_in(app)) == ["AAPL", "GOLD", "IDLE", "MSFT"]
    assert await symbols(await signed_in(app, vip=True)) == ["AAPL", "GOLD", "IDLE", "MSFT", "VIPX"]


async def test_history_of_a_symbol_the_viewer_may_not_see_is_forbidden(app):
    anon = AsyncClient()
    assert (await anon.get("/api/history/aapl")).json()["symbol"] == "AAPL"
    response = await anon.get("/api/history/GOLD")
    assert response.status_code == 403 and response.json()["error"] == "forbidden"
    assert (await anon.get("/api/history/NOPE")).status_code == 404
    member = await signed_in(app)
    assert [u["price"] for u in (await member.get("/api/history/GOLD")).json()["updates"]] == [1900.0]


async def test_login_required_guards_the_page_and_the_apis(app):
    with override_settings(TICKER_LOGIN_REQUIRED=True):
        anon = AsyncClient()
        page = await anon.get("/")
        assert page.status_code == 302 and page["Location"].startswith("/accounts/login/?next=/")
        for path in ("/api/symbols", "/api/history/AAPL"):
            response = await anon.get(path)
            assert response.status_code == 403 and response.json() == {
                "error": "forbidden",
                "message": "sign in required",
            }
        member = await signed_in(app)
        assert (await member.get("/")).status_code == 200
        assert "GOLD" in await symbols(member)


async def test_viewers_admin_view_is_for_staff(app):
    anon = await AsyncClient().get("/admin/viewers/")
    assert anon.status_code == 302 and "/admin/login/" in anon["Location"]
    assert (await (await signed_in(app)).get("/admin/viewers/")).status_code == 302
    staff = await signed_in(app, staff=True)
    page = await staff.get("/admin/viewers/")
    assert page.status_code == 200 and b"Per symbol" in page.content
    data = (await staff.get("/admin/viewers/?format=json")).json()
    assert set(data) == {"symbols", "processes", "connections"}


@pytest.mark.django_db
def test_feed_form_wants_a_group_for_group_visibility():
    data = {
        "name": "f",
        "adapter": "binance",
        "url": "http://example.com/api",
        "symbols": "AAPL",
        "options": "{}",
        "enabled": True,
        "interval": 2,
        "timeout": 5,
        "visibility": "groups",
    }
    form = FeedForm(data=data)
    assert not form.is_valid() and "viewer_groups" in form.errors
    form = FeedForm(data={**data, "visibility": "signed_in"})
    assert form.is_valid(), form.errors
    assert form.save().visibility == "signed_in" and Feed.objects.get(name="f").visibility == "signed_in"


def test_the_feed_list_links_to_the_viewers_page(admin_client):
    assert b'href="/admin/viewers/"' in admin_client.get("/admin/feeds/feed/").content
