"""CoinGecko: many ids per request, id -> symbol rule, unknown ids, error bodies."""

from __future__ import annotations

import logging

import pytest

from feeds.adapters import get_adapter
from feeds.adapters.base import FeedError, FeedSpec, ProviderRequest, ProviderResponse

ADAPTER = get_adapter("coingecko")
URL = "https://api.coingecko.com/api/v3/simple/price"


def feed(*ids: str, url: str = URL, credentials: str = "", **options: object) -> FeedSpec:
    return FeedSpec(name="cg", url=url, symbols=ids, options=options, credentials=credentials)


def test_docs_example(load):
    (rec,) = ADAPTER.parse(load("coingecko", "simple_price_bitcoin.json", tag="bitcoin"), feed("BITCOIN"))
    assert rec == {
        "symbol": "BITCOIN",
        "kind": "quote",
        "ts": "2024-03-25T08:45:00.000Z",
        "source": "cg",
        "price": 67187.3358936566,
        "change_pct": 3.63727894677354,
        "currency": "USD",
    }


def test_two_coins_and_symbol_map(load):
    spec = feed("BITCOIN", "ETHEREUM", symbol_map={"bitcoin": "BTC-USD"})
    recs = ADAPTER.parse(load("coingecko", "simple_price_two.json", tag="bitcoin,ethereum"), spec)
    assert [(r["symbol"], r["price"], r["ts"]) for r in recs] == [
        ("BTC-USD", 103663, "2025-05-16T15:04:19.000Z"),
        ("ETHEREUM", 2587.79, "2025-05-16T15:04:28.000Z"),
    ]


def test_unknown_ids_missing_from_answer(load):
    with pytest.raises(FeedError, match="coingecko has no usd price for notacoin: unknown coin id"):
        ADAPTER.parse(load("coingecko", "simple_price_unknown.json", tag="notacoin"), feed("NOTACOIN"))


def test_some_ids_unknown_publishes_the_rest_and_logs(load, caplog):
    with caplog.at_level(logging.WARNING, logger="feeds.adapters.coingecko"):
        recs = ADAPTER.parse(load("coingecko", "simple_price_bitcoin.json", tag="bitcoin,notacoin"), feed())
    assert [r["symbol"] for r in recs] == ["BITCOIN"]
    assert "notacoin" in caplog.text


def test_stale_price_has_null_change(load):
    (rec,) = ADAPTER.parse(load("coingecko", "simple_price_stale.json", tag="bitcoin"), feed("BITCOIN"))
    assert rec["price"] == 67187.3358936566 and "change_pct" not in rec


def test_other_vs_currency_is_missing_from_answer(load):
    with pytest.raises(FeedError, match="no eur price for bitcoin"):
        ADAPTER.parse(load("coingecko", "simple_price_bitcoin.json", tag="bitcoin"), feed(vs_currency="EUR"))


def test_rate_limited(load):
    resp = load(
        "coingecko", "error_rate_limited.json", status=429, tag="bitcoin", headers={"retry-after": "119"}
    )
    with pytest.raises(FeedError) as err:
        ADAPTER.parse(resp, feed("BITCOIN"))
    assert err.value.message.startswith("coingecko answered HTTP 429: You've exceeded the Rate Limit.")
    assert err.value.message.endswith("(code 429)") and err.value.retry_after == 119.0


def test_key_missing(load):
    with pytest.raises(FeedError, match=r"HTTP 401: API Key Missing\..*\(code 10002\)") as err:
        ADAPTER.parse(load("coingecko", "error_key_missing.json", status=401, tag="bitcoin"), feed())
    assert err.value.permanent


def test_error_shapes_with_200(load):
    with pytest.raises(FeedError, match="coingecko error 10002: API Key Missing"):
        ADAPTER.parse(load("coingecko", "error_key_missing.json", tag="bitcoin"), feed())
    with pytest.raises(FeedError, match="coingecko error: Missing parameter vs_currencies"):
        ADAPTER.parse(load("coingecko", "error_missing_parameter.json", tag="bitcoin"), feed())


def test_bad_parameter_400(load):
    with pytest.raises(FeedError, match="HTTP 400: Missing parameter vs_currencies"):
        ADAPTER.parse(load("coingecko", "error_missing_parameter.json", status=400, tag="bitcoin"), feed())


def test_entry_of_wrong_shape():
    resp = ProviderResponse(200, b'{"bitcoin": 5}', request=ProviderRequest(url=URL, tag="bitcoin"))
    with pytest.raises(FeedError, match="entry for 'bitcoin' is not an object"):
        ADAPTER.parse(resp, feed())


class TestRequests:
    def test_ids_lower_cased_and_chunked(self):
        ids = [f"COIN{i}" for i in range(120)]
        reqs = ADAPTER.requests(feed(*ids))
        assert [len(r.params["ids"].split(",")) for r in reqs] == [50, 50, 20]
        assert reqs[0].params["ids"].startswith("coin0,coin1,") and reqs[0].tag == reqs[0].params["ids"]
        assert dict(reqs[0].params) | {"ids": ""} == {
            "ids": "",
            "vs_currencies": "usd",
            "include_24hr_change": "true",
            "include_last_updated_at": "true",
        }

    def test_demo_and_pro_key_headers(self):
        (demo,) = ADAPTER.requests(feed("BITCOIN", credentials="cg-demo-key"))
        pro_url = "https://pro-api.coingecko.com/api/v3/simple/price"
        (pro,) = ADAPTER.requests(feed("BITCOIN", url=pro_url, credentials="cg-pro-key"))
        (anon,) = ADAPTER.requests(feed("BITCOIN"))
        assert dict(demo.headers) == {"x-cg-demo-api-key": "cg-demo-key"}
        assert dict(pro.headers) == {"x-cg-pro-api-key": "cg-pro-key"}
        assert dict(anon.headers) == {}


def test_validate():
    ADAPTER.validate(feed("BITCOIN", vs_currency="eur"))
    with pytest.raises(FeedError, match="vs_currency 'us dollars' is not a currency code"):
        ADAPTER.validate(feed("BITCOIN", vs_currency="US Dollars"))
    with pytest.raises(FeedError, match="at least one symbol"):
        ADAPTER.validate(feed())
