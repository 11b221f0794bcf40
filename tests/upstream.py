"""A real local HTTP upstream that answers in a provider's format, for integration tests.

Tests set what it serves (``set_json`` / ``set_prices``) or how it fails
(``fail_with``) while pollers hit it over real HTTP. It can also play a script of
responses first (``then``: statuses, headers, a dropped connection), answer
conditional requests (``set_validators``), and it records what it was asked
(``seen``: path with query, and headers).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Seen:
    """One request as the upstream received it."""

    path: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Scripted:
    """One scripted answer; ``drop`` closes the connection without answering."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


class Upstream:
    def __init__(self) -> None:
        self.status = 200
        self.body = b"[]"
        self.content_type = "application/json"
        self.headers: dict[str, str] = {}
        self.etag = ""
        self.last_modified = ""
        self.hits = 0
        self.delay = 0.0
        self.seen: list[Seen] = []
        self.script: deque[Scripted] = deque()
        self._lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with upstream._lock:
                    upstream.hits += 1
                    upstream.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
                    scripted = upstream.script.popleft() if upstream.script else None
                    status, body, ctype, delay = (
                        upstream.status,
                        upstream.body,
                        upstream.content_type,
                        upstream.delay,
                    )
                    headers = dict(upstream.headers)
                    etag, modified = upstream.etag, upstream.last_modified
                if scripted is not None:
                    if scripted.drop:
                        self.close_connection = True
                        return
                    status, body, headers = scripted.status, scripted.body, scripted.headers
                    etag = modified = ""
                if delay:
                    threading.Event().wait(delay)
                if etag:
                    headers["ETag"] = etag
                if modified:
                    headers["Last-Modified"] = modified
                if status == 200 and (
                    (etag and self.headers.get("If-None-Match") == etag)
                    or (not etag and modified and self.headers.get("If-Modified-Since") == modified)
                ):
                    status, body = 304, b""
                self.send_response(status)
                if status != 304:
                    self.send_header("Content-Type", ctype)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/api/v3/ticker/price") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def set_json(self, payload: object, status: int = 200) -> None:
        with self._lock:
            self.body, self.status, self.content_type = (
                json.dumps(payload).encode(),
                status,
                "application/json",
            )

    def set_raw(self, body: bytes, status: int = 200, content_type: str = "text/html") -> None:
        with self._lock:
            self.body, self.status, self.content_type = body, status, content_type

    def set_prices(self, prices: dict[str, float]) -> None:
        """Serve Binance ``ticker/price`` bulk format: prices as decimal strings."""
        self.set_json([{"symbol": s, "price": f"{p:.8f}"} for s, p in prices.items()])

    def then(self, *answers: Scripted) -> None:
        """Serve these answers, in order, before the steady one."""
        with self._lock:
            self.script.extend(answers)

    def set_headers(self, **headers: str) -> None:
        """Extra headers on every steady answer (``Retry_After="5"`` → ``Retry-After: 5``)."""
        with self._lock:
            self.headers = {name.replace("_", "-"): value for name, value in headers.items()}

    def set_validators(self, *, etag: str = "", last_modified: str = "") -> None:
        """Send these validators and answer a request that presents them with ``304``."""
        with self._lock:
            self.etag, self.last_modified = etag, last_modified

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
