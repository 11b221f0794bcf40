"""The simulated market in Binance spot's wire format (``/api/v3/ticker/price`` and ``/ticker/24hr``).

Prices and quantities are strings with 8 decimals, times are epoch milliseconds, and bad
parameters get Binance's own ``{"code", "msg"}`` bodies, so the real Binance adapter reads
this demo unchanged. One simulated trade per market step stands in for trade ids.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_EVEN, Decimal

from feeds.demo import market, seeded

SYMBOL_RE = re.compile(r"^[A-Z0-9\-_.]{1,20}$")
SYMBOLS_RE = re.compile(r'^\[("[A-Z0-9\-_.]{1,20}"(,"[A-Z0-9\-_.]{1,20}"){0,}){0,1}\]$')
_PERCENT = Decimal("0.001")


class BinanceError(Exception):
    """A request Binance would refuse: ``body`` is its error JSON, ``status`` the HTTP status."""

    def __init__(self, code: int, msg: str, status: int = 400):
        super().__init__(msg)
        self.status = status
        self.body = {"code": code, "msg": msg}


def select(symbol: str | None, symbols: str | None) -> tuple[list[str], bool]:
    """The symbols a request asks for, and whether it asked for exactly one (answer an object).

    No parameter means every symbol. Raises ``BinanceError`` with Binance's code and message
    for a malformed parameter (-1100), both parameters at once (-1128), or an unknown symbol (-1121).
    """
    if symbol is not None and symbols is not None:
        raise BinanceError(-1128, "Combination of optional parameters invalid.")
    if symbol is not None:
        if not SYMBOL_RE.match(symbol):
            raise BinanceError(
                -1100, "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'."
            )
        return [_known(symbol)], True
    if symbols is not None:
        if not SYMBOLS_RE.match(symbols):
            raise BinanceError(
                -1100,
                "Illegal characters found in parameter 'symbols'; legal range is "
                '\'^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$\'.',
            )
        return [_known(s) for s in dict.fromkeys(json.loads(symbols))], False
    return list(market.INSTRUMENTS), False


def price_item(symbol: str, now: float) -> dict:
    """One ``ticker/price`` entry."""
    return {"symbol": symbol, "price": _fmt(market.price(symbol, now))}


def ticker_24hr_item(symbol: str, now: float) -> dict:
    """One ``ticker/24hr`` entry (the FULL type), keys in Binance's order."""
    inst = market.INSTRUMENTS[symbol]
    day = market.day_stats(symbol, now)
    tick = inst.tick
    change = day.last - day.open
    avg = ((day.open + day.high + day.low + day.last) / 4).quantize(tick, rounding=ROUND_HALF_EVEN)
    close_ms = int(now * 1000)
    return {
        "symbol": symbol,
        "priceChange": _fmt(change),
        "priceChangePercent": f"{(change / day.open * 100).quantize(_PERCENT, rounding=ROUND_HALF_EVEN):f}",
        "weightedAvgPrice": _fmt(avg),
        "prevClosePrice": _fmt(day.prev_close),
        "lastPrice": _fmt(day.last),
        "lastQty": _fmt(_trade_qty(inst, day.close_step, "last")),
        "bidPrice": _fmt(max(day.last - tick, tick)),
        "bidQty": _fmt(_trade_qty(inst, day.close_step, "bid")),
        "askPrice": _fmt(day.last + tick),
        "askQty": _fmt(_trade_qty(inst, day.close_step, "ask")),
        "openPrice": _fmt(day.open),
        "highPrice": _fmt(day.high),
        "lowPrice": _fmt(day.low),
        "volume": _fmt(day.volume),
        "quoteVolume": _fmt(day.volume * avg),
        "openTime": close_ms - 24 * 3600 * 1000,
        "closeTime": close_ms,
        "firstId": day.open_step + 1,
        "lastId": day.close_step,
        "count": day.close_step - day.open_step,
    }


def _known(symbol: str) -> str:
    if symbol not in market.INSTRUMENTS:
        raise BinanceError(-1121, "Invalid symbol.")
    return symbol


def _trade_qty(inst: market.Instrument, step: int, side: str) -> Decimal:
    """A plausible size for one trade: the average per step, times 0.2 to 3."""
    mean = inst.volume / market.WINDOW_STEPS
    qty = Decimal(mean * (0.2 + 2.8 * seeded.uniform(inst.symbol, side, step)))
    return max(qty.quantize(inst.lot, rounding=ROUND_HALF_EVEN), inst.lot)


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(Decimal('1e-8'), rounding=ROUND_HALF_EVEN):f}"
