"""ASGI lifespan: start the hub (and, on the embedded default, the scheduler) at boot,
and on shutdown tell viewers before their sockets close.

The ``shutdown`` notice: uvicorn closes every WebSocket (1012) *before* it sends
``lifespan.shutdown``, so a notice sent only from there would reach nobody. At
startup we therefore also wrap the server's SIGTERM/SIGINT handler: on the first
signal the registry drains (notice, ``TICKER_WS_SHUTDOWN_GRACE_S``, close 1012) and then
the server's own handler runs; a second signal hands over at once. Servers that do
run lifespan shutdown first get the same drain from ``on_shutdown``.

Servers without lifespan support (daphne) start the hub lazily on first use instead.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading

from django.conf import settings

log = logging.getLogger("ticker.lifespan")

_signalled = False
_tasks: set[asyncio.Task] = set()


async def on_startup() -> None:
    from dashboard.connections import get_registry

    await get_registry()
    _drain_before_signal_handlers(asyncio.get_running_loop())
    if settings.TICKER_EMBEDDED:
        from workers.embedded import scheduler

        scheduler.start()
        log.info("embedded scheduler started (no REDIS_URL): polls run in this process")


async def on_shutdown() -> None:
    from dashboard.connections import current_registry, stop_registry
    from dashboard.hub import stop_hub

    registry = current_registry()
    if registry is not None and not registry.draining:
        await registry.drain()
    await stop_registry()
    if settings.TICKER_EMBEDDED:
        from workers.embedded import scheduler

        await scheduler.stop()
    await stop_hub()


def _drain_before_signal_handlers(loop: asyncio.AbstractEventLoop) -> None:
    """Run the drain before the server's own handler of SIGTERM and SIGINT (see above)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        server_handler = signal.getsignal(sig)
        if not callable(server_handler):
            continue

        def handler(signum, frame, server_handler=server_handler) -> None:
            global _signalled
            if _signalled:
                server_handler(signum, frame)
                return
            _signalled = True
            loop.call_soon_threadsafe(_start_drain, loop, server_handler, signum)

        signal.signal(sig, handler)


def _start_drain(loop: asyncio.AbstractEventLoop, server_handler, signum: int) -> None:
    task = loop.create_task(_drain_then(server_handler, signum))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _drain_then(server_handler, signum: int) -> None:
    from dashboard.connections import current_registry

    try:
        registry = current_registry()
        if registry is not None:
            await registry.drain()
    except Exception:
        log.exception("drain before shutdown failed")
    finally:
        server_handler(signum, None)


async def lifespan_app(scope, receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await on_startup()
            except Exception as exc:
                log.exception("startup failed")
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await on_shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return
