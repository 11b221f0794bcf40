"""The per-process hub: one channel-layer membership per symbol, fan-out to local sockets.

Each web process holds one hub (per event loop). The hub joins a symbol's group
when its first local viewer subscribes, receives every update for it once,
encodes the frame once, and hands that same string to every local subscriber's
``Outbox``. It owns recovery: updates carry a per-symbol ``seq`` so duplicates and
stale values are dropped, a periodic reconcile against the snapshot store
replays whatever the layer lost (pub/sub reconnects, a Redis restart), and
memberships are renewed (channels-redis expires group members).
"""

from __future__ import annotations

import asyncio
import logging
import time

from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings

from dashboard.catalog import Catalog
from dashboard.outbox import Outbox
from dashboard.perloop import PerLoop
from dashboard.protocol import data_frame, frame
from feeds.publish import group_for
from feeds.store import Store, get_store
from tickerproj.metrics import PUBLISH_TO_SEND

log = logging.getLogger("ticker.hub")

LINGER_S = 30.0  # keep a membership this long after the last local viewer leaves


class Hub:
    def __init__(self, layer: BaseChannelLayer, store: Store) -> None:
        self.layer, self.store = layer, store
        self.catalog = Catalog()
        self.channel = ""
        self.subs: dict[str, set[Outbox]] = {}
        self.latest: dict[str, tuple[int, dict]] = {}  # symbol -> (seq, update)
        self.state: dict[str, str] = {}  # symbol -> "stale" while its feed is down
        self.state_at: dict[str, float] = {}  # symbol -> when (epoch s) its state was last learnt
        self._store_seqs: dict[str, int] = {}  # symbol -> seq in the store at the last reconcile
        self._snapshots: dict[str, tuple[int, str | None, str]] = {}  # symbol -> (seq, state, frame)
        self._joined: dict[str, asyncio.Future] = {}
        self._idle_since: dict[str, float] = {}
        self._tasks: list[asyncio.Task] = []
        self.received = 0
        self.layer_errors = 0

    async def start(self) -> None:
        self.channel = await self.layer.new_channel(prefix="hub.")
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._receive_loop()), loop.create_task(self._maintain_loop())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- delivery -------------------------------------------------------------------
    async def _receive_loop(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.layer_errors += 1
                log.warning("channel layer receive failed (%s); retrying", exc)
                await asyncio.sleep(0.5)
                continue
            self.received += 1
            kind = message.get("type")
            if kind == "ticker.update":
                if self.apply(message["update"]):
                    PUBLISH_TO_SEND.observe(max(0.0, time.time() - message["update"].get("sent_at", 0)))
            elif kind == "ticker.status":
                self.set_state(message["symbol"], message["state"])

    def apply(self, update: dict) -> bool:
        """Take an update if it is newer than what this process has; fan it out once encoded."""
        symbol, seq = update["symbol"], update["seq"]
        cur = self.latest.get(symbol)
        if cur is not None and seq <= cur[0]:
            return False
        # Only a value committed after the process learnt of the staleness proves the feed live.
        if self.state.get(symbol) == "stale" and update.get("sent_at", 0) > self.state_at.get(symbol, 0):
            self.set_state(symbol, "live")
        self.latest[symbol] = (seq, update)
        if boxes := self.subs.get(symbol):
            frame = data_frame("update", update)
            for box in boxes:
                box.put(symbol, frame)
        return True

    def set_state(self, symbol: str, state: str) -> None:
        """Record a feed state change for a symbol and tell its viewers."""
        self.state_at[symbol] = time.time()
        if self.state.get(symbol, "live") == state:
            return
        if state == "stale":
            self.state[symbol] = state
        else:
            self.state.pop(symbol, None)
        text = frame("status", symbol=symbol, state=state)
        for box in self.subs.get(symbol, ()):
            box.control(text)

    # --- subscriptions ----------------------------------------------------------------
    async def _ensure_joined(self, symbols: list[str]) -> None:
        """Join the groups of symbols this process does not hold yet and load their snapshots."""
        loop = asyncio.get_running_loop()
        mine = [s for s in symbols if s not in self._joined]
        waits = [self._joined[s] for s in symbols if s in self._joined and not self._joined[s].done()]
        if mine:
            fut = loop.create_future()
            for s in mine:
                self._joined[s] = fut
            try:
                await asyncio.gather(*(self.layer.group_add(group_for(s), self.channel) for s in mine))
                for update in (await self.store.snapshots(mine)).values():
                    self.apply(update)
                fut.set_result(True)
            except BaseException as exc:
                for s in mine:
                    self._joined.pop(s, None)
                fut.set_exception(exc)
                fut.exception()  # retrieved: waiters re-raise it themselves
                raise
        for fut in waits:
            await fut

    async def subscribe(
        self, box: Outbox, symbols: list[str], since: dict[str, int] | None = None
    ) -> dict[str, str]:
        """Register ``box`` for ``symbols``; returns their snapshot frames by symbol, in
        order (none for a symbol whose value is not newer than ``since``).

        Nothing awaits between reading a snapshot and registering the box, so the
        viewer gets every later update and no update older than its snapshot.
        """
        await self._ensure_joined(symbols)
        since = since or {}
        frames = {}
        for s in symbols:
            self.subs.setdefault(s, set()).add(box)
            self._idle_since.pop(s, None)
            cur = self.latest.get(s)
            if cur is not None and cur[0] > since.get(s, -1):
                frames[s] = self._snapshot_frame(s, cur)
        return frames

    def _snapshot_frame(self, symbol: str, cur: tuple[int, dict]) -> str:
        """A symbol's snapshot frame, encoded once per value and state (a reconnect storm asks for it often)."""
        state = self.state.get(symbol)
        cached = self._snapshots.get(symbol)
        if cached is None or cached[0] != cur[0] or cached[1] != state:
            cached = self._snapshots[symbol] = (cur[0], state, data_frame("snapshot", cur[1], state))
        return cached[2]

    def unsubscribe(self, box: Outbox, symbols) -> None:
        now = time.monotonic()
        for s in symbols:
            boxes = self.subs.get(s)
            if boxes is not None:
                boxes.discard(box)
                if not boxes:
                    del self.subs[s]
                    self._idle_since[s] = now

    def viewers(self) -> dict[str, int]:
        return {s: len(b) for s, b in self.subs.items()}

    # --- recovery -----------------------------------------------------------------------
    async def _maintain_loop(self) -> None:
        last_renew = time.monotonic()
        healthy = True
        while True:
            await asyncio.sleep(settings.TICKER_HUB_RECONCILE_S)
            try:
                await self.reconcile()
                if not healthy or time.monotonic() - last_renew > settings.TICKER_HUB_RENEW_S:
                    await self.renew()
                    last_renew = time.monotonic()
                healthy = True
                await self._drop_idle()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if healthy:
                    log.warning("hub maintenance failed (%s); will resync when Redis is back", exc)
                healthy = False

    async def reconcile(self) -> int:
        """Replay from the store what the channel layer lost; returns how many were replayed.

        A symbol counts as lost when the store already held a newer value at the previous
        reconcile and it has still not arrived: values merely in flight are left to the
        layer, so a busy process does not skip updates its viewers would otherwise get.
        """
        joined = self._held()
        snapshots = await self.store.snapshots(joined)
        previous, self._store_seqs = self._store_seqs, {s: u["seq"] for s, u in snapshots.items()}
        applied = 0
        for symbol, update in snapshots.items():
            cur = self.latest.get(symbol)
            if previous.get(symbol, -1) > (cur[0] if cur is not None else -1):
                applied += self.apply(update)
        if applied:
            log.info("reconcile replayed %d updates the channel layer did not deliver", applied)
        return applied

    def _held(self) -> list[str]:
        """Symbols whose group this process has joined (not those still joining)."""
        return [s for s, f in self._joined.items() if f.done()]

    async def renew(self) -> None:
        """Re-add every membership: channels-redis forgets members after ``group_expiry``."""
        joined = self._held()
        await asyncio.gather(*(self.layer.group_add(group_for(s), self.channel) for s in joined))

    async def _drop_idle(self) -> None:
        now = time.monotonic()
        for s, since in list(self._idle_since.items()):
            if now - since > LINGER_S and s not in self.subs:
                del self._idle_since[s]
                self._joined.pop(s, None)
                self.latest.pop(s, None)
                self._snapshots.pop(s, None)
                await self.layer.group_discard(group_for(s), self.channel)


async def _start_hub() -> Hub:
    hub = Hub(get_channel_layer(), get_store())
    await hub.start()
    return hub


hubs: PerLoop[Hub] = PerLoop(_start_hub)


async def get_hub() -> Hub:
    """This event loop's hub, started on first use."""
    return await hubs.get()


async def stop_hub() -> None:
    await hubs.stop()
