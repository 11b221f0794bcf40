"""The rules of a connection's subscription set: what a subscribe may add, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set

from django.conf import settings

from dashboard.protocol import ProtocolError, Request, frame
from feeds.selectors import Viewer, split_visible

LISTED = 10  # symbols named in an error message; the error's ``symbols`` field has them all


def _names(symbols: list[str]) -> str:
    more = len(symbols) - LISTED
    return ", ".join(symbols[:LISTED]) + (f" and {more} more" if more > 0 else "")


def admit(current: Set[str], request: Request, entries: Mapping[str, Mapping], viewer: Viewer) -> list[str]:
    """The symbols ``request`` adds to ``current``, or ``ProtocolError`` if any part of it
    cannot be served: then nothing changes, and the error carries the unchanged set."""
    visible, forbidden, unknown = split_visible(request.symbols, entries, viewer)
    held = sorted(current)
    if unknown:
        raise ProtocolError(
            "unknown_symbol",
            f"no enabled feed provides {_names(unknown)}",
            request.id,
            symbols=unknown,
            subscriptions=held,
        )
    if forbidden:
        raise ProtocolError(
            "forbidden",
            f"you may not see {_names(forbidden)}",
            request.id,
            symbols=forbidden,
            subscriptions=held,
        )
    new = [s for s in visible if s not in current]
    limit = settings.TICKER_MAX_SUBSCRIPTIONS
    if len(current) + len(new) > limit:
        raise ProtocolError(
            "too_many_symbols",
            f"{len(new)} more would make {len(current) + len(new)} subscriptions; the limit is {limit}",
            request.id,
            subscriptions=held,
        )
    return new


def follow_ups(
    symbols: tuple[str, ...], snapshots: dict[str, str], state_of: Callable[[str], str]
) -> list[str]:
    """What follows a ``subscribed`` ack: each requested symbol gets its snapshot (``snapshots``
    maps symbol to frame), or, when there is none to send (no value yet, or ``since`` shows
    the client has it), a ``status`` with its feed's state. So a client always learns every
    symbol's state."""
    statuses = [frame("status", symbol=s, state=state_of(s)) for s in symbols if s not in snapshots]
    return [*snapshots.values(), *statuses]
