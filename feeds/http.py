"""The one outbound HTTP client: pooled per process, bounded in time, size and retries.

Every provider request goes through ``fetch``; tests that need a fake upstream
run a real local HTTP server instead of patching this module.

Being a good API citizen here means: one keep-alive pool per process; a timeout
and a size limit on every response; transient failures (the connection failed or
was dropped, 502/503/504) retried with exponential backoff and full jitter, but
only while the poll's deadline allows, so a poll never runs much past its
interval; 4xx never retried (the feed's backoff and ``Retry-After`` handle those).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx
from django.conf import settings
from tenacity import (
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from feeds.adapters.base import FeedError, ProviderRequest, ProviderResponse

log = logging.getLogger("ticker.http")

MAX_ATTEMPTS = 3
MAX_REDIRECTS = 5
RETRY_STATUSES = frozenset({502, 503, 504})
RETRY_EXCEPTIONS = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)

_client: httpx.Client | None = None
_client_pid = 0
_client_lock = threading.Lock()


def client() -> httpx.Client:
    """This process's pooled client (redirects are followed by ``fetch``, same host only).

    httpx clients may be shared between threads; a forked child (a Celery prefork
    worker) builds its own rather than reuse the parent's sockets. Cookies are
    refused: polls are stateless, and one feed's session must not leak into another's.
    """
    global _client, _client_pid
    pid = os.getpid()
    if _client is None or _client_pid != pid:
        with _client_lock:
            if _client is None or _client_pid != pid:
                _client = httpx.Client(
                    headers={"User-Agent": "Ticker/0.1 (+https://github.com/)"},
                    limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
                    follow_redirects=False,
                    cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
                )
                _client_pid = pid
    return _client


def fetch(request: ProviderRequest, *, timeout: float, deadline: float | None = None) -> ProviderResponse:
    """GET one provider request; network failures and oversize bodies are ``FeedError``s.

    Transient failures are retried (at most ``MAX_ATTEMPTS`` in all) only while a
    retry can start before ``deadline`` (a ``time.monotonic()`` value; by default
    no retry). A 503 that carries ``Retry-After`` is not retried: the provider has
    said when to come back. After the last attempt the last response is returned
    (the adapter turns a 5xx into the feed's error) or its network error raised.

    Messages name the host, never the query string (it may carry an API key).
    """
    try:
        host = httpx.URL(request.url).host
    except httpx.InvalidURL:
        raise FeedError("the feed's URL is not a valid URL", permanent=True) from None
    budget = max(0.0, deadline - time.monotonic()) if deadline is not None else 0.0
    retrying = Retrying(
        stop=stop_after_attempt(MAX_ATTEMPTS) | stop_before_delay(budget),
        wait=wait_random_exponential(multiplier=0.2, max=2.0, min=0.05),
        retry=retry_if_exception_type(RETRY_EXCEPTIONS) | retry_if_result(_transient_status),
        retry_error_callback=lambda state: state.outcome.result(),
        before_sleep=lambda state: log.info(
            "%s: transient failure (%s), retry %d in %.2fs",
            host,
            _describe(state.outcome),
            state.attempt_number,
            state.upcoming_sleep,
        ),
    )
    try:
        return retrying(_get_once, request, timeout)
    except httpx.TimeoutException:
        raise FeedError(f"{host} did not answer within {timeout:g} s") from None
    except httpx.UnsupportedProtocol:
        raise FeedError("the feed's URL must start with http:// or https://", permanent=True) from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FeedError(f"cannot reach {host}: {type(exc).__name__}") from None


def _get_once(request: ProviderRequest, timeout: float) -> ProviderResponse:
    """One attempt: send, follow same-host redirects, read the body up to the size limit.

    A redirect to another host is refused rather than followed: the request may
    carry the feed's key in a header, which must only go where the operator sent it.
    """
    http = client()
    origin = httpx.URL(request.url).host
    sent = http.build_request(
        "GET", request.url, params=dict(request.params), headers=dict(request.headers), timeout=timeout
    )
    for _ in range(MAX_REDIRECTS + 1):
        resp = http.send(sent, stream=True)
        try:
            nxt = resp.next_request
            if nxt is None:
                return _read(resp, request)
            if nxt.url.host != origin:
                raise FeedError(
                    f"{origin} redirected to another host ({nxt.url.host}); "
                    "set the feed's URL to where it redirects"
                )
        finally:
            resp.close()
        sent = nxt
    raise FeedError(f"{origin} redirected more than {MAX_REDIRECTS} times")


def _read(resp: httpx.Response, request: ProviderRequest) -> ProviderResponse:
    limit = settings.TICKER_MAX_RESPONSE_BYTES
    host = resp.request.url.host
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FeedError(f"response from {host} is larger than {limit} bytes ({declared} declared)")
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


def _transient_status(response: ProviderResponse) -> bool:
    if response.status not in RETRY_STATUSES:
        return False
    return not (response.status == 503 and "retry-after" in response.headers)


def _describe(outcome) -> str:
    exc = outcome.exception()
    return type(exc).__name__ if exc else f"HTTP {outcome.result().status}"
