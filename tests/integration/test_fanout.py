"""Fan-out with real parts: uvicorn web processes, Redis (store and pub/sub layer), WebSocket clients.

Updates are committed and published from this test process through the project's own
``RedisStore.commit`` and ``updates_publish``, on the same Redis prefix as the web processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

from feeds.models import Feed
from feeds.publish import updates_publish
from feeds.store import RedisStore
from tests import wsclient
from tests.processes import start_web
from tests.wsclient import PausableClient

pytestmark = pytest.mark.integration

SYMBOLS = [f"F{i}" for i in range(50)]
NAME = "x" * 400  # bigger frames fill a stalled socket's buffers sooner


@pytest.fixture
def publisher(process_env, settings):
    """Commit-and-publish on the web processes' Redis prefix, as a worker does."""
    url, prefix = process_env["REDIS_URL"], process_env["TICKER_REDIS_PREFIX"]
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [url], "prefix": f"{prefix}:layer"},
        }
    }
    Feed.objects.create(
        name="fanout", adapter="binance", url="http://127.0.0.1:9/", symbols=",".join(SYMBOLS), interval=60
    )
    store = RedisStore(url, prefix, 50)
    n = 0

    async def publish(symbols: list[str], name: str = NAME) -> list[dict]:
        nonlocal n
        n += 1
        records = [
            {"symbol": s, "kind": "quote", "ts": _now(), "source": "fanout", "price": n, "name": name}
            for s in symbols
        ]
        committed = store.commit(records)
        await updates_publish(committed)
        return committed

    return publish


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def subscribe(ws, symbols: list[str]) -> dict[str, int]:
    """Subscribe and read the ack and snapshots; returns each symbol's snapshot seq."""
    await wsclient.send(ws, action="subscribe", symbols=symbols)
    assert (await wsclient.recv(ws))["type"] == "subscribed"
    seqs = {}
    while len(seqs) < len(symbols):
        frame = await wsclient.recv(ws)
        assert frame["type"] == "snapshot", frame
        seqs[frame["symbol"]] = frame["seq"]
    return seqs


async def drain(ws, quiet: float) -> list[dict]:
    """Read until nothing arrives for ``quiet`` seconds."""
    frames = []
    with contextlib.suppress(TimeoutError):
        while True:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), quiet)))
    return frames


async def test_a_reader_that_stops_gets_conflated_latest_values_then_4001_while_others_keep_up(
    process_env, publisher
):
    close_s = 4.0
    web, port = start_web({**process_env, "TICKER_SLOW_VIEWER_CLOSE_S": str(close_s), "LOG_LEVEL": "INFO"})
    slow = None
    try:
        await publisher(SYMBOLS)
        fast_seen: dict[str, list[int]] = {s: [] for s in SYMBOLS}
        async with wsclient.connect(port) as fast:
            await subscribe(fast, SYMBOLS)
            slow = await PausableClient.connect(port)
            slow.send(action="subscribe", symbols=SYMBOLS)
            await slow.wait_frames(1 + len(SYMBOLS))  # ack and snapshots

            async def read_fast():
                async for text in fast:
                    frame = json.loads(text)
                    fast_seen[frame["symbol"]].append(frame["seq"])

            async def publish_for(seconds: float, until_full: PausableClient | None = None) -> dict[str, int]:
                """Publish every symbol in rounds; first until ``until_full``'s socket is full, if given."""
                last = {}
                loop = asyncio.get_running_loop()
                end = loop.time() + seconds
                while loop.time() < end or (until_full is not None and until_full.unread() < 60_000):
                    if until_full is not None and until_full.unread() >= 60_000:
                        end, until_full = loop.time() + seconds, None  # full: the server blocks soon after
                    for u in await publisher(SYMBOLS):
                        last[u["symbol"]] = u["seq"]
                    await asyncio.sleep(0.02)
                return last

            reader = asyncio.create_task(read_fast())
            # Phase 1: the slow reader stops, and stays stopped for less than the close threshold
            # once its socket is full.
            mark = len(slow.frames)
            slow.pause()
            last = await publish_for(close_s / 2, until_full=slow)
            slow.resume()

            def seqs_by_symbol() -> dict[str, list[int]]:
                out: dict[str, list[int]] = {}
                for f in slow.frames[mark:]:
                    out.setdefault(f["symbol"], []).append(f["seq"])
                return out

            deadline = asyncio.get_running_loop().time() + 15
            while {s: seqs[-1] for s, seqs in seqs_by_symbol().items()} != last:
                assert asyncio.get_running_loop().time() < deadline, "the latest values never arrived"
                await asyncio.sleep(0.1)
            by_symbol = seqs_by_symbol()
            assert all(seqs == sorted(set(seqs)) for seqs in by_symbol.values()), "out of order or repeated"
            skipped = sum(
                b - a - 1 for seqs in by_symbol.values() for a, b in zip(seqs, seqs[1:], strict=False)
            )
            assert skipped > 0, "a reader that fell behind should have been sent conflated values"
            assert slow.close_code is None

            # Phase 2: it stays stopped longer than the threshold: what was buffered, then 4001
            # (it resumes within TICKER_SLOW_VIEWER_GRACE_S; after that it would be dropped).
            slow.pause()
            await publish_for(close_s + 2.0, until_full=slow)
            slow.resume()
            await asyncio.wait([slow.lost], timeout=15)
            assert slow.close_code == 4001, (slow.lost.done(), slow.frames[-1:], web.output()[-2000:])

            # The fast reader kept receiving, in order, and still does.
            before = sum(map(len, fast_seen.values()))
            await publish_for(0.5)
            await asyncio.sleep(0.5)
            reader.cancel()
            assert sum(map(len, fast_seen.values())) > before
            for s, seqs in fast_seen.items():
                assert seqs == sorted(set(seqs)), f"{s}: out of order or repeated"
    finally:
        if slow is not None:
            slow.close()
        web.stop()


async def test_two_web_processes_on_one_redis_each_deliver_each_update_at_most_once_and_the_latest(
    process_env, publisher
):
    symbols = SYMBOLS[:10]
    webs = [start_web(process_env) for _ in range(2)]
    try:
        await publisher(symbols)
        async with wsclient.connect(webs[0][1]) as a, wsclient.connect(webs[1][1]) as b:
            starts = [await subscribe(a, symbols), await subscribe(b, symbols)]
            got: list[dict[str, list[int]]] = [{s: [] for s in symbols}, {s: [] for s in symbols}]

            async def collect(ws, into: dict[str, list[int]]) -> None:
                async for text in ws:
                    frame = json.loads(text)
                    if frame["type"] in ("update", "snapshot"):  # not heartbeats or feed status
                        into[frame["symbol"]].append(frame["seq"])

            readers = [asyncio.create_task(collect(ws, into)) for ws, into in zip((a, b), got, strict=True)]
            expected: dict[str, list[int]] = {s: [] for s in symbols}
            for _ in range(30):
                for u in await publisher(symbols, name=""):
                    expected[u["symbol"]].append(u["seq"])
                await asyncio.sleep(0.01)
            last = {s: seqs[-1] for s, seqs in expected.items()}
            deadline = asyncio.get_running_loop().time() + 15
            while any(g[s][-1:] != [last[s]] for g in got for s in symbols):
                assert asyncio.get_running_loop().time() < deadline, "the latest value did not arrive"
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.5)  # and nothing twice
            for task in readers:
                task.cancel()
            # A burst may be conflated at a busy socket (latest value per symbol), so a viewer
            # gets a subset of the updates: never one twice, never out of order, always the latest.
            for g, start in zip(got, starts, strict=True):
                for s in symbols:
                    assert g[s] == sorted(set(g[s])), f"{s}: repeated or out of order: {g[s]}"
                    assert set(g[s]) <= set(expected[s]), f"{s}: a seq nobody published"
                    assert g[s][0] > start[s] and g[s][-1] == last[s]
    finally:
        for web, _ in webs:
            web.stop()


async def test_a_peer_that_reads_nothing_after_its_close_is_dropped(process_env, publisher):
    env = {**process_env, "TICKER_SLOW_VIEWER_CLOSE_S": "1", "TICKER_SLOW_VIEWER_GRACE_S": "1"}
    web, port = start_web({**env, "LOG_LEVEL": "INFO"})
    slow = None
    try:
        await publisher(SYMBOLS)
        slow = await PausableClient.connect(port)
        slow.send(action="subscribe", symbols=SYMBOLS)
        await slow.wait_frames(1 + len(SYMBOLS))
        slow.pause()
        loop = asyncio.get_running_loop()
        end = loop.time() + 6.0  # fill its buffers, stay behind 1 s, then 1 s of grace, with room to spare
        while loop.time() < end:
            await publisher(SYMBOLS)
            await asyncio.sleep(0.02)
        slow.resume()
        await asyncio.wait([slow.lost], timeout=10)
        assert slow.lost.done(), "the server still holds a connection that read nothing"
        assert slow.close_code is None  # reset, not closed: the close frame never got through
        assert "dropped" in web.output()
    finally:
        if slow is not None:
            slow.close()
        web.stop()
