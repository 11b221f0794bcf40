"""Shared fixtures: real Redis, a real local upstream, environments for real processes."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from tests.upstream import Upstream

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


@pytest.fixture
def redis_url() -> str:
    """A reachable Redis; a test that needs it fails (never skips) when it is down."""
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is required at {TEST_REDIS_URL} and is not reachable: {exc}")
    return TEST_REDIS_URL


@pytest.fixture
def redis_env(redis_url: str):
    """Environment for a Redis-backed process, isolated by a unique key prefix; cleaned after."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    yield {"REDIS_URL": redis_url, "TICKER_REDIS_PREFIX": prefix}
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def upstream():
    up = Upstream()
    yield up
    up.close()


def database_url() -> str:
    """The URL of the test database pytest-django created, for child processes."""
    from django.db import connection

    s = connection.settings_dict
    if "sqlite" in s["ENGINE"]:
        pytest.fail("integration tests need PostgreSQL: run them through `make test` (DATABASE_URL)")
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    auth = s.get("USER") or "postgres"
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


@pytest.fixture
def process_env(transactional_db, redis_env) -> dict[str, str]:
    """Everything a web/worker/beat process needs to share this test's database and Redis."""
    return {**redis_env, "DATABASE_URL": database_url(), "ALLOWED_HOSTS": "127.0.0.1,localhost"}


def session_cookie(user) -> str:
    """A ``Cookie`` header value that signs ``user`` in, for sockets and raw HTTP clients."""
    from django.test import Client

    http = Client()
    http.force_login(user)
    return f"sessionid={http.cookies['sessionid'].value}"
