"""Helpers for feed tests: stored provider responses and the requests they answer, a
fresh embedded store, and a feed polling the test upstream."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from feeds import store
from feeds.adapters.base import ProviderRequest, ProviderResponse
from feeds.models import Feed

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture_bytes(provider: str, name: str) -> bytes:
    return (FIXTURES / provider / name).read_bytes()


@pytest.fixture
def load() -> Callable[..., ProviderResponse]:
    """``load(provider, name, status=200, tag="", headers=None)`` -> a ProviderResponse."""

    def make(
        provider: str,
        name: str,
        status: int = 200,
        tag: str = "",
        headers: dict[str, str] | None = None,
    ) -> ProviderResponse:
        return ProviderResponse(
            status=status,
            body=fixture_bytes(provider, name),
            headers=headers or {},
            request=ProviderRequest(url="https://provider.test/", tag=tag),
        )

    return make


@pytest.fixture
def fresh_memory_store():
    """A new embedded store for the test: the process keeps one across tests otherwise."""
    store.get_store.cache_clear()
    yield
    store.get_store.cache_clear()


def make_feed(upstream, name: str = "up", **kw) -> Feed:
    """A Binance-format feed of AAPL and MSFT at the test upstream; ``kw`` overrides."""
    kw.setdefault("adapter", "binance")
    kw.setdefault("symbols", "AAPL,MSFT")
    return Feed.objects.create(name=name, url=upstream.url(), **kw)
