"""A signed-in viewer's watchlist on the server: validate what the page sends, read, save.

The contract the page relies on: the list is kept exactly as sent (order is the row
order), or refused whole with a message naming what was wrong; nothing is silently
dropped, deduplicated or reordered. Symbols need not be in the catalog today: feeds come
and go, and the page marks a symbol no feed provides.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from dashboard.models import Watchlist
from feeds.schema import SYMBOL_RE


class WatchlistError(ValueError):
    """The body is not a watchlist; the message says why, for the viewer's toast."""


def parse_symbols(body: object) -> list[str]:
    """``{"symbols": [...]}`` → the list, or ``WatchlistError``."""
    if not isinstance(body, dict) or "symbols" not in body:
        raise WatchlistError('expected a JSON object {"symbols": [...]}')
    symbols = body["symbols"]
    if not isinstance(symbols, list):
        raise WatchlistError("symbols must be a list")
    limit = settings.TICKER_WATCHLIST_MAX
    if len(symbols) > limit:
        raise WatchlistError(f"a watchlist holds at most {limit} symbols, not {len(symbols)}")
    seen: set[str] = set()
    for index, symbol in enumerate(symbols):
        if not isinstance(symbol, str) or not SYMBOL_RE.match(symbol):
            raise WatchlistError(
                f"symbols[{index}]: {symbol!r} is not a symbol (A-Z, 0-9, . _ -; at most 40)"
            )
        if symbol in seen:
            raise WatchlistError(f"symbols[{index}]: {symbol} is listed twice")
        seen.add(symbol)
    return symbols


async def saved_watchlist(user: AbstractBaseUser) -> tuple[list[str] | None, datetime | None]:
    """The user's list and when it was saved, or ``(None, None)`` if never saved."""
    row = await Watchlist.objects.filter(user=user).afirst()
    return (row.symbols, row.updated) if row else (None, None)


async def save_watchlist(user: AbstractBaseUser, symbols: list[str]) -> datetime:
    """Replace the user's list (last write wins, as across a user's own devices); when."""
    row, _ = await Watchlist.objects.aupdate_or_create(user=user, defaults={"symbols": symbols})
    return row.updated
