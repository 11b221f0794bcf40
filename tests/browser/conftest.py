"""Real Chromium against a real Ticker server (the embedded default: one uvicorn process
polling the demo market and games it serves itself), with a stoppable server for the
reconnect test and a page that records console errors."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests.processes import ROOT, Proc, free_port, wait_http

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class TickerServer:
    """The embedded server on a fixed port, so it can be stopped and started again there."""

    port: int
    env: dict[str, str]
    db: Path
    proc: Proc | None = None

    def set_feed_url(self, feed: str, url: str) -> None:
        """Point a feed elsewhere, as an operator would in the admin; polls read it live."""
        with sqlite3.connect(self.db) as conn:
            changed = conn.execute("UPDATE feeds_feed SET url = ? WHERE name = ?", (url, feed)).rowcount
        assert changed == 1, f"no feed named {feed!r}"

    def feed_url(self, feed: str) -> str:
        with sqlite3.connect(self.db) as conn:
            return conn.execute("SELECT url FROM feeds_feed WHERE name = ?", (feed,)).fetchone()[0]

    def create_user(self, username: str, password: str) -> None:
        """A viewer account, made as an operator would (not staff)."""
        code = f"from django.contrib.auth.models import User; User.objects.create_user({username!r}, password={password!r})"
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        cmd = [
            str(Path(sys.executable).parent / "uvicorn"),
            "tickerproj.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--lifespan",
            "on",
            "--ws-per-message-deflate",
            "false",
        ]
        self.proc = Proc(f"web-{self.port}", cmd, self.env)
        wait_http(f"{self.url}api/symbols", timeout=60, proc=self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()
            self.proc = None


def _server_env(db: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKER_")}
    env.update(
        {
            "PORT": str(port),
            "DATABASE_URL": f"sqlite:///{db}",
            "REDIS_URL": "",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _start_server(tmp: Path) -> TickerServer:
    port = free_port()
    db = tmp / "db.sqlite3"
    env = _server_env(db, port)
    for args in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
        )
    server = TickerServer(port=port, env=env, db=db)
    server.start()
    return server


@pytest.fixture(scope="module")
def ticker_server(tmp_path_factory) -> Iterator[TickerServer]:
    """One server for the tests of a module that leave it running."""
    server = _start_server(tmp_path_factory.mktemp("ticker"))
    yield server
    server.stop()


@pytest.fixture
def own_server(tmp_path) -> Iterator[TickerServer]:
    """A server of the test's own, for a test that stops and starts it."""
    server = _start_server(tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Per module: sync Playwright holds an event loop in this thread until it stops,
    and pytest-asyncio tests in later modules need the thread free of it."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Console:
    """What the page reported: console errors and uncaught exceptions."""

    errors: list[str] = field(default_factory=list)

    def on_message(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.errors.append(msg.text)


def open_page(browser: Browser, viewport: dict | None = None) -> tuple[Page, Console]:
    context = browser.new_context(viewport=viewport or {"width": 1400, "height": 900})
    page = context.new_page()
    console = Console()
    page.on("console", console.on_message)
    page.on("pageerror", lambda exc: console.errors.append(f"uncaught: {exc}"))
    return page, console


@pytest.fixture
def page_and_console(browser: Browser) -> Iterator[tuple[Page, Console]]:
    page, console = open_page(browser)
    yield page, console
    page.context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
