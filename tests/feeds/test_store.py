"""The snapshot store's contract, on both backends: drop unchanged, drop older, seq grows."""

from __future__ import annotations

import pytest
import redis

from feeds.schema import make_quote
from feeds.store import MemoryStore, RedisStore


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "memory":
        yield MemoryStore(history_len=3)
        return
    env = request.getfixturevalue("redis_env")
    yield RedisStore(env["REDIS_URL"], env["TICKER_REDIS_PREFIX"], history_len=3)


def q(price, ts, symbol="AAPL"):
    return make_quote(symbol=symbol, price=price, source="t", ts=ts)


async def test_new_values_get_growing_seq_and_unchanged_or_older_are_dropped(store):
    first = store.commit([q("1.00", 1_700_000_000)])
    assert len(first) == 1 and first[0]["price"] == 1.0
    seq = first[0]["seq"]
    assert store.commit([q("1.00", 1_700_000_005)]) == []  # same value, newer time
    assert store.commit([q("0.50", 1_699_999_999)]) == []  # older than published
    later = store.commit([q("2", 1_700_000_010), q("3", 1_700_000_011)])
    assert [u["seq"] for u in later] == [seq + 1, seq + 2]
    assert [u["price"] for u in later] == [2, 3]
    snaps = await store.snapshots(["AAPL", "NONE"])
    assert list(snaps) == ["AAPL"] and snaps["AAPL"]["seq"] == seq + 2 and snaps["AAPL"]["price"] == 3


async def test_first_seq_is_clock_based_so_it_survives_a_lost_store(store):
    import time

    before = int(time.time() * 1000)
    (update,) = store.commit([q("5", 1_700_000_000, "MSFT")])
    assert before <= update["seq"] <= int(time.time() * 1000)


async def test_history_is_bounded_and_oldest_first(store):
    for i in range(5):
        store.commit([q(str(10 + i), 1_700_000_000 + i)])
    hist = await store.history("AAPL", 10)
    assert [u["price"] for u in hist] == [12, 13, 14]
    assert [u["price"] for u in await store.history("AAPL", 2)] == [13, 14]


async def test_symbol_meta_records_kind_and_feed(store):
    store.commit([q("1", 1_700_000_000, "ETHUSDT")])
    meta = await store.symbols()
    assert meta["ETHUSDT"]["kind"] == "quote" and meta["ETHUSDT"]["feed"] == "t"


def test_lease_excludes_a_second_holder_until_released(store):
    with store.lease("poll:1", ttl=5) as first:
        assert first is True
        with store.lease("poll:1", ttl=5) as second:
            assert second is False
    with store.lease("poll:1", ttl=5) as again:
        assert again is True


def test_redis_lease_expires_when_its_holder_dies(redis_env):
    import time

    store = RedisStore(redis_env["REDIS_URL"], redis_env["TICKER_REDIS_PREFIX"], history_len=3)
    lock = redis.Redis.from_url(redis_env["REDIS_URL"]).lock(store.key("lock", "poll:9"), timeout=0.3)
    assert lock.acquire(blocking=False)  # a holder that never releases
    with store.lease("poll:9", ttl=5) as held:
        assert held is False
    time.sleep(0.4)
    with store.lease("poll:9", ttl=5) as held:
        assert held is True


async def test_symbols_past_their_retention_leave_the_meta(store, monkeypatch):
    import time

    store.commit([q("1", 1_700_000_000, "OLDGAME")])
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 100)
    store.commit([q("1", 1_700_000_000, "NEWGAME")])
    assert set(await store.symbols(max_age=50)) == {"NEWGAME"}
    assert "OLDGAME" not in await store.symbols(max_age=50)
