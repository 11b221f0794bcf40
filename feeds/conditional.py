"""Conditional requests: a provider's ``ETag`` / ``Last-Modified`` sent back on the next poll.

A ``304 Not Modified`` costs the provider almost nothing and is a healthy poll with
no updates. Validators live in process memory, keyed by the feed and the request
(URL and query, hashed: the query may hold an API key), and scoped by the
feed's settings (``scope_of``). Two rules keep a 304 from
hiding data:

- validators are remembered only after the poll that fetched them was parsed and
  committed (``remember`` is called by the poll, not by ``fetch``);
- they are forgotten after ``max_age`` seconds, so a full response refreshes the
  snapshot now and then (e.g. after the store was flushed).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable

from feeds.adapters.base import FeedSpec, ProviderRequest, ProviderResponse


class Validators:
    """A bounded, thread-safe map of request → (ETag, Last-Modified, when fetched)."""

    def __init__(self, *, max_entries: int = 10_000, max_age: float = 300.0) -> None:
        self.max_entries = max_entries
        self.max_age = max_age
        self._entries: OrderedDict[str, tuple[str, str, float]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(scope: str, request: ProviderRequest) -> str:
        params = "&".join(f"{k}={v}" for k, v in sorted(request.params.items()))
        return hashlib.sha256(f"{scope}\n{request.url}\n{params}".encode()).hexdigest()

    def headers_for(self, scope: str, request: ProviderRequest) -> dict[str, str]:
        """``If-None-Match`` / ``If-Modified-Since`` for this request, if it has fresh validators."""
        with self._lock:
            entry = self._entries.get(self.key(scope, request))
        if entry is None or time.monotonic() - entry[2] > self.max_age:
            return {}
        etag, modified, _ = entry
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        return headers

    def remember(self, scope: str, exchanges: Iterable[tuple[ProviderRequest, ProviderResponse]]) -> None:
        """Keep the validators of a poll's 200 responses (a 304 keeps the entry it revalidated)."""
        now = time.monotonic()
        with self._lock:
            for request, response in exchanges:
                if response.status != 200:
                    continue
                key = self.key(scope, request)
                etag = response.headers.get("etag", "")
                modified = response.headers.get("last-modified", "")
                if etag or modified:
                    self._entries[key] = (etag, modified, now)
                    self._entries.move_to_end(key)
                else:
                    self._entries.pop(key, None)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def scope_of(spec: FeedSpec) -> str:
    """The validators' scope: the feed and every setting that shapes its records.

    Changing a feed's symbols, options or URL starts afresh, so a 304 never keeps
    records parsed under the old settings from being published under the new.
    """
    options = json.dumps(spec.options, sort_keys=True, default=str)
    return f"{spec.name}\n{spec.url}\n{','.join(spec.symbols)}\n{options}"


validators = Validators()
