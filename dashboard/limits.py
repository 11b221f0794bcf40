"""Per-connection limits on incoming messages: a token bucket, and when to give up on a flooder.

A dashboard sends a handful of messages when it opens and a ping now and then; these
limits exist for scripts gone wrong and for hostile clients. Plain objects with an
injectable clock, so the rules are tested without sockets.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum

from django.conf import settings

# Frames queued for one connection beyond which it is treated as a slow consumer (4001).
MAX_OUTBOX_BACKLOG = 4096


class TokenBucket:
    """``burst`` tokens, refilled at ``rate`` per second; each message takes one."""

    __slots__ = ("rate", "burst", "tokens", "stamp", "clock")

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = float(burst)
        self.stamp = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self) -> bool:
        self._refill()
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def wait_s(self) -> float:
        """Seconds until the next token."""
        self._refill()
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


class Verdict(Enum):
    ALLOW = "allow"
    REFUSE = "refuse"  # answer rate_limited, keep the connection
    CLOSE = "close"  # the client kept flooding: close with 1008


class MessageLimiter:
    """Admission of one connection's incoming messages.

    Messages take tokens from a bucket (``burst`` at once, ``rate`` per second after).
    A refused message takes a strike from a second bucket (``strikes``, one back per
    second); a client with no strikes left is flooding and is closed. So a client
    that overshoots briefly sees a few ``rate_limited`` errors and carries on, while one
    sending 100 messages a second is closed within a fraction of a second.
    """

    __slots__ = ("messages", "strikes")

    def __init__(
        self,
        rate: float | None = None,
        burst: int | None = None,
        strikes: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        rate = settings.TICKER_WS_RATE_PER_S if rate is None else rate
        burst = settings.TICKER_WS_RATE_BURST if burst is None else burst
        strikes = settings.TICKER_WS_FLOOD_STRIKES if strikes is None else strikes
        self.messages = TokenBucket(rate, burst, clock)
        self.strikes = TokenBucket(1.0, strikes, clock)

    def admit(self) -> Verdict:
        if self.messages.take():
            return Verdict.ALLOW
        return Verdict.REFUSE if self.strikes.take() else Verdict.CLOSE

    def retry_after_ms(self) -> int:
        return max(1, round(self.messages.wait_s() * 1000))


class AddressLimit:
    """Open sockets per client address in this process (``TICKER_WS_MAX_PER_ADDRESS``; 0 = off)."""

    def __init__(self, limit: int | None = None) -> None:
        self._limit = limit
        self.open: dict[str, int] = {}

    def acquire(self, address: str) -> bool:
        limit = settings.TICKER_WS_MAX_PER_ADDRESS if self._limit is None else self._limit
        n = self.open.get(address, 0)
        if limit and n >= limit:
            return False
        self.open[address] = n + 1
        return True

    def release(self, address: str) -> None:
        n = self.open.get(address, 0) - 1
        if n > 0:
            self.open[address] = n
        else:
            self.open.pop(address, None)
