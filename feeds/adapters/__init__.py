"""The adapter registry: one explicit dict, from which the admin's choices are built.

Adding a provider is one module under ``feeds/adapters/`` that defines ``ADAPTER``
plus one line here.
"""

from __future__ import annotations

from importlib import import_module

from feeds.adapters.base import Adapter

ADAPTERS: dict[str, tuple[str, str]] = {
    "binance": ("Binance ticker/price and ticker/24hr", "feeds.adapters.binance"),
    "finnhub": ("Finnhub quote (one request per symbol)", "feeds.adapters.finnhub"),
    "coingecko": ("CoinGecko simple/price (coin ids)", "feeds.adapters.coingecko"),
    "coinbase": ("Coinbase Exchange product ticker", "feeds.adapters.coinbase"),
    "alphavantage": ("Alpha Vantage GLOBAL_QUOTE", "feeds.adapters.alphavantage"),
    "stooq": ("Stooq CSV quotes", "feeds.adapters.stooq"),
    "espn": ("ESPN scoreboard (any sport/league)", "feeds.adapters.espn"),
    "json": ("Generic JSON API (field map in options)", "feeds.adapters.generic_json"),
}


def adapter_choices() -> list[tuple[str, str]]:
    """(name, label) pairs for the ``Feed.adapter`` field."""
    return [(name, label) for name, (label, _) in ADAPTERS.items()]


def get_adapter(name: str) -> Adapter:
    """The registered adapter ``name``; ``KeyError`` names the known ones."""
    try:
        _, path = ADAPTERS[name]
    except KeyError:
        raise KeyError(f"unknown adapter {name!r}; known: {', '.join(sorted(ADAPTERS))}") from None
    return import_module(path).ADAPTER
