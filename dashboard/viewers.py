"""How many connections watch each symbol, across every web process, for operators.

The channel layer cannot list a group's members, and each hub only knows its own
sockets. So each web process writes its counts every ``TICKER_VIEWERS_PUBLISH_S``
seconds as one JSON value with a TTL (``<prefix>:viewers:proc:<id>``), indexed by a
sorted set scored by expiry (``<prefix>:viewers:procs``); a reader sums the live
ones. A process that dies stops counting within the TTL. Without Redis (the
embedded default) the one process keeps its counts in memory.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from functools import cache

import redis
import redis.asyncio as aredis
from django.conf import settings

PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

_local: dict[str, str] = {}  # embedded: process id -> published JSON
_aclients: dict[asyncio.AbstractEventLoop, aredis.Redis] = {}


@dataclass
class ViewerReport:
    symbols: dict[str, int] = field(default_factory=dict)  # symbol -> connections watching it
    processes: list[dict] = field(default_factory=list)  # {process, connections, symbols, at}

    @property
    def connections(self) -> int:
        return sum(p["connections"] for p in self.processes)


def _index_key() -> str:
    return f"{settings.TICKER_REDIS_PREFIX}:viewers:procs"


def _proc_key(process: str) -> str:
    return f"{settings.TICKER_REDIS_PREFIX}:viewers:proc:{process}"


def ttl_s() -> int:
    return max(10, math.ceil(3 * settings.TICKER_VIEWERS_PUBLISH_S))


def _aclient() -> aredis.Redis:
    loop = asyncio.get_running_loop()
    client = _aclients.get(loop)
    if client is None:
        client = _aclients[loop] = aredis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)
    return client


@cache
def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)


async def publish(counts: dict[str, int], connections: int) -> None:
    """Write this process's counts; they count for ``ttl_s()`` seconds."""
    now = time.time()
    body = json.dumps({"process": PROCESS_ID, "connections": connections, "symbols": counts, "at": now})
    if not settings.REDIS_URL:
        _local[PROCESS_ID] = body
        return
    ttl = ttl_s()
    pipe = _aclient().pipeline(transaction=True)
    pipe.set(_proc_key(PROCESS_ID), body, ex=ttl)
    pipe.zadd(_index_key(), {PROCESS_ID: now + ttl})
    pipe.zremrangebyscore(_index_key(), "-inf", now)
    await pipe.execute()


async def withdraw() -> None:
    """This process stops counting (clean shutdown)."""
    if not settings.REDIS_URL:
        _local.pop(PROCESS_ID, None)
        return
    pipe = _aclient().pipeline(transaction=True)
    pipe.delete(_proc_key(PROCESS_ID))
    pipe.zrem(_index_key(), PROCESS_ID)
    await pipe.execute()


def read() -> ViewerReport:
    """Every live process's counts, summed per symbol (sync: for admin views)."""
    if settings.REDIS_URL:
        client = _client()
        live = client.zrangebyscore(_index_key(), time.time(), "+inf")
        bodies = client.mget([_proc_key(p.decode()) for p in live]) if live else []
    else:
        bodies = list(_local.values())
    report = ViewerReport()
    for body in bodies:
        if body is None:  # expired between the two reads
            continue
        proc = json.loads(body)
        report.processes.append(proc)
        for sym, n in proc["symbols"].items():
            report.symbols[sym] = report.symbols.get(sym, 0) + n
    report.processes.sort(key=lambda p: p["process"])
    return report
