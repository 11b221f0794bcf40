"""One connection's outgoing frames: ordered control frames, conflated data frames.

Control frames (acks, snapshots, errors, status) are sent in order. Data frames are
keyed by symbol: while the socket is busy, a newer value replaces the unsent one, so a
slow viewer's buffer is bounded by its subscription count and it always gets the
latest value. The server's own buffer in front of the socket is bounded too: uvicorn's
``send`` waits while the transport is paused (its write buffer is over 64 KiB).

A viewer "stays behind" when one batch has not gone out for ``max_stall`` seconds while
newer values keep arriving, or when it lets ``max_control`` control frames pile up.
Then the outbox stops (its writer is cancelled, unsent frames dropped) and calls
``on_stall`` once; closing the connection is the caller's job. A send that fails (the
peer is gone) stops the outbox quietly: the server tells the consumer separately.

Every frame goes through the connection's writer task rather than being sent inline
by the hub: under overload the writers fall behind and conflate, which keeps delivery
latency bounded, where inline sends would move the backlog into the channel layer's
unbounded queue in front of the hub (measured: seconds of delay at the same load).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

MAX_CONTROL = 1024


class Outbox:
    __slots__ = (
        "_send",
        "_on_stall",
        "_max_stall",
        "_max_control",
        "_control",
        "_pending",
        "_waiter",
        "_busy_since",
        "_task",
        "stalled",
    )

    conflated = 0  # process-wide count of frames replaced before they were sent
    sent = 0

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        *,
        on_stall: Callable[[], None],
        max_stall: float,
        max_control: int = MAX_CONTROL,
    ) -> None:
        self._send = send
        self._on_stall = on_stall
        self._max_stall = max_stall
        self._max_control = max_control
        self._control: list[str] = []  # short, and a list is a tenth of an empty deque's size
        self._pending: dict[str, str] = {}
        self._waiter: asyncio.Future | None = None
        self._busy_since = 0.0
        self.stalled = False
        self._task: asyncio.Task | None = asyncio.get_running_loop().create_task(self._run())

    def control(self, frame: str) -> None:
        """Queue a frame that must arrive, in order, before later data frames."""
        if self._task is None:
            return
        self._control.append(frame)
        self._kick()
        if len(self._control) > self._max_control:
            self._stall()

    def put(self, key: str, frame: str) -> None:
        """Queue the latest data frame for ``key``, replacing an unsent older one."""
        pending = self._pending
        if key in pending:
            Outbox.conflated += 1
            if self._busy_since and time.monotonic() - self._busy_since > self._max_stall:
                self._stall()
                return
        elif self._task is None:
            return
        pending[key] = frame
        self._kick()

    def pending(self) -> int:
        return len(self._control) + len(self._pending)

    def close(self) -> None:
        """Stop sending; unsent frames are dropped."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._control.clear()
        self._pending.clear()

    def _kick(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _stall(self) -> None:
        if self.stalled:
            return
        self.stalled = True
        self.close()
        self._on_stall()

    async def _run(self) -> None:
        try:
            await self._write()
        except Exception:  # the peer is gone; the server tells the consumer separately
            self._task = None
            self.close()

    async def _write(self) -> None:
        send, control = self._send, self._control
        loop = asyncio.get_running_loop()
        while True:
            if not (control or self._pending):
                self._busy_since = 0.0
                self._waiter = loop.create_future()
                await self._waiter
            self._busy_since = time.monotonic()
            if control:
                await send(control.pop(0))
                Outbox.sent += 1
                continue
            batch, self._pending = self._pending, {}
            for frame in batch.values():
                await send(frame)
            Outbox.sent += len(batch)
