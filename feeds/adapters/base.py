"""The adapter contract.

An adapter is a small pure module: it says which HTTP requests one poll of a feed
makes (``requests``) and turns each provider response into normalized records
(``parse``). It does no I/O, so it is tested with stored provider responses alone.

Anything wrong with a response (bad status, error body, malformed payload) is a
``FeedError`` whose message says what was wrong, in words an operator can act on,
and never contains credentials.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from feeds.schema import Record


class FeedError(Exception):
    """A poll failed; ``permanent`` errors (bad key, bad config) need an operator."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class FeedSpec:
    """What an adapter may know of a feed: no ORM, no secrets in ``repr``."""

    name: str
    url: str
    symbols: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    credentials: str = field(default="", repr=False)


@dataclass(frozen=True)
class ProviderRequest:
    """One HTTP request of a poll. ``tag`` tells ``parse`` what was asked (e.g. a symbol)."""

    url: str
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    tag: str = ""


@dataclass(frozen=True)
class ProviderResponse:
    """One HTTP response as the adapter sees it."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    request: ProviderRequest | None = None

    def json(self) -> Any:
        """Decode the body as JSON or raise a ``FeedError`` that says what came instead."""
        import json

        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            snippet = self.body[:60].decode("utf-8", "replace").strip()
            kind = "an HTML page" if snippet.lower().startswith(("<!doctype", "<html")) else "not JSON"
            raise FeedError(f"response is {kind}: {snippet!r}") from None


def single_request(spec: FeedSpec) -> list[ProviderRequest]:
    """The default ``requests``: one GET of the feed's URL."""
    return [ProviderRequest(url=spec.url)]


def check_status(response: ProviderResponse) -> None:
    """Raise a ``FeedError`` for a non-2xx response; adapters call this first."""
    if 200 <= response.status < 300:
        return
    snippet = response.body[:120].decode("utf-8", "replace").strip()
    retry_after = None
    if response.status == 429:
        try:
            retry_after = float(response.headers.get("retry-after", ""))
        except ValueError:
            retry_after = None
    permanent = response.status in (401, 403)
    raise FeedError(
        f"provider answered HTTP {response.status}: {snippet!r}",
        permanent=permanent,
        retry_after=retry_after,
    )


@dataclass(frozen=True)
class Adapter:
    """A registered provider parser (see ``feeds.adapters.ADAPTERS``)."""

    name: str
    label: str
    kind: str
    parse: Callable[[ProviderResponse, FeedSpec], list[Record]]
    requests: Callable[[FeedSpec], list[ProviderRequest]] = single_request
    validate: Callable[[FeedSpec], None] = lambda spec: None
