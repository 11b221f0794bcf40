"""Viewer counts in real Redis: each process's counts with a TTL, summed on read."""

from __future__ import annotations

import time

import pytest
import redis
from django.test import override_settings

from dashboard import viewers


@pytest.fixture
def in_redis(redis_env, monkeypatch):
    with override_settings(
        REDIS_URL=redis_env["REDIS_URL"], TICKER_REDIS_PREFIX=redis_env["TICKER_REDIS_PREFIX"]
    ):
        yield redis.Redis.from_url(redis_env["REDIS_URL"]), redis_env["TICKER_REDIS_PREFIX"]
    viewers._client.cache_clear()
    viewers._aclients.clear()


async def as_process(monkeypatch, name: str, counts: dict[str, int], connections: int) -> None:
    monkeypatch.setattr(viewers, "PROCESS_ID", name)
    await viewers.publish(counts, connections)


async def test_counts_of_live_processes_are_summed_and_a_dead_one_drops_out(in_redis, monkeypatch):
    client, prefix = in_redis
    await as_process(monkeypatch, "web-1", {"AAPL": 3, "MSFT": 1}, 4)
    await as_process(monkeypatch, "web-2", {"AAPL": 2}, 2)
    report = viewers.read()
    assert report.symbols == {"AAPL": 5, "MSFT": 1} and report.connections == 6
    assert [p["process"] for p in report.processes] == ["web-1", "web-2"]
    assert 10 <= client.ttl(f"{prefix}:viewers:proc:web-1") <= viewers.ttl_s()

    client.delete(f"{prefix}:viewers:proc:web-2")  # its TTL ran out: it stopped reporting
    assert viewers.read().symbols == {"AAPL": 3, "MSFT": 1}
    client.zadd(f"{prefix}:viewers:procs", {"web-1": time.time() - 1})  # index says expired too
    assert viewers.read().symbols == {}


async def test_a_new_report_replaces_the_last_and_withdraw_removes_it(in_redis, monkeypatch):
    client, prefix = in_redis
    await as_process(monkeypatch, "web-1", {"AAPL": 3}, 3)
    await as_process(monkeypatch, "web-1", {"MSFT": 1}, 1)
    assert viewers.read().symbols == {"MSFT": 1}
    await viewers.withdraw()
    assert viewers.read().processes == [] and client.zcard(f"{prefix}:viewers:procs") == 0


async def test_embedded_counts_stay_in_the_process(monkeypatch):
    monkeypatch.setattr(viewers, "_local", {})
    with override_settings(REDIS_URL=""):
        await as_process(monkeypatch, "solo", {"AAPL": 1}, 1)
        assert viewers.read().symbols == {"AAPL": 1}
        await viewers.withdraw()
        assert viewers.read().symbols == {}
