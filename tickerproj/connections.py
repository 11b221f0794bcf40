"""Closing every open WebSocket of this process with 1001 on shutdown.

The sockets are those ``dashboard.connections``' per-loop registries hold.

uvicorn, on SIGTERM, closes WebSockets with 1012 and only then runs the lifespan
shutdown, so anything said from there reaches nobody. ``install_drain`` wraps the
server's SIGTERM/SIGINT handler: it first tells every viewer (``notice``, if the
consumer has one) and closes it with 1001 "going away", waits briefly for the close
handshakes, then hands the signal to the server as before.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from dashboard.protocol import CLOSE_GOING_AWAY

log = logging.getLogger("ticker.connections")

DRAIN_WAIT_S = 2.0


def _open() -> list:
    """Every open socket, as the per-loop registries of ``dashboard.connections`` hold them."""
    from dashboard.connections import registries

    return [sock for _, registry in registries.started() for sock in registry.sockets]


def count() -> int:
    return len(_open())


async def close_all(code: int = CLOSE_GOING_AWAY, wait: float = DRAIN_WAIT_S) -> int:
    """Notify and close every open connection; returns how many were closed."""
    consumers = _open()
    for consumer in consumers:
        notice = getattr(consumer, "send_shutdown_notice", None)
        try:
            if notice is not None:
                await notice()
            await consumer.close(code=code)
        except Exception as exc:  # one broken socket must not keep the others open
            log.warning("closing a connection on shutdown failed: %s", exc)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while _open() and loop.time() < deadline:  # consumers leave the set on their disconnect
        await asyncio.sleep(0.05)
    log.info("closed %d connections with %d before shutdown", len(consumers), code)
    return len(consumers)


def install_drain(loop: asyncio.AbstractEventLoop) -> None:
    """Close viewers with 1001 before the server's own SIGTERM/SIGINT handling runs."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)
        if not callable(previous) or getattr(previous, "_ticker_drain", False):
            continue

        def handler(signum, frame, previous=previous) -> None:
            if not _open():
                previous(signum, frame)
                return

            async def drain_then_exit() -> None:
                try:
                    await close_all()
                finally:
                    previous(signum, frame)

            loop.call_soon_threadsafe(lambda: loop.create_task(drain_then_exit()))

        handler._ticker_drain = True  # type: ignore[attr-defined]
        signal.signal(sig, handler)
