"""Fixtures for fault tests: a private Redis, the environment for real processes using it,
and a stack of started processes that is always stopped."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import database_url
from tests.faults.helpers import FIGURES
from tests.faults.services import RedisServer
from tests.processes import Proc


@pytest.fixture
def own_redis():
    server = RedisServer()
    yield server
    server.close()


@pytest.fixture
def fault_env(transactional_db, own_redis) -> dict[str, str]:
    """Like ``process_env``, on this test's own Redis (which the test may restart)."""
    return {
        "REDIS_URL": own_redis.url,
        "TICKER_REDIS_PREFIX": f"t{uuid.uuid4().hex[:10]}",
        "DATABASE_URL": database_url(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_FORMAT": "json",
    }


class Stack:
    """Processes a test started; all stopped at the end, survivors reported."""

    def __init__(self) -> None:
        self.procs: list[Proc] = []

    def add(self, proc: Proc) -> Proc:
        self.procs.append(proc)
        return proc

    def dead(self) -> list[str]:
        return [p.name for p in self.procs if not p.alive()]

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.output()[-4000:]}" for p in self.procs)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.fault_failed = report.failed
    return report


@pytest.fixture
def stack(request):
    s = Stack()
    yield s
    s.stop()
    if getattr(request.node, "fault_failed", False):
        print(s.logs())


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("fault tests: measured figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
