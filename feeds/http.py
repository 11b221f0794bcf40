"""The one outbound HTTP client: pooled per process, bounded in time and size.

Every provider request goes through ``fetch``; tests that need a fake upstream
run a real local HTTP server instead of patching this module.
"""

from __future__ import annotations

import threading

import httpx
from django.conf import settings

from feeds.adapters.base import FeedError, ProviderRequest, ProviderResponse

_local = threading.local()


def client() -> httpx.Client:
    """This thread's pooled client (httpx clients are not shared across threads)."""
    c = getattr(_local, "client", None)
    if c is None:
        c = httpx.Client(
            headers={"User-Agent": "Ticker/0.1 (+https://github.com/)"},
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            follow_redirects=True,
        )
        _local.client = c
    return c


def fetch(request: ProviderRequest, *, timeout: float) -> ProviderResponse:
    """GET one provider request; network failures and oversize bodies are ``FeedError``s.

    Messages name the host, never the query string (it may carry an API key).
    """
    limit = settings.TICKER_MAX_RESPONSE_BYTES
    host = httpx.URL(request.url).host
    try:
        with client().stream(
            "GET", request.url, params=dict(request.params), headers=dict(request.headers), timeout=timeout
        ) as resp:
            body = bytearray()
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise FeedError(f"response from {host} is larger than {limit} bytes")
            return ProviderResponse(
                status=resp.status_code,
                body=bytes(body),
                headers={k.lower(): v for k, v in resp.headers.items()},
                request=request,
            )
    except httpx.TimeoutException:
        raise FeedError(f"{host} did not answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise FeedError(f"cannot reach {host}: {type(exc).__name__}") from None
