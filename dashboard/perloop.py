"""One instance per event loop, started on first use: the hub and the socket registry.

Channel layers and Redis clients belong to a loop, so what holds them does too.
Concurrent first callers share one start; a failed start is forgotten so the next
caller tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar


class Stoppable(Protocol):
    async def stop(self) -> None: ...


T = TypeVar("T", bound=Stoppable)


class PerLoop(Generic[T]):
    def __init__(self, start: Callable[[], Awaitable[T]]) -> None:
        self._start = start
        self._futures: dict[asyncio.AbstractEventLoop, asyncio.Future[T]] = {}

    async def get(self) -> T:
        """This loop's instance, started by the first caller."""
        loop = asyncio.get_running_loop()
        fut = self._futures.get(loop)
        if fut is None:
            fut = self._futures[loop] = loop.create_future()
            try:
                fut.set_result(await self._start())
            except BaseException as exc:
                del self._futures[loop]
                fut.set_exception(exc)
                raise
        return await fut

    def current(self) -> T | None:
        """This loop's instance if it has started (no side effects)."""
        with contextlib.suppress(RuntimeError):
            fut = self._futures.get(asyncio.get_running_loop())
            if fut is not None and fut.done() and not fut.exception():
                return fut.result()
        return None

    async def stop(self) -> None:
        """Forget this loop's instance and, if it had started, stop it."""
        instance = self.current()
        with contextlib.suppress(RuntimeError):
            self._futures.pop(asyncio.get_running_loop(), None)
        if instance is not None:
            await instance.stop()

    def started(self) -> list[tuple[asyncio.AbstractEventLoop, T]]:
        """Every loop's started instance (for metrics, from any thread)."""
        return [
            (loop, f.result()) for loop, f in list(self._futures.items()) if f.done() and not f.exception()
        ]
