"""Binance spot REST: ``/api/v3/ticker/price`` and ``/api/v3/ticker/24hr``.

Both answer either one object (``?symbol=``) or a bulk array. Prices are decimal
strings. ``ticker/price`` carries no time, so the poll time stands in; ``24hr``
carries ``closeTime`` in epoch milliseconds. Errors arrive as ``{"code","msg"}``.
"""

from __future__ import annotations

from feeds.adapters.base import Adapter, FeedError, FeedSpec, ProviderResponse, check_status
from feeds.schema import Record, make_quote


def parse(response: ProviderResponse, spec: FeedSpec) -> list[Record]:
    check_status(response)
    data = response.json()
    if isinstance(data, dict) and "code" in data and "msg" in data:
        raise FeedError(f"binance error {data['code']}: {data['msg']}")
    items = data if isinstance(data, list) else [data]
    wanted = set(spec.symbols)
    records: list[Record] = []
    for item in items:
        if not isinstance(item, dict) or "symbol" not in item:
            raise FeedError(f"binance: expected objects with a symbol, got {str(item)[:60]!r}")
        if wanted and item["symbol"].upper() not in wanted:
            continue
        if "lastPrice" in item:
            records.append(
                make_quote(
                    symbol=item["symbol"],
                    price=item["lastPrice"],
                    source=spec.name,
                    ts=item.get("closeTime"),
                    change=item.get("priceChange"),
                    change_pct=item.get("priceChangePercent"),
                    open=item.get("openPrice"),
                    high=item.get("highPrice"),
                    low=item.get("lowPrice"),
                    prev_close=item.get("prevClosePrice"),
                    volume=item.get("volume"),
                )
            )
        elif "price" in item:
            records.append(make_quote(symbol=item["symbol"], price=item["price"], source=spec.name))
        else:
            raise FeedError(f"binance: item for {item['symbol']!r} has no price")
    return records


ADAPTER = Adapter(name="binance", label="Binance", kind="quote", parse=parse)
