"""Feed state (``live`` / ``stale``) of each symbol, kept right in the hub.

Two sources tell a web process about a feed's state: the ``ticker.status`` messages
a poll publishes when its feed goes stale or live again (fast, but a process that
joined later, or lost a pub/sub message, misses them), and the catalog, derived from
the feed's health in the database (complete, but up to a refresh old). The newer
wins: the hub stamps when it learnt each state (``Hub.state_at``), the catalog when its
load started (``Catalog.loaded_at``), and the database is written before the status is
published, so a catalog loaded after a status arrived already reflects it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dashboard.hub import Hub


def catalog_state(entries: Mapping[str, Mapping], symbol: str) -> str:
    """A symbol no enabled feed provides any more is ``stale``: nothing refreshes its value."""
    entry = entries.get(symbol)
    return entry["state"] if entry is not None else "stale"


def sync_states(hub: Hub, entries: Mapping[str, Mapping], loaded_at: float, symbols: Iterable[str]) -> int:
    """Apply the catalog's state of ``symbols`` where it is newer than the hub's; tells
    their subscribers of each change (``Hub.set_state``). Returns how many changed."""
    changed = 0
    for s in list(symbols):
        if hub.state_at.get(s, 0.0) >= loaded_at:
            continue
        want = catalog_state(entries, s)
        if want != hub.state.get(s, "live"):
            hub.set_state(s, want)
            changed += 1
    return changed
