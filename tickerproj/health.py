"""Probes and metrics: ``/healthz`` (alive), ``/readyz`` (can serve), ``/metrics`` (Prometheus).

``/readyz`` answers 503 naming what is down, so a load balancer stops sending new
viewers to a process that cannot reach the database or Redis while the ones it
already serves keep their sockets.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as aredis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from tickerproj.metrics import register_web_collector

CHECK_TIMEOUT_S = 2.0


def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers: nothing else is checked (restart it if this fails)."""
    return JsonResponse({"status": "ok"})


def _database_ping() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def check_database() -> str:
    try:
        await asyncio.wait_for(sync_to_async(_database_ping)(), CHECK_TIMEOUT_S)
    except Exception as exc:
        return f"down: {type(exc).__name__}: {str(exc).strip()[:200]}"
    return "ok"


async def check_redis() -> str:
    if not settings.REDIS_URL:
        return "ok"  # the embedded default needs no Redis
    client = aredis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S
    )
    try:
        await client.ping()
    except Exception as exc:
        return f"down: {type(exc).__name__}: {str(exc).strip()[:200]}"
    finally:
        await client.aclose()
    return "ok"


async def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database and Redis answer; 503 with what is down otherwise."""
    database, redis_state = await asyncio.gather(check_database(), check_redis())
    checks = {"database": database, "redis": redis_state}
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


def metrics(request: HttpRequest) -> HttpResponse:
    """This process's metrics in the Prometheus text format."""
    register_web_collector()
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
