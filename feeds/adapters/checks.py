"""Checks and symbol mapping shared by the adapters' ``validate`` and ``parse``.

The symbol rule: a feed's ``symbols`` are the provider's own names for what it
quotes (``BTCUSDT``, ``bitcoin``, ``AAPL.US``, ``BINANCE:BTCUSDT``). The published
symbol is that name upper-cased, unless ``options["symbol_map"]`` maps it (keys
matched case-insensitively) to another canonical symbol. A provider name that is
not a valid canonical symbol (``BINANCE:BTCUSDT`` has a colon) needs a map entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from feeds.adapters.base import FeedError, FeedSpec
from feeds.schema import canonical_symbol

COMMON_OPTIONS = frozenset({"symbol_map", "names"})
"""Options every adapter accepts: ``symbol_map`` (above) and ``names``, display names
by symbol (``{"BTCUSDT": "Bitcoin"}``) published as quotes' ``name``."""


def symbol_map(spec: FeedSpec) -> dict[str, str]:
    """The operator's ``symbol_map`` option with upper-cased keys (``{}`` when absent)."""
    raw = spec.options.get("symbol_map") or {}
    if not isinstance(raw, Mapping):
        raise FeedError("option symbol_map must be an object of provider symbol -> symbol")
    return {str(key).strip().upper(): value for key, value in raw.items()}


def display_name(provider_symbol: str, spec: FeedSpec) -> str | None:
    """The operator's display name for a symbol (``options.names``), by provider or published symbol."""
    names = spec.options.get("names") or {}
    if not isinstance(names, Mapping):
        raise FeedError("option names must be an object of symbol -> display name")
    wanted = {provider_symbol.strip().upper(), publish_symbol(provider_symbol, spec)}
    for key, value in names.items():
        if str(key).strip().upper() in wanted and value:
            return str(value)
    return None


def publish_symbol(provider_symbol: object, spec: FeedSpec) -> str:
    """The canonical symbol to publish for a provider's symbol (see the module doc)."""
    if not isinstance(provider_symbol, str) or not provider_symbol.strip():
        raise FeedError(f"symbol: expected a provider symbol, got {provider_symbol!r}")
    mapped = symbol_map(spec).get(provider_symbol.strip().upper())
    if mapped is not None:
        return canonical_symbol(mapped)
    try:
        return canonical_symbol(provider_symbol)
    except FeedError as exc:
        raise FeedError(f"{exc.message}; map it to a ticker symbol in options.symbol_map") from None


def require_http_url(spec: FeedSpec) -> None:
    """The feed URL must be an absolute http(s) URL."""
    parts = urlsplit(spec.url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FeedError(f"url {spec.url[:80]!r} is not an http(s) URL", permanent=True)


def require_symbols(spec: FeedSpec, provider: str) -> None:
    """A per-symbol feed needs at least one symbol, and each must publish validly."""
    if not spec.symbols:
        raise FeedError(f"{provider} feeds need at least one symbol", permanent=True)
    for symbol in spec.symbols:
        publish_symbol(symbol, spec)


def require_credentials(spec: FeedSpec, provider: str) -> None:
    """Providers that refuse anonymous calls need the API key in ``credentials``."""
    if not spec.credentials.strip():
        raise FeedError(f"{provider} needs an API key in the feed's credentials", permanent=True)


def check_option_names(spec: FeedSpec, allowed: Iterable[str]) -> None:
    """Refuse option names the adapter does not know (typos would otherwise be ignored)."""
    known = set(allowed) | COMMON_OPTIONS
    unknown = sorted(set(spec.options) - known)
    if unknown:
        raise FeedError(
            f"unknown option(s) {', '.join(unknown)}; this adapter knows {', '.join(sorted(known))}",
            permanent=True,
        )
    check_common_options(spec)


def check_common_options(spec: FeedSpec) -> None:
    """``names`` must map symbols to text, ``symbol_map`` to canonical symbols."""
    names = spec.options.get("names") or {}
    if not isinstance(names, Mapping) or not all(isinstance(v, str) for v in names.values()):
        raise FeedError("option names must be an object of symbol -> display name", permanent=True)
    for key, value in symbol_map(spec).items():
        try:
            canonical_symbol(value)
        except FeedError as exc:
            raise FeedError(f"symbol_map[{key!r}]: {exc.message}", permanent=True) from None


def request_tag(response_request: object, spec: FeedSpec, provider: str) -> str:
    """The provider symbol a per-symbol response answers (its request's ``tag``)."""
    tag = getattr(response_request, "tag", "") or ""
    if tag:
        return tag
    if len(spec.symbols) == 1:
        return spec.symbols[0]
    raise FeedError(f"{provider}: response has no request tag, so its symbol is unknown")
