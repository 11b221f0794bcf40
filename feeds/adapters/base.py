"""The adapter contract.

An adapter is a small pure module: it says which HTTP requests one poll of a feed
makes (``requests``) and turns each provider response into normalized records
(``parse``). It does no I/O, so it is tested with stored provider responses alone.

Anything wrong with a response (bad status, error body, malformed payload) is a
``FeedError`` whose message says what was wrong, in words an operator can act on,
and never contains credentials. ``Adapter`` enforces the last two for every
adapter: its functions are wrapped so that a stray ``KeyError`` or
``TypeError`` from an unforeseen payload still becomes a ``FeedError``, and so that
the feed's credential is blanked out of every message (some providers echo the key
back in their error text).

The poller is expected to build each ``ProviderResponse`` with the
``ProviderRequest`` it answers (``request=``): per-symbol adapters read the
request's ``tag`` to know which symbol a response is about.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from feeds.schema import Record

PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 410, 422})
"""HTTP statuses that mean the feed's configuration is wrong (URL, key, symbol)."""

RETRY_STATUSES = frozenset({418, 429, 503})
"""Statuses whose ``Retry-After`` header tells when to come back (418: Binance IP ban)."""

_MAX_MESSAGE = 300


class FeedError(Exception):
    """A poll failed; ``permanent`` errors (bad key, bad config) need an operator."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after

    def __reduce__(self) -> tuple:
        """Keep ``permanent`` and ``retry_after`` when pickled (e.g. across a worker boundary)."""
        return (_rebuild_feed_error, (type(self), self.message, self.permanent, self.retry_after))


def _rebuild_feed_error(cls: type, message: str, permanent: bool, retry_after: float | None) -> FeedError:
    return cls(message, permanent=permanent, retry_after=retry_after)


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
    """One HTTP request of a poll. ``tag`` tells ``parse`` what was asked (e.g. a symbol).

    ``params`` and ``headers`` are kept out of ``repr``: either may carry an API key.
    """

    url: str
    params: Mapping[str, str] = field(default_factory=dict, repr=False)
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
        if not self.body.strip():
            raise FeedError("response body is empty")
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise FeedError(f"response is {describe_non_json(self.body)}") from None

    def text(self) -> str:
        """The body as text (UTF-8, with a BOM tolerated) or a ``FeedError``."""
        try:
            return self.body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FeedError("response is not UTF-8 text") from None

    def header(self, name: str) -> str | None:
        """A response header, looked up case-insensitively (plain dicts are allowed)."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


def snippet(body: bytes, limit: int = 80) -> str:
    """The start of a body, decoded leniently and on one line, for error messages."""
    text = body[: limit * 2].decode("utf-8", "replace")
    return " ".join(text.split())[:limit]


def describe_non_json(body: bytes) -> str:
    """Say what a body that should have been JSON is instead: HTML, truncated JSON, text."""
    head = snippet(body)
    lowered = head.lower()
    if lowered.startswith(("<!doctype", "<html", "<?xml", "<head", "<body")):
        return f"an HTML page, not JSON: {head!r}"
    if lowered.startswith(("{", "[")):
        return f"truncated or invalid JSON: {head!r}"
    return f"not JSON: {head!r}"


def error_text(body: bytes) -> str:
    """The message of a JSON error body in any common provider shape, else a snippet.

    Knows ``{"code","msg"}`` (Binance), ``{"message"}`` (Coinbase), ``{"error": ...}``
    (Finnhub, CoinGecko), ``{"status": {"error_code","error_message"}}`` (CoinGecko)
    and ``{"Error Message"|"Information"|"Note"}`` (Alpha Vantage).
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return snippet(body)
    if not isinstance(data, dict):
        return snippet(body)
    status = data.get("status")
    if isinstance(status, dict) and status.get("error_message"):
        return _with_code(status["error_message"], status.get("error_code"))
    error = data.get("error")
    if isinstance(error, dict):
        return _with_code(error.get("message") or error.get("msg") or snippet(body), error.get("code"))
    for key in ("msg", "message", "error", "Error Message", "Information", "Note"):
        if isinstance(data.get(key), str) and data[key]:
            return _with_code(data[key], data.get("code") if key == "msg" else None)
    return snippet(body)


def _with_code(message: object, code: object) -> str:
    text = " ".join(str(message).split())[:200]
    return f"{text} (code {code})" if code not in (None, "") else text


def single_request(spec: FeedSpec) -> list[ProviderRequest]:
    """The default ``requests``: one GET of the feed's URL."""
    return [ProviderRequest(url=spec.url)]


MAX_RETRY_AFTER_S = 86_400.0
_SECONDS = re.compile(r"^\s*\d+(\.\d+)?\s*$")


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` value in seconds, from either form RFC 9110 allows.

    ``"120"`` (delay-seconds) or ``"Wed, 21 Oct 2026 07:28:00 GMT"`` (an HTTP-date,
    counted from ``now``; a date in the past is 0). Anything else is ``None``.
    Capped at a day, so a wild value cannot park a feed forever.
    """
    if not value:
        return None
    if _SECONDS.match(value):
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def check_status(response: ProviderResponse, provider: str = "provider") -> None:
    """Raise a ``FeedError`` for a non-2xx response; adapters call this first.

    The message carries the provider's own error text when the body has one.
    4xx statuses that mean bad configuration are ``permanent``; 418/429/503 carry
    ``retry_after`` from the ``Retry-After`` header when the provider sent one.
    """
    if 200 <= response.status < 300:
        return
    detail = error_text(response.body) if response.body.strip() else "empty body"
    raise FeedError(
        f"{provider} answered HTTP {response.status}: {detail}",
        permanent=response.status in PERMANENT_STATUSES,
        retry_after=retry_after_seconds(response.header("retry-after"))
        if response.status in RETRY_STATUSES
        else None,
    )


def redact(message: str, secret: str) -> str:
    """``message`` with ``secret`` (raw or URL-encoded) replaced by ``***``."""
    if len(secret) < 4:
        return message
    for form in {secret, quote(secret, safe=""), quote(secret)}:
        message = message.replace(form, "***")
    return message


_UNFORESEEN = (KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError, RecursionError)


def _guard(fn: Callable, adapter: str) -> Callable:
    """Wrap ``parse``/``requests``/``validate`` so errors are ``FeedError`` without the credential."""

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        spec = kwargs.get("spec", args[-1] if args else None)
        secret = getattr(spec, "credentials", "") or ""
        try:
            return fn(*args, **kwargs)
        except FeedError as exc:
            message = exc.message if exc.message.startswith(adapter) else f"{adapter}: {exc.message}"
            message = redact(message, secret)[:_MAX_MESSAGE]
            raise FeedError(message, permanent=exc.permanent, retry_after=exc.retry_after) from None
        except _UNFORESEEN as exc:
            message = f"{adapter}: unexpected response shape ({type(exc).__name__}: {exc})"
            raise FeedError(redact(message, secret)[:_MAX_MESSAGE]) from None

    guarded.__feed_guarded__ = True  # type: ignore[attr-defined]
    return guarded


@dataclass(frozen=True)
class Adapter:
    """A registered provider parser (see ``feeds.adapters.ADAPTERS``).

    ``parse``, ``requests`` and ``validate`` are guarded on construction (see the
    module doc): whatever goes wrong in them reaches the caller as a ``FeedError``.
    """

    name: str
    label: str
    kind: str
    parse: Callable[[ProviderResponse, FeedSpec], list[Record]]
    requests: Callable[[FeedSpec], list[ProviderRequest]] = single_request
    validate: Callable[[FeedSpec], None] = lambda spec: None

    def __post_init__(self) -> None:
        for attr in ("parse", "requests", "validate"):
            fn = getattr(self, attr)
            if not getattr(fn, "__feed_guarded__", False):
                object.__setattr__(self, attr, _guard(fn, self.name))
