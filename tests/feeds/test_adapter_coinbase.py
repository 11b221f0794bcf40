"""Coinbase Exchange: one ticker per product, ISO times, {"message"} errors."""

from __future__ import annotations

import pytest

from feeds.adapters import get_adapter
from feeds.adapters.base import FeedError, FeedSpec

ADAPTER = get_adapter("coinbase")


def feed(*products: str, url: str = "https://api.exchange.coinbase.com") -> FeedSpec:
    return FeedSpec(name="cb", url=url, symbols=products)


def test_real_ticker(load):
    (rec,) = ADAPTER.parse(load("coinbase", "ticker_btc_usdt.json", tag="BTC-USDT"), feed("BTC-USDT"))
    assert rec == {
        "symbol": "BTC-USDT",
        "kind": "quote",
        "ts": "2024-03-13T11:10:41.270Z",
        "source": "cb",
        "price": 73367.8,
        "volume": 1207.50668151,
    }


def test_unknown_product_404(load):
    with pytest.raises(FeedError) as err:
        ADAPTER.parse(load("coinbase", "error_not_found.json", status=404, tag="NOPE-USD"), feed("NOPE-USD"))
    assert err.value.message == "coinbase answered HTTP 404: NotFound" and err.value.permanent


def test_rate_limited_429(load):
    resp = load(
        "coinbase", "error_rate_limited.json", status=429, tag="BTC-USD", headers={"Retry-After": "1"}
    )
    with pytest.raises(FeedError, match="HTTP 429: Public rate limit exceeded") as err:
        ADAPTER.parse(resp, feed("BTC-USD"))
    assert err.value.retry_after == 1.0


def test_message_body_with_200(load):
    with pytest.raises(FeedError, match="coinbase error for BTC-USD: NotFound"):
        ADAPTER.parse(load("coinbase", "error_not_found.json", tag="BTC-USD"), feed("BTC-USD"))


def test_requests_per_product():
    reqs = ADAPTER.requests(feed("btc-usd", "ETH-EUR"))
    assert [(r.url, r.tag) for r in reqs] == [
        ("https://api.exchange.coinbase.com/products/BTC-USD/ticker", "BTC-USD"),
        ("https://api.exchange.coinbase.com/products/ETH-EUR/ticker", "ETH-EUR"),
    ]
    (templated,) = ADAPTER.requests(feed("BTC-USD", url="https://cb.test/p/{symbol}/t"))
    assert templated.url == "https://cb.test/p/BTC-USD/t"
