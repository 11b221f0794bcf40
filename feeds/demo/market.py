"""A simulated market: prices that walk, the same in every process at the same instant.

Time is cut into steps of ``STEP_SECONDS``. A symbol's log-price offset from its base price
is a random walk over steps, built as a Brownian bridge between anchors every
``SEGMENT_STEPS`` (~34 min) steps. The anchors are independent draws of ``ANCHOR_SIGMAS``
step sizes around the base, so prices wander a few percent a day and never off to zero.
The value at any step is reached by halving its segment ``log2(SEGMENT_STEPS)`` times, each
midpoint drawn from the keyed generator in ``feeds.demo.seeded``: a price costs a dozen
hashes, needs no history and no shared state, and consecutive steps differ by about
``sigma`` (0.05-0.15 %).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from feeds.demo import seeded

STEP_SECONDS = 0.5
SEGMENT_STEPS = 4096
WINDOW_STEPS = int(24 * 3600 / STEP_SECONDS)
SAMPLE_STEPS = 1200
ANCHOR_SIGMAS = 16


@dataclass(frozen=True)
class Instrument:
    symbol: str
    name: str
    base: float
    decimals: int
    sigma: float
    volume: float

    @property
    def tick(self) -> Decimal:
        return Decimal(1).scaleb(-self.decimals)

    @property
    def lot(self) -> Decimal:
        """Volume granularity: whole shares for stocks, 0.01 units for crypto."""
        return Decimal("0.01") if self.symbol.endswith("USDT") else Decimal(1)


_STOCK, _CRYPTO, _WILD = 0.0005, 0.0008, 0.0015

INSTRUMENTS: dict[str, Instrument] = {
    i.symbol: i
    for i in (
        Instrument("AAPL", "Apple Inc.", 229.50, 2, _STOCK, 52e6),
        Instrument("MSFT", "Microsoft Corp.", 421.20, 2, _STOCK, 21e6),
        Instrument("TSLA", "Tesla Inc.", 251.40, 2, _WILD, 98e6),
        Instrument("GOOGL", "Alphabet Inc. Class A", 171.80, 2, _STOCK, 27e6),
        Instrument("AMZN", "Amazon.com Inc.", 189.60, 2, _STOCK, 41e6),
        Instrument("NVDA", "NVIDIA Corp.", 131.30, 2, _STOCK, 240e6),
        Instrument("META", "Meta Platforms Inc.", 563.40, 2, _STOCK, 14e6),
        Instrument("NFLX", "Netflix Inc.", 701.90, 2, _STOCK, 3.2e6),
        Instrument("AMD", "Advanced Micro Devices Inc.", 152.70, 2, _STOCK, 45e6),
        Instrument("JPM", "JPMorgan Chase & Co.", 221.10, 2, _STOCK, 9e6),
        Instrument("V", "Visa Inc.", 291.30, 2, _STOCK, 6.5e6),
        Instrument("MA", "Mastercard Inc.", 502.80, 2, _STOCK, 2.6e6),
        Instrument("DIS", "The Walt Disney Co.", 101.20, 2, _STOCK, 8.8e6),
        Instrument("KO", "The Coca-Cola Co.", 64.90, 2, _STOCK, 13e6),
        Instrument("PEP", "PepsiCo Inc.", 161.40, 2, _STOCK, 5.9e6),
        Instrument("WMT", "Walmart Inc.", 84.70, 2, _STOCK, 15e6),
        Instrument("COST", "Costco Wholesale Corp.", 903.50, 2, _STOCK, 1.9e6),
        Instrument("ORCL", "Oracle Corp.", 172.60, 2, _STOCK, 8.1e6),
        Instrument("CRM", "Salesforce Inc.", 301.80, 2, _STOCK, 6.3e6),
        Instrument("ADBE", "Adobe Inc.", 498.20, 2, _STOCK, 3.1e6),
        Instrument("BA", "The Boeing Co.", 158.90, 2, _STOCK, 7.7e6),
        Instrument("NKE", "Nike Inc.", 76.30, 2, _STOCK, 10e6),
        Instrument("XOM", "Exxon Mobil Corp.", 116.40, 2, _STOCK, 15e6),
        Instrument("UBER", "Uber Technologies Inc.", 74.80, 2, _STOCK, 19e6),
        Instrument("IBM", "International Business Machines Corp.", 222.10, 2, _STOCK, 4.2e6),
        Instrument("BTCUSDT", "Bitcoin / TetherUS", 65000.00, 2, _CRYPTO, 24_500),
        Instrument("ETHUSDT", "Ethereum / TetherUS", 3200.00, 2, _CRYPTO, 350_000),
        Instrument("SOLUSDT", "Solana / TetherUS", 152.00, 2, _CRYPTO, 3.1e6),
        Instrument("BNBUSDT", "BNB / TetherUS", 585.00, 2, _CRYPTO, 420_000),
        Instrument("XRPUSDT", "XRP / TetherUS", 0.5500, 4, _CRYPTO, 310e6),
        Instrument("DOGEUSDT", "Dogecoin / TetherUS", 0.12000, 5, _WILD, 1.4e9),
        Instrument("ADAUSDT", "Cardano / TetherUS", 0.4500, 4, _CRYPTO, 240e6),
        Instrument("AVAXUSDT", "Avalanche / TetherUS", 28.000, 3, _CRYPTO, 2.2e6),
        Instrument("LINKUSDT", "Chainlink / TetherUS", 14.000, 3, _CRYPTO, 3.8e6),
        Instrument("DOTUSDT", "Polkadot / TetherUS", 6.500, 3, _CRYPTO, 6.1e6),
        Instrument("LTCUSDT", "Litecoin / TetherUS", 80.00, 2, _CRYPTO, 520_000),
        Instrument("TRXUSDT", "TRON / TetherUS", 0.16000, 5, _CRYPTO, 700e6),
        Instrument("SHIBUSDT", "Shiba Inu / TetherUS", 0.00001800, 8, _WILD, 9e12),
    )
}

DEMO_SYMBOLS: dict[str, str] = {sym: inst.name for sym, inst in INSTRUMENTS.items()}


@dataclass(frozen=True)
class DayStats:
    """The rolling 24 h window ending at ``close_step`` (high/low sampled every 10 min)."""

    last: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    prev_close: Decimal
    volume: Decimal
    open_step: int
    close_step: int


def step_at(now: float) -> int:
    """The step an instant (epoch seconds) falls in."""
    return math.floor(now / STEP_SECONDS)


def price(symbol: str, now: float) -> Decimal:
    """The price of ``symbol`` at ``now`` (epoch seconds), rounded to its tick; ``KeyError`` if unknown."""
    return price_at_step(INSTRUMENTS[symbol], step_at(now))


def day_stats(symbol: str, now: float) -> DayStats:
    """Open/high/low/previous close/volume of the 24 h ending at ``now``; ``KeyError`` if unknown."""
    inst = INSTRUMENTS[symbol]
    step = step_at(now)
    first = step - WINDOW_STEPS
    last, opened = price_at_step(inst, step), price_at_step(inst, first)
    first_sample = -(-first // SAMPLE_STEPS) * SAMPLE_STEPS
    seen = [last, opened] + [price_at_step(inst, s) for s in range(first_sample, step, SAMPLE_STEPS)]
    return DayStats(
        last=last,
        open=opened,
        high=max(seen),
        low=min(seen),
        prev_close=price_at_step(inst, first - 1),
        volume=_volume(inst, now),
        open_step=first,
        close_step=step,
    )


@lru_cache(maxsize=32768)
def price_at_step(inst: Instrument, step: int) -> Decimal:
    """The rounded price at a step; never below one tick."""
    raw = Decimal(inst.base * math.exp(_log_offset(inst, step)))
    return max(raw.quantize(inst.tick, rounding=ROUND_HALF_EVEN), inst.tick)


def _anchor(inst: Instrument, segment: int) -> float:
    return ANCHOR_SIGMAS * inst.sigma * seeded.gauss(inst.symbol, "anchor", segment)


def _log_offset(inst: Instrument, step: int) -> float:
    segment, target = divmod(step, SEGMENT_STEPS)
    lo, hi = 0, SEGMENT_STEPS
    v_lo, v_hi = _anchor(inst, segment), _anchor(inst, segment + 1)
    while target != lo:
        mid = (lo + hi) // 2
        spread = inst.sigma * math.sqrt(hi - lo) / 2
        v_mid = (v_lo + v_hi) / 2 + spread * seeded.gauss(inst.symbol, segment * SEGMENT_STEPS + mid)
        if target < mid:
            hi, v_hi = mid, v_mid
        else:
            lo, v_lo = mid, v_mid
    return v_lo


def _volume(inst: Instrument, now: float) -> Decimal:
    """24 h volume: the base volume, swaying by up to ±25 % along an hourly interpolated curve."""
    hour, frac = divmod(now / 3600, 1)
    a, b = (2 * seeded.uniform(inst.symbol, "volume", int(hour) + d) - 1 for d in (0, 1))
    value = inst.volume * (1 + 0.25 * (a + (b - a) * frac))
    return Decimal(value).quantize(inst.lot, rounding=ROUND_HALF_EVEN)
