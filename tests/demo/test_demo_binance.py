import json
import re

import pytest

from feeds.adapters.base import FeedSpec, ProviderResponse
from feeds.adapters.binance import parse
from feeds.demo import binance, market

NOW = 1_764_000_000.25
PRICE_STRING = re.compile(r"^\d+\.\d{8}$")
FULL_KEYS = [
    "symbol",
    "priceChange",
    "priceChangePercent",
    "weightedAvgPrice",
    "prevClosePrice",
    "lastPrice",
    "lastQty",
    "bidPrice",
    "bidQty",
    "askPrice",
    "askQty",
    "openPrice",
    "highPrice",
    "lowPrice",
    "volume",
    "quoteVolume",
    "openTime",
    "closeTime",
    "firstId",
    "lastId",
    "count",
]


def error_of(symbol=None, symbols=None) -> dict:
    with pytest.raises(binance.BinanceError) as caught:
        binance.select(symbol, symbols)
    assert caught.value.status == 400
    return caught.value.body


def test_no_parameter_selects_every_symbol_as_a_list():
    assert binance.select(None, None) == (list(market.INSTRUMENTS), False)


def test_symbol_selects_one_object_and_symbols_a_subset_in_order():
    assert binance.select("AAPL", None) == (["AAPL"], True)
    assert binance.select(None, '["ETHUSDT","AAPL"]') == (["ETHUSDT", "AAPL"], False)


def test_unknown_symbol_is_binance_invalid_symbol():
    assert error_of("NOPE") == {"code": -1121, "msg": "Invalid symbol."}
    assert error_of(symbols='["AAPL","NOPE"]') == {"code": -1121, "msg": "Invalid symbol."}


def test_malformed_parameters_get_binance_illegal_characters():
    body = error_of("aapl")
    assert body["code"] == -1100 and "'symbol'" in body["msg"]
    for bad in ("AAPL", '["AAPL", "MSFT"]', "[AAPL]", '["AAPL",]'):
        body = error_of(symbols=bad)
        assert body["code"] == -1100 and "'symbols'" in body["msg"], bad


def test_symbol_and_symbols_together_are_refused():
    assert error_of("AAPL", '["AAPL"]')["code"] == -1128


def test_price_item_is_exactly_symbol_and_price_string():
    item = binance.price_item("AAPL", NOW)
    assert list(item) == ["symbol", "price"]
    assert item["symbol"] == "AAPL"
    assert PRICE_STRING.match(item["price"])
    assert item["price"] == f"{market.price('AAPL', NOW):.8f}"
    assert binance.price_item("SHIBUSDT", NOW)["price"].startswith("0.0000")


def test_24hr_item_has_binance_keys_in_order_and_types():
    item = binance.ticker_24hr_item("BTCUSDT", NOW)
    assert list(item) == FULL_KEYS
    for key in FULL_KEYS[1:16]:
        assert isinstance(item[key], str), key
        if key != "priceChangePercent":
            assert re.match(r"^-?\d+\.\d{8}$", item[key]), (key, item[key])
    assert re.match(r"^-?\d+\.\d{3}$", item["priceChangePercent"])
    for key in FULL_KEYS[16:]:
        assert isinstance(item[key], int), key


def test_24hr_item_is_consistent_with_the_market():
    item = binance.ticker_24hr_item("AAPL", NOW)
    day = market.day_stats("AAPL", NOW)
    assert item["lastPrice"] == binance.price_item("AAPL", NOW)["price"]
    assert float(item["priceChange"]) == pytest.approx(float(day.last - day.open))
    percent = float((day.last / day.open - 1) * 100)
    assert float(item["priceChangePercent"]) == pytest.approx(percent, abs=0.001)
    low, bid, last, ask, high = (
        float(item[k]) for k in ("lowPrice", "bidPrice", "lastPrice", "askPrice", "highPrice")
    )
    assert bid < last < ask
    assert low <= last <= high
    assert item["closeTime"] == int(NOW * 1000)
    assert item["closeTime"] - item["openTime"] == 24 * 3600 * 1000
    assert item["lastId"] - item["firstId"] + 1 == item["count"]


def test_the_projects_binance_adapter_reads_the_demo():
    spec = FeedSpec(name="demo-binance", url="http://demo/api/v3/ticker/24hr")
    symbols, _ = binance.select(None, None)
    body = json.dumps([binance.ticker_24hr_item(s, NOW) for s in symbols]).encode()
    records = parse(ProviderResponse(status=200, body=body), spec)
    assert [r["symbol"] for r in records] == symbols
    aapl = records[0]
    assert aapl["price"] == float(market.price("AAPL", NOW))
    assert aapl["open"] == float(market.day_stats("AAPL", NOW).open)

    prices = json.dumps([binance.price_item(s, NOW) for s in symbols]).encode()
    assert len(parse(ProviderResponse(status=200, body=prices), spec)) == len(symbols)
