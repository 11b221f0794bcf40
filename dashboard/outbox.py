"""One connection's outgoing frames: ordered control frames, conflated data frames.

Control frames (acks, snapshots, errors) are sent in order. Data frames are keyed
by symbol: while the socket is busy, a newer value replaces the unsent one, so a
slow viewer's buffer is bounded by its subscription count and it always gets the
latest value. A viewer stuck on one send longer than ``max_stall`` is closed.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class Outbox:
    __slots__ = ("_send", "_on_stall", "_max_stall", "_control", "_pending", "_wake", "_busy_since", "_task")

    conflated = 0  # process-wide count of frames replaced before they were sent
    sent = 0

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        *,
        on_stall: Callable[[], None],
        max_stall: float,
    ) -> None:
        self._send = send
        self._on_stall = on_stall
        self._max_stall = max_stall
        self._control: deque[str] = deque()
        self._pending: dict[str, str] = {}
        self._wake = asyncio.Event()
        self._busy_since = 0.0
        self._task = asyncio.get_running_loop().create_task(self._run())

    def control(self, frame: str) -> None:
        """Queue a frame that must arrive, in order, before later data frames."""
        self._control.append(frame)
        self._wake.set()

    def put(self, key: str, frame: str) -> None:
        """Queue the latest data frame for ``key``, replacing an unsent older one."""
        pending = self._pending
        if key in pending:
            Outbox.conflated += 1
            if self._busy_since and time.monotonic() - self._busy_since > self._max_stall:
                self._on_stall()
        pending[key] = frame
        self._wake.set()

    def pending(self) -> int:
        return len(self._control) + len(self._pending)

    def close(self) -> None:
        self._task.cancel()

    async def _run(self) -> None:
        send, control = self._send, self._control
        while True:
            await self._wake.wait()
            self._wake.clear()
            while control or self._pending:
                self._busy_since = time.monotonic()
                if control:
                    await send(control.popleft())
                    Outbox.sent += 1
                    continue
                batch, self._pending = self._pending, {}
                for frame in batch.values():
                    await send(frame)
                Outbox.sent += len(batch)
            self._busy_since = 0.0
