"""What every adapter owes: malformed answers become clear FeedErrors, never partial records,
and the feed's credential never appears in an error message."""

from __future__ import annotations

import pytest

from feeds.adapters import ADAPTERS, get_adapter
from feeds.adapters.base import FeedError, FeedSpec, ProviderRequest, ProviderResponse

SECRET = "s3cr3t-KEY-0042"
JSON_OPTIONS = {"symbol": "symbol", "price": "price"}

# adapter -> (spec, a good fixture (provider, file), request tag, the fixture with its price made NaN)
CASES = {
    "binance": (
        FeedSpec("f", "https://api.binance.com/api/v3/ticker/price", credentials=SECRET),
        ("binance", "ticker_price_single.json"),
        "",
        b'{"symbol":"LTCBTC","price":"NaN"}',
    ),
    "finnhub": (
        FeedSpec("f", "https://finnhub.io/api/v1/quote", ("AAPL",), credentials=SECRET),
        ("finnhub", "quote_aapl.json"),
        "AAPL",
        b'{"c":NaN,"d":1.85,"dp":1.0239,"h":183.12,"l":180.97,"o":181.05,"pc":180.78,"t":1704067200}',
    ),
    "coingecko": (
        FeedSpec("f", "https://api.coingecko.com/api/v3/simple/price", ("BITCOIN",), credentials=SECRET),
        ("coingecko", "simple_price_bitcoin.json"),
        "bitcoin",
        b'{"bitcoin":{"usd":NaN,"usd_24h_change":3.6,"last_updated_at":1711356300}}',
    ),
    "coinbase": (
        FeedSpec("f", "https://api.exchange.coinbase.com", ("BTC-USDT",), credentials=SECRET),
        ("coinbase", "ticker_btc_usdt.json"),
        "BTC-USDT",
        b'{"price":"NaN","time":"2024-03-13T11:10:41.270099Z","volume":"1"}',
    ),
    "alphavantage": (
        FeedSpec("f", "https://www.alphavantage.co/query", ("IBM",), credentials=SECRET),
        ("alphavantage", "global_quote_ibm.json"),
        "IBM",
        b'{"Global Quote":{"01. symbol":"IBM","05. price":"NaN"}}',
    ),
    "stooq": (
        FeedSpec("f", "https://stooq.com/q/l/", ("AAPL.US",), credentials=SECRET),
        ("stooq", "quote_aapl_2020.csv"),
        "aapl.us",
        b"Symbol,Date,Time,Open,High,Low,Close,Volume\nAAPL.US,2020-09-11,22:00:04,1,2,1,NaN,5\n",
    ),
    "espn": (
        FeedSpec("f", "https://site.api.espn.com/x/scoreboard", credentials=SECRET),
        ("espn", "nba_scoreboard_final.json"),
        "",
        None,
    ),
    "json": (
        FeedSpec("f", "https://api.test/q", options=JSON_OPTIONS, credentials=SECRET),
        ("binance", "ticker_price_single.json"),
        "",
        b'{"symbol":"LTCBTC","price":NaN}',
    ),
}


def response(body: bytes, status: int = 200, tag: str = "") -> ProviderResponse:
    return ProviderResponse(status, body, request=ProviderRequest(url="https://provider.test/", tag=tag))


def test_every_registered_adapter_is_covered():
    assert set(CASES) == set(ADAPTERS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_good_fixture_parses(name, load):
    spec, (provider, file), tag, _ = CASES[name]
    records = get_adapter(name).parse(load(provider, file, tag=tag), spec)
    assert records and all(r["source"] == "f" for r in records)


@pytest.mark.parametrize("name", sorted(CASES))
def test_empty_body(name, load):
    spec, _, tag, _ = CASES[name]
    body = load("common", "empty.txt").body
    with pytest.raises(FeedError, match="empty"):
        get_adapter(name).parse(response(body, tag=tag), spec)


@pytest.mark.parametrize("name", sorted(CASES))
def test_truncated_body(name, load):
    spec, (provider, file), tag, _ = CASES[name]
    whole = load(provider, file).body
    cut = whole[: len(whole) // 2]
    with pytest.raises(FeedError) as err:
        get_adapter(name).parse(response(cut, tag=tag), spec)
    assert any(word in err.value.message for word in ("truncated", "fields", "no data", "has no"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_html_error_page(name, load):
    spec, _, tag, _ = CASES[name]
    page = load("common", "nginx_502.html").body
    with pytest.raises(FeedError, match="HTTP 502: <html> <head><title>502 Bad Gateway") as err:
        get_adapter(name).parse(response(page, status=502, tag=tag), spec)
    assert not err.value.permanent
    with pytest.raises(FeedError, match="HTML page|not a quote CSV"):
        get_adapter(name).parse(response(page, tag=tag), spec)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("body", [b"[]", b'"ok"', b"42", b"null", b'{"unexpected": {"shape": true}}'])
def test_wrong_shape_is_an_error_or_nothing(name, body):
    spec, _, tag, _ = CASES[name]
    adapter = get_adapter(name)
    if name in ("binance", "json") and body == b"[]":
        assert adapter.parse(response(body, tag=tag), spec) == []
        return
    with pytest.raises(FeedError):
        adapter.parse(response(body, tag=tag), spec)


@pytest.mark.parametrize("name", sorted(n for n in CASES if CASES[n][3]))
def test_nan_price(name):
    spec, _, tag, nan_body = CASES[name]
    with pytest.raises(FeedError, match="finite"):
        get_adapter(name).parse(response(nan_body, tag=tag), spec)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("status", [200, 400, 401, 429, 500])
def test_credential_never_in_message(name, status):
    spec, _, tag, _ = CASES[name]
    echoes = [
        f'{{"error": "Invalid API key {SECRET}"}}',
        f'{{"Information": "We have detected your API key as {SECRET} and our rate limit is 25"}}',
        f'{{"message": "bad token {SECRET}", "msg": "{SECRET}", "code": -2014}}',
        f"<html><body>token={SECRET}</body></html>",
        f"Symbol,Date\n{SECRET},x",
    ]
    for body in echoes:
        with pytest.raises(FeedError) as err:
            get_adapter(name).parse(response(body.encode(), status=status, tag=tag), spec)
        assert SECRET not in err.value.message and SECRET not in str(err.value), body


@pytest.mark.parametrize("name", sorted(CASES))
def test_requests_never_show_credential_in_repr(name):
    spec = CASES[name][0]
    for request in get_adapter(name).requests(spec):
        assert SECRET not in repr(request) and SECRET not in request.url


def test_feed_error_survives_pickling():
    import pickle

    err = pickle.loads(pickle.dumps(FeedError("x failed", permanent=True, retry_after=12.5)))
    assert (err.message, err.permanent, err.retry_after, str(err)) == ("x failed", True, 12.5, "x failed")


def test_unforeseen_exception_becomes_feed_error_without_secret():
    from feeds.adapters.base import Adapter

    def parse(response, spec):
        return {}["missing " + spec.credentials]

    adapter = Adapter(name="demo", label="Demo", kind="quote", parse=parse)
    spec = FeedSpec("f", "https://x.test", credentials=SECRET)
    with pytest.raises(FeedError, match=r"demo: unexpected response shape \(KeyError: 'missing \*\*\*'\)"):
        adapter.parse(response(b"{}"), spec=spec)


def test_validate_is_guarded_too():
    spec = FeedSpec("f", "https://api.test/q", options={"symbol": "s", "price": "p", "symbol_map": ["x"]})
    with pytest.raises(FeedError, match="json: option symbol_map must be an object"):
        get_adapter("json").validate(spec)
