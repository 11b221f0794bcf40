"""Publishing: committed updates go to their symbol's channel-layer group.

The group is the contract between workers and web processes: each web process's
hub holds one membership per symbol and receives each update once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from channels.layers import get_channel_layer

from feeds.schema import Update

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def group_for(symbol: str) -> str:
    """The channel-layer group of a symbol (group names allow ``[A-Za-z0-9._-]`` only)."""
    return "sym." + _UNSAFE.sub("_", symbol)


async def updates_publish(updates: Iterable[Update]) -> int:
    """Send each update to its symbol's group; returns how many were sent."""
    layer = get_channel_layer()
    n = 0
    for update in updates:
        await layer.group_send(group_for(update["symbol"]), {"type": "ticker.update", "update": update})
        n += 1
    return n


async def status_publish(symbols: Iterable[str], state: str) -> None:
    """Tell each symbol's viewers that its feed went ``stale`` or is ``live`` again."""
    layer = get_channel_layer()
    for symbol in symbols:
        await layer.group_send(group_for(symbol), {"type": "ticker.status", "symbol": symbol, "state": state})


async def poll_result_publish(result) -> None:
    """Publish what one poll produced: its updates, then any feed state change."""
    await updates_publish(result.updates)
    if result.went_stale:
        await status_publish(result.went_stale, "stale")
    if result.went_live:
        await status_publish(result.went_live, "live")
