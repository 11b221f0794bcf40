"""Feed state in the hub: status messages and the catalog, the newer one wins."""

from __future__ import annotations

import json
import time

from channels.layers import InMemoryChannelLayer

from dashboard.feedstate import sync_states
from dashboard.hub import Hub
from feeds.store import MemoryStore


class Box:
    """Stands in for an Outbox: records the control frames the hub hands it."""

    def __init__(self) -> None:
        self.frames: list[dict] = []

    def control(self, text: str) -> None:
        self.frames.append(json.loads(text))

    def put(self, key: str, text: str) -> None:
        self.frames.append(json.loads(text))


def hub_with_viewer(symbol: str = "AAPL") -> tuple[Hub, Box]:
    hub = Hub(InMemoryChannelLayer(), MemoryStore(10))
    box = Box()
    hub.subs[symbol] = {box}
    return hub, box


def entry(state: str) -> dict:
    return {"state": state}


def test_a_catalog_newer_than_what_the_hub_knows_sets_the_state_and_tells_viewers():
    hub, box = hub_with_viewer()
    assert sync_states(hub, {"AAPL": entry("stale")}, time.time(), ["AAPL"]) == 1
    assert hub.state == {"AAPL": "stale"}
    assert box.frames == [{"type": "status", "symbol": "AAPL", "state": "stale"}]
    assert sync_states(hub, {"AAPL": entry("stale")}, time.time(), ["AAPL"]) == 0  # no change, no frame
    assert sync_states(hub, {"AAPL": entry("live")}, time.time(), ["AAPL"]) == 1
    assert hub.state == {} and box.frames[-1]["state"] == "live"


def test_a_status_message_newer_than_the_catalog_wins():
    hub, box = hub_with_viewer()
    loaded_at = time.time()
    hub.set_state("AAPL", "stale")  # arrives after the catalog was loaded
    assert sync_states(hub, {"AAPL": entry("live")}, loaded_at, ["AAPL"]) == 0
    assert hub.state == {"AAPL": "stale"}


def test_a_symbol_no_enabled_feed_provides_is_stale():
    hub, _ = hub_with_viewer()
    sync_states(hub, {}, time.time(), ["AAPL"])
    assert hub.state == {"AAPL": "stale"}


def test_only_a_value_committed_after_the_staleness_was_learnt_proves_the_feed_live():
    hub, box = hub_with_viewer()
    old = {"symbol": "AAPL", "seq": 1, "sent_at": time.time() - 5, "price": 1.0}
    hub.set_state("AAPL", "stale")
    hub.apply(old)  # e.g. the snapshot a newly joined process loads
    assert hub.state == {"AAPL": "stale"}
    hub.apply({**old, "seq": 2, "sent_at": time.time() + 1, "price": 2.0})
    assert hub.state == {}
    assert [(f["type"], f.get("state")) for f in box.frames] == [
        ("status", "stale"),
        ("update", None),
        ("status", "live"),
        ("update", None),
    ]
    hub.set_state("AAPL", "live")  # the worker's went_live message after it: said already
    assert len(box.frames) == 4
