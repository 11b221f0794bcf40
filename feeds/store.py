"""The snapshot store: latest value, sequence and bounded history per symbol.

It is where "drop unchanged", "drop out of order" and "seq only grows" are decided,
atomically, so any number of workers can publish the same symbol safely. Web
processes read snapshots and history from it. Two backends share one contract:
``RedisStore`` (production; shared by every process) and ``MemoryStore`` (the
embedded default; one process).

``seq`` of a symbol the store has never seen starts at the current Unix time in
milliseconds, so it keeps growing even across a Redis restart that lost the store.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from functools import cache

import redis
import redis.asyncio as aredis
from django.conf import settings
from redis.exceptions import LockError

from feeds.schema import Record, Update, ts_millis, value_fingerprint

_COMMIT_LUA = """
local cur = redis.call('HMGET', KEYS[1], 'seq', 'tsms', 'fp')
local seq
if cur[1] then
  if tonumber(ARGV[1]) < tonumber(cur[2]) then return 0 end
  if ARGV[2] == cur[3] then return 0 end
  seq = tonumber(cur[1]) + 1
else
  seq = tonumber(ARGV[4])
end
local full = '{"seq":' .. seq .. ',' .. string.sub(ARGV[3], 2)
redis.call('HSET', KEYS[1], 'seq', seq, 'tsms', ARGV[1], 'fp', ARGV[2], 'data', full)
redis.call('LPUSH', KEYS[2], full)
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]) - 1)
redis.call('HSET', KEYS[3], ARGV[6], ARGV[7])
return seq
"""


def _body(record: Record) -> str:
    """The record as JSON with ``sent_at``; the store prepends ``seq``."""
    return json.dumps({**record, "sent_at": round(time.time(), 6)}, separators=(",", ":"))


def _meta(record: Record) -> str:
    meta = {
        "kind": record["kind"],
        "feed": record["source"],
        "name": record.get("name", ""),
        "at": int(time.time()),
    }
    return json.dumps(meta, separators=(",", ":"))


class MemoryStore:
    """The embedded default: one process, one lock."""

    def __init__(self, history_len: int) -> None:
        self._lock = threading.Lock()
        self._snap: dict[str, tuple[int, int, str, Update]] = {}
        self._hist: dict[str, deque[Update]] = {}
        self._meta: dict[str, dict] = {}
        self._locks: dict[str, tuple[float, object]] = {}
        self._history_len = history_len

    def commit(self, records: Iterable[Record]) -> list[Update]:
        """Keep the records that are new values in order; give each its ``seq``."""
        out: list[Update] = []
        with self._lock:
            for rec in records:
                sym, tsms, fp = rec["symbol"], ts_millis(rec["ts"]), value_fingerprint(rec)
                cur = self._snap.get(sym)
                if cur and (tsms < cur[1] or fp == cur[2]):
                    continue
                seq = cur[0] + 1 if cur else int(time.time() * 1000)
                update = json.loads(f'{{"seq":{seq},{_body(rec)[1:]}')
                self._snap[sym] = (seq, tsms, fp, update)
                self._hist.setdefault(sym, deque(maxlen=self._history_len)).append(update)
                self._meta[sym] = json.loads(_meta(rec))
                out.append(update)
        return out

    async def snapshots(self, symbols: Iterable[str]) -> dict[str, Update]:
        return {s: self._snap[s][3] for s in symbols if s in self._snap}

    async def history(self, symbol: str, limit: int) -> list[Update]:
        return list(self._hist.get(symbol, ()))[-limit:]

    async def symbols(self, max_age: float | None = None) -> dict[str, dict]:
        """Symbol meta, without symbols last updated more than ``max_age`` seconds ago."""
        cutoff = time.time() - max_age if max_age else 0
        return {s: m for s, m in self._meta.items() if m["at"] >= cutoff}

    @contextmanager
    def lease(self, name: str, ttl: float) -> Iterator[bool]:
        """Hold the named lease for at most ``ttl`` s; yields False if another holds it."""
        now, token = time.monotonic(), object()
        with self._lock:
            held = self._locks.get(name)
            if held and held[0] > now:
                yield False
                return
            self._locks[name] = (now + ttl, token)
        try:
            yield True
        finally:
            with self._lock:
                if self._locks.get(name, (0, None))[1] is token:
                    del self._locks[name]


class RedisStore:
    """Production: every process shares the store through Redis."""

    def __init__(self, url: str, prefix: str, history_len: int) -> None:
        self._url, self._prefix, self._history_len = url, prefix, history_len
        self._sync = redis.Redis.from_url(url, socket_timeout=5, health_check_interval=30)
        self._commit = self._sync.register_script(_COMMIT_LUA)
        self._async: dict[asyncio.AbstractEventLoop, aredis.Redis] = {}

    def key(self, *parts: str) -> str:
        return ":".join((self._prefix, *parts))

    def _aio(self) -> aredis.Redis:
        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            client = aredis.Redis.from_url(
                self._url, max_connections=settings.REDIS_MAX_CONNECTIONS, health_check_interval=30
            )
            self._async[loop] = client
        return client

    def commit(self, records: Iterable[Record]) -> list[Update]:
        records = list(records)
        if not records:
            return []
        now_ms = int(time.time() * 1000)
        pipe = self._sync.pipeline(transaction=False)
        bodies = []
        for rec in records:
            sym, body = rec["symbol"], _body(rec)
            bodies.append(body)
            self._commit(
                keys=[self.key("snap", sym), self.key("hist", sym), self.key("symbols")],
                args=[
                    ts_millis(rec["ts"]),
                    value_fingerprint(rec),
                    body,
                    now_ms,
                    self._history_len,
                    sym,
                    _meta(rec),
                ],
                client=pipe,
            )
        seqs = pipe.execute()
        return [
            json.loads(f'{{"seq":{seq},{body[1:]}') for seq, body in zip(seqs, bodies, strict=True) if seq
        ]

    async def snapshots(self, symbols: Iterable[str]) -> dict[str, Update]:
        symbols = list(symbols)
        if not symbols:
            return {}
        pipe = self._aio().pipeline(transaction=False)
        for sym in symbols:
            pipe.hget(self.key("snap", sym), "data")
        rows = await pipe.execute()
        return {sym: json.loads(row) for sym, row in zip(symbols, rows, strict=True) if row}

    async def history(self, symbol: str, limit: int) -> list[Update]:
        rows = await self._aio().lrange(self.key("hist", symbol), 0, max(0, limit - 1))
        return [json.loads(r) for r in reversed(rows)]

    async def symbols(self, max_age: float | None = None) -> dict[str, dict]:
        """Symbol meta, without (and forgetting) symbols last updated more than ``max_age`` s ago."""
        client = self._aio()
        rows = {k.decode(): json.loads(v) for k, v in (await client.hgetall(self.key("symbols"))).items()}
        if not max_age:
            return rows
        cutoff = time.time() - max_age
        old = [s for s, m in rows.items() if m.get("at", 0) < cutoff]
        if old:
            await client.hdel(self.key("symbols"), *old)
        return {s: m for s, m in rows.items() if m.get("at", 0) >= cutoff}

    @contextmanager
    def lease(self, name: str, ttl: float) -> Iterator[bool]:
        """redis-py's token lock: a lease that expired and went to another is not ours to free."""
        lock = self._sync.lock(self.key("lock", name), timeout=ttl, blocking=False)
        if not lock.acquire():
            yield False
            return
        try:
            yield True
        finally:
            with suppress(LockError):
                lock.release()


Store = MemoryStore | RedisStore


@cache
def get_store() -> Store:
    """The process's store, chosen by ``REDIS_URL``."""
    if settings.REDIS_URL:
        return RedisStore(settings.REDIS_URL, settings.TICKER_REDIS_PREFIX, settings.TICKER_HISTORY_LEN)
    return MemoryStore(settings.TICKER_HISTORY_LEN)
