"""Helpers for adapter tests: stored provider responses and the requests they answer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from feeds.adapters.base import ProviderRequest, ProviderResponse

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
