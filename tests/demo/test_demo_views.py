"""The demo views, routed the way the project mounts them: ``path("demo/", include("feeds.demo.urls"))``."""

import json
import sys

import pytest
from django.test import RequestFactory
from django.urls import include, path, resolve

from feeds.demo import market, views

urlpatterns = [path("demo/", include("feeds.demo.urls"))]
NOW = 1_764_000_000.25


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch):
    monkeypatch.setattr(views, "clock", lambda: NOW)


def get(url: str, method: str = "get"):
    request = getattr(RequestFactory(), method)(url)
    match = resolve(request.path, urlconf=sys.modules[__name__])
    return match.func(request, *match.args, **match.kwargs)


def body(response):
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return json.loads(response.content)


def test_price_without_parameters_lists_every_symbol():
    response = get("/demo/api/v3/ticker/price")
    assert response.status_code == 200
    items = body(response)
    assert [i["symbol"] for i in items] == list(market.INSTRUMENTS)
    assert all(set(i) == {"symbol", "price"} and isinstance(i["price"], str) for i in items)


def test_price_for_one_symbol_is_an_object():
    response = get("/demo/api/v3/ticker/price?symbol=AAPL")
    assert response.status_code == 200
    assert body(response) == {"symbol": "AAPL", "price": f"{market.price('AAPL', NOW):.8f}"}


def test_price_for_symbols_is_the_subset():
    response = get('/demo/api/v3/ticker/price?symbols=["BTCUSDT","AAPL"]')
    assert [i["symbol"] for i in body(response)] == ["BTCUSDT", "AAPL"]


def test_unknown_symbol_answers_400_like_binance():
    response = get("/demo/api/v3/ticker/price?symbol=NOPE")
    assert response.status_code == 400
    assert response.content == b'{"code":-1121,"msg":"Invalid symbol."}'
    assert get("/demo/api/v3/ticker/24hr?symbol=NOPE").status_code == 400


def test_24hr_for_one_symbol():
    item = body(get("/demo/api/v3/ticker/24hr?symbol=ETHUSDT"))
    assert item["symbol"] == "ETHUSDT"
    assert item["lastPrice"] == f"{market.price('ETHUSDT', NOW):.8f}"
    assert item["closeTime"] == int(NOW * 1000)


def test_same_instant_same_bytes_and_the_price_moves_later(monkeypatch):
    first = get("/demo/api/v3/ticker/price").content
    assert get("/demo/api/v3/ticker/price").content == first
    monkeypatch.setattr(views, "clock", lambda: NOW + 1)
    assert get("/demo/api/v3/ticker/price").content != first


def test_scoreboard_routes_sport_and_league():
    board = body(get("/demo/apis/site/v2/sports/soccer/eng.1/scoreboard"))
    assert board["leagues"][0]["slug"] == "eng.1"
    assert board["events"]


def test_unknown_league_is_404_json():
    response = get("/demo/apis/site/v2/sports/hockey/nhl/scoreboard")
    assert response.status_code == 404
    assert "hockey/nhl" in body(response)["message"]


def test_only_get_and_head_are_allowed():
    assert get("/demo/api/v3/ticker/price", "post").status_code == 405
    assert get("/demo/apis/site/v2/sports/basketball/nba/scoreboard", "head").status_code == 200
