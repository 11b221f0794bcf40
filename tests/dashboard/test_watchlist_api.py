"""A signed-in viewer's watchlist on the server: ``/api/watchlist``, its validation, its
CSRF guard, and the sign-in page that gets a viewer there."""

from __future__ import annotations

import json
import re

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db import connections
from django.test import AsyncClient, Client, override_settings

from dashboard.models import Watchlist
from dashboard.watchlists import WatchlistError, parse_symbols


def test_a_valid_list_is_kept_exactly_as_sent():
    assert parse_symbols({"symbols": ["TSLA", "AAPL", "BTC-USD", "ES.F"]}) == [
        "TSLA",
        "AAPL",
        "BTC-USD",
        "ES.F",
    ]
    assert parse_symbols({"symbols": []}) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (["AAPL"], 'expected a JSON object {"symbols": [...]}'),
        ({"list": ["AAPL"]}, 'expected a JSON object {"symbols": [...]}'),
        ({"symbols": "AAPL"}, "symbols must be a list"),
        ({"symbols": ["AAPL", "aapl"]}, "symbols[1]: 'aapl' is not a symbol"),
        ({"symbols": ["AAPL", 7]}, "symbols[1]: 7 is not a symbol"),
        ({"symbols": ["A" * 41]}, "is not a symbol"),
        ({"symbols": ["AAPL", "MSFT", "AAPL"]}, "symbols[2]: AAPL is listed twice"),
    ],
)
def test_a_wrong_list_is_refused_with_what_is_wrong(body, message):
    with pytest.raises(WatchlistError) as caught:
        parse_symbols(body)
    assert message in str(caught.value)


@override_settings(TICKER_WATCHLIST_MAX=3)
def test_the_size_is_bounded():
    assert parse_symbols({"symbols": ["A", "B", "C"]}) == ["A", "B", "C"]
    with pytest.raises(WatchlistError, match="at most 3 symbols, not 4"):
        parse_symbols({"symbols": ["A", "B", "C", "D"]})


@pytest.fixture
async def db(transactional_db):
    """The database for async views; the connection of the thread they queried in is closed after."""
    yield
    await sync_to_async(connections.close_all)()


async def member(name: str) -> AsyncClient:
    user = await sync_to_async(User.objects.create_user)(name, password="pw")
    client = AsyncClient()
    await client.aforce_login(user)
    return client


async def put(client: AsyncClient, body, **extra):
    data = body if isinstance(body, str) else json.dumps(body)
    return await client.put("/api/watchlist", data, content_type="application/json", **extra)


async def test_anonymous_viewers_are_told_to_sign_in(db):
    anon = AsyncClient()
    for response in (await anon.get("/api/watchlist"), await put(anon, {"symbols": ["AAPL"]})):
        assert response.status_code == 403
        assert response.json() == {
            "error": "forbidden",
            "message": "sign in to keep a watchlist on the server",
        }
    assert await Watchlist.objects.acount() == 0


async def test_each_user_reads_back_what_they_saved_in_order(db):
    ann, bob = await member("ann"), await member("bob")
    first = await ann.get("/api/watchlist")
    assert first.status_code == 200 and first.json() == {"symbols": None, "updated": None}

    saved = await put(ann, {"symbols": ["TSLA", "AAPL", "BTCUSDT"]})
    assert saved.status_code == 200 and saved.json()["symbols"] == ["TSLA", "AAPL", "BTCUSDT"]
    assert re.match(r"\d{4}-\d\d-\d\dT", saved.json()["updated"])
    assert (await ann.get("/api/watchlist")).json()["symbols"] == ["TSLA", "AAPL", "BTCUSDT"]
    assert (await bob.get("/api/watchlist")).json()["symbols"] is None

    assert (await put(ann, {"symbols": ["AAPL", "TSLA"]})).status_code == 200
    assert (await ann.get("/api/watchlist")).json()["symbols"] == ["AAPL", "TSLA"]
    assert (await put(ann, {"symbols": []})).status_code == 200
    assert (await ann.get("/api/watchlist")).json()["symbols"] == []
    assert await Watchlist.objects.acount() == 1


async def test_a_refused_save_says_why_and_keeps_the_saved_list(db):
    ann = await member("ann")
    await put(ann, {"symbols": ["AAPL", "MSFT"]})
    for body, message in [
        ("{not json", "the body is not JSON"),
        ({"symbols": ["AAPL", "no spaces"]}, "symbols[1]: 'no spaces' is not a symbol"),
        ({"symbols": ["AAPL", "AAPL"]}, "symbols[1]: AAPL is listed twice"),
    ]:
        response = await put(ann, body)
        assert response.status_code == 400
        assert response.json()["error"] == "bad_request" and message in response.json()["message"]
    assert (await ann.get("/api/watchlist")).json()["symbols"] == ["AAPL", "MSFT"]
    assert (await ann.delete("/api/watchlist")).status_code == 405


@pytest.mark.django_db
def test_a_save_needs_the_csrf_token_the_page_carries():
    User.objects.create_user("ann", password="pw")
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username="ann", password="pw")

    refused = browser.put("/api/watchlist", '{"symbols": ["AAPL"]}', content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["error"] == "csrf_failed" and "CSRF" in refused.json()["message"]

    page = browser.get("/").content.decode()
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    saved = browser.put(
        "/api/watchlist",
        '{"symbols": ["AAPL"]}',
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert saved.status_code == 200
    assert Watchlist.objects.get(user__username="ann").symbols == ["AAPL"]


@pytest.mark.django_db
def test_the_page_offers_sign_in_and_shows_who_is_signed_in():
    anon = Client().get("/").content.decode()
    assert 'data-user=""' in anon and 'href="/accounts/login/?next=/"' in anon

    User.objects.create_user("ann", password="pw")
    browser = Client()
    form = browser.get("/accounts/login/?next=/").content.decode()
    assert 'name="username"' in form and 'name="next" value="/"' in form
    wrong = browser.post("/accounts/login/", {"username": "ann", "password": "nope", "next": "/"})
    assert wrong.status_code == 200 and "do not match" in wrong.content.decode()
    signed = browser.post("/accounts/login/", {"username": "ann", "password": "pw", "next": "/"})
    assert signed.status_code == 302 and signed["Location"] == "/"
    page = browser.get("/").content.decode()
    assert 'data-user="ann"' in page and 'id="account-sync"' in page and "Sign out" in page

    out = browser.post("/accounts/logout/")
    assert out.status_code == 302 and out["Location"] == "/"
    assert 'data-user=""' in browser.get("/").content.decode()


@pytest.mark.django_db
def test_operators_see_saved_watchlists_in_the_admin(admin_client, django_user_model):
    ann = django_user_model.objects.create_user("ann", password="pw")
    Watchlist.objects.create(user=ann, symbols=["AAPL", "MSFT"])
    listing = admin_client.get("/admin/dashboard/watchlist/").content.decode()
    assert "ann" in listing
    assert admin_client.get("/admin/dashboard/watchlist/add/").status_code == 403
