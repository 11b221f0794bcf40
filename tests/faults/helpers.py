"""What fault tests share: a price that keeps moving upstream, a viewer that records every frame,
and the checks every fault test makes on what a viewer saw."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from tests import wsclient
from tests.processes import start_beat, start_web, start_worker


class MovingPrice:
    """Raises the upstream's price of ``symbols`` by 1 every ``every`` seconds, in a thread.

    Prices only grow, so a viewer that ever sees a lower price than before saw
    updates out of order.
    """

    def __init__(self, upstream, symbols: tuple[str, ...] = ("AAPL",), every: float = 0.25) -> None:
        self.upstream, self.symbols, self.every = upstream, symbols, every
        self.price = 100.0
        self.paused = False
        self._stop = threading.Event()
        self.upstream.set_prices(dict.fromkeys(symbols, self.price))
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            if self.paused:
                continue
            self.price += 1
            self.upstream.set_prices(dict.fromkeys(self.symbols, self.price))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


def track_requests(upstream) -> tuple[set[int], list[float]]:
    """Make the upstream record the client port of each request it is still answering, and start times."""
    in_flight: set[int] = set()
    started: list[float] = []
    base = upstream.server.RequestHandlerClass

    class Tracking(base):
        def do_GET(self) -> None:
            started.append(time.monotonic())
            in_flight.add(self.client_address[1])
            try:
                super().do_GET()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the poller was killed mid-request
            finally:
                in_flight.discard(self.client_address[1])

    upstream.server.RequestHandlerClass = Tracking
    return in_flight, started


@dataclass
class Viewer:
    """A WebSocket viewer that records every frame with its arrival time."""

    port: int
    symbols: list[str]
    frames: list[tuple[float, dict]] = field(default_factory=list)
    closed: tuple[float, int | None, str] | None = None
    ws: object = None
    task: asyncio.Task | None = None

    async def start(self, since: dict[str, int] | None = None) -> None:
        self.ws = await wsclient.connect(self.port)
        request = {"action": "subscribe", "symbols": self.symbols}
        if since:
            request["since"] = since
        await wsclient.send(self.ws, **request)
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        import websockets

        try:
            async for text in self.ws:
                self.frames.append((time.monotonic(), json.loads(text)))
        except websockets.ConnectionClosed:
            pass
        rcvd = self.ws.protocol.close_rcvd  # what the server sent; None if the TCP connection just died
        self.closed = (time.monotonic(), rcvd.code if rcvd else None, rcvd.reason if rcvd else "")

    def data(self, symbol: str | None = None, after: float = 0.0) -> list[dict]:
        return [
            f
            for t, f in self.frames
            if t >= after
            and f.get("type") in ("update", "snapshot")
            and (symbol is None or f["symbol"] == symbol)
        ]

    async def wait_for(self, predicate, timeout: float, after: float = 0.0) -> float:
        """Wait until a frame received at/after ``after`` matches; returns its arrival time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, f in self.frames:
                if t >= after and predicate(f):
                    return t
            if self.closed:
                raise AssertionError(f"socket closed {self.closed} while waiting; last {self.frames[-3:]}")
            await asyncio.sleep(0.05)
        raise TimeoutError(f"no matching frame in {timeout}s; last frames {[f for _, f in self.frames[-5:]]}")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            await asyncio.wait_for(self.task, 5)


def assert_in_order_without_duplicates(frames: list[dict]) -> None:
    """Per symbol: seq strictly grows (no duplicate, none out of order) and so does the price."""
    by_symbol: dict[str, list[dict]] = {}
    for f in frames:
        by_symbol.setdefault(f["symbol"], []).append(f)
    for symbol, fs in by_symbol.items():
        seqs = [f["seq"] for f in fs]
        assert all(a < b for a, b in zip(seqs, seqs[1:], strict=False)), (
            f"{symbol} seqs not increasing: {seqs}"
        )
        prices = [f["price"] for f in fs]
        assert all(a < b for a, b in zip(prices, prices[1:], strict=False)), f"{symbol} prices: {prices}"


def get_json(url: str, timeout: float = 5) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of the samples named ``name`` whose labels include ``labels`` (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def scrape(port: int, path: str = "/metrics") -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
        return resp.read().decode()


FIGURES: list[str] = []


def report(name: str, **figures) -> None:
    """Record a fault test's measured figures: printed now (``-s``) and in pytest's summary."""

    def fmt(k, v):
        return f"{k}={v:.2f}s" if isinstance(v, float) else f"{k}={v}"

    line = f"{name}: " + ", ".join(fmt(k, v) for k, v in figures.items())
    FIGURES.append(line)
    print(f"\n[fault] {line}")


async def create_feed(upstream, **fields):
    """A binance-format feed on ``upstream`` (committed: child processes see it)."""
    from feeds.models import Feed

    defaults = {"name": "up", "adapter": "binance", "url": upstream.url(), "symbols": "AAPL", "interval": 0.5}
    return await orm(Feed.objects.create, **{**defaults, **fields})


async def orm(fn, *args, **kwargs):
    """Run an ORM call from an async test, closing its thread's connection (the test DB is dropped later)."""
    from asgiref.sync import sync_to_async
    from django.db import connection

    def call():
        try:
            return fn(*args, **kwargs)
        finally:
            connection.close()

    return await sync_to_async(call, thread_sensitive=False)()


async def start_stack_with_viewer(stack, env: dict, worker_env: dict | None = None) -> tuple[int, Viewer]:
    """Web, worker (on ``worker_env``, else ``env``) and beat, each added to ``stack``; then
    an AAPL viewer, once its first update came. Returns the web port and the viewer."""
    web, port = start_web(env)
    stack.add(web)
    stack.add(start_worker(worker_env or env))
    stack.add(start_beat(env))
    viewer = Viewer(port, ["AAPL"])
    await viewer.start()
    await viewer.wait_for(lambda f: f.get("type") == "update", timeout=20)
    return port, viewer
