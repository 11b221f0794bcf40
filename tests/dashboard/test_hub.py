"""The per-process hub with a real in-memory channel layer, a real store and real outboxes."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from channels.layers import get_channel_layer

from dashboard.hub import Hub
from dashboard.outbox import Outbox
from feeds.publish import updates_publish
from feeds.store import MemoryStore


def quote(symbol: str, price: float) -> dict:
    ts = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"symbol": symbol, "kind": "quote", "ts": ts, "source": "test", "price": price}


class Viewer:
    """A real outbox whose socket records what it is sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.box = Outbox(self._send, on_stall=lambda: None, max_stall=10)

    async def _send(self, text: str) -> None:
        self.sent.append(text)

    def frames(self) -> list[dict]:
        return [json.loads(t) for t in self.sent]


async def until(check, timeout: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@pytest.fixture
async def hub(settings):
    settings.TICKER_HUB_RECONCILE_S = 3600  # reconcile only when a test calls it
    store = MemoryStore(50)
    hub = Hub(get_channel_layer(), store)
    await hub.start()
    yield hub
    await hub.stop()


async def test_a_published_update_reaches_every_local_viewer_as_one_encoded_frame(hub):
    a, b = Viewer(), Viewer()
    assert await hub.subscribe(a.box, ["HUBA"]) == {}
    await hub.subscribe(b.box, ["HUBA"])
    await updates_publish(hub.store.commit([quote("HUBA", 10.0)]))
    await until(lambda: a.sent and b.sent)
    assert a.sent[0] is b.sent[0]  # encoded once, the same string handed to both
    frame = a.frames()[0]
    assert frame["type"] == "update" and frame["symbol"] == "HUBA" and frame["price"] == 10.0
    assert hub.viewers() == {"HUBA": 2}


async def test_subscribe_gives_a_snapshot_only_when_newer_than_since(hub):
    (update,) = hub.store.commit([quote("HUBB", 5.0)])
    v = Viewer()
    (snap,) = (await hub.subscribe(v.box, ["HUBB"])).values()
    assert json.loads(snap)["type"] == "snapshot" and json.loads(snap)["seq"] == update["seq"]
    assert await hub.subscribe(Viewer().box, ["HUBB"], {"HUBB": update["seq"]}) == {}


async def test_duplicate_and_older_updates_are_dropped(hub):
    v = Viewer()
    await hub.subscribe(v.box, ["HUBC"])
    first, second = hub.store.commit([quote("HUBC", 1.0)]), hub.store.commit([quote("HUBC", 2.0)])
    assert hub.apply(second[0]) is True
    assert hub.apply(first[0]) is False
    assert hub.apply(second[0]) is False
    await until(lambda: v.sent)
    await asyncio.sleep(0.05)
    assert [f["price"] for f in v.frames()] == [2.0]


async def test_reconcile_replays_what_the_layer_lost_but_not_what_is_in_flight(hub):
    v = Viewer()
    await hub.subscribe(v.box, ["HUBD"])
    lost = hub.store.commit([quote("HUBD", 3.0)])[0]  # committed, never published
    assert await hub.reconcile() == 0  # it may still be on its way
    assert await hub.reconcile() == 1  # a whole round later it has not come: lost
    await until(lambda: v.sent)
    assert v.frames()[-1]["seq"] == lost["seq"]

    in_flight = hub.store.commit([quote("HUBD", 4.0)])[0]
    assert await hub.reconcile() == 0
    hub.apply(in_flight)  # the layer delivers it before the next round
    assert await hub.reconcile() == 0
    await until(lambda: len(v.sent) == 2)
    assert [f["price"] for f in v.frames()] == [3.0, 4.0]


async def test_a_stale_feed_is_told_to_viewers_and_cleared_by_a_newer_value(hub):
    v = Viewer()
    hub.store.commit([quote("HUBE", 1.0)])
    await hub.subscribe(v.box, ["HUBE"])
    hub.set_state("HUBE", "stale")
    (snap,) = (await hub.subscribe(Viewer().box, ["HUBE"])).values()
    assert json.loads(snap)["state"] == "stale"
    await asyncio.sleep(0.01)  # the next value is committed after the process learnt of the staleness
    hub.apply(hub.store.commit([quote("HUBE", 2.0)])[0])
    await until(lambda: len(v.sent) == 3)
    status_stale, status_live, update = v.frames()
    assert status_stale == {"type": "status", "symbol": "HUBE", "state": "stale"}
    assert status_live == {"type": "status", "symbol": "HUBE", "state": "live"}
    assert update["type"] == "update" and update["price"] == 2.0
    (snap,) = (await hub.subscribe(Viewer().box, ["HUBE"])).values()
    assert json.loads(snap)["state"] == "live"


async def test_an_unsubscribed_viewer_gets_nothing_more(hub):
    a, b = Viewer(), Viewer()
    await hub.subscribe(a.box, ["HUBF"])
    await hub.subscribe(b.box, ["HUBF"])
    hub.unsubscribe(a.box, ["HUBF"])
    assert hub.viewers() == {"HUBF": 1}
    hub.apply(hub.store.commit([quote("HUBF", 1.0)])[0])
    await until(lambda: b.sent)
    await asyncio.sleep(0.05)
    assert a.sent == []
    hub.unsubscribe(b.box, ["HUBF"])
    assert hub.viewers() == {}


async def test_snapshot_frames_are_encoded_once_per_value_and_state(hub):
    hub.store.commit([quote("HUBG", 1.0)])
    (first,) = (await hub.subscribe(Viewer().box, ["HUBG"])).values()
    (again,) = (await hub.subscribe(Viewer().box, ["HUBG"])).values()
    assert again is first
    hub.set_state("HUBG", "stale")
    (stale,) = (await hub.subscribe(Viewer().box, ["HUBG"])).values()
    assert stale is not first and json.loads(stale)["state"] == "stale"
    hub.apply(hub.store.commit([quote("HUBG", 2.0)])[0])
    (newer,) = (await hub.subscribe(Viewer().box, ["HUBG"])).values()
    assert json.loads(newer)["price"] == 2.0 and json.loads(newer)["state"] == "live"
