"""A real local HTTP upstream that answers in a provider's format, for integration tests.

Tests set what it serves (``set_json`` / ``set_prices``) or how it fails
(``fail_with``) while pollers hit it over real HTTP.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Upstream:
    def __init__(self) -> None:
        self.status = 200
        self.body = b"[]"
        self.content_type = "application/json"
        self.hits = 0
        self.delay = 0.0
        self._lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with upstream._lock:
                    upstream.hits += 1
                    status, body, ctype, delay = (
                        upstream.status,
                        upstream.body,
                        upstream.content_type,
                        upstream.delay,
                    )
                if delay:
                    threading.Event().wait(delay)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
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

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
