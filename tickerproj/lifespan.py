"""ASGI lifespan: start the hub (and, on the embedded default, the scheduler) at boot,
and on shutdown tell viewers before their sockets close.

The server closes sockets before the lifespan shutdown runs, so the goodbye (the
consumer's ``shutdown`` notice, then close 1001) is sent from the signal handler that
``connections.install_drain`` installs at startup; ``on_shutdown`` closes whatever is
still open after that.
Servers without lifespan support (daphne) start the hub lazily on first use instead.
"""

from __future__ import annotations

import asyncio
import gc
import logging

from django.conf import settings

from tickerproj import connections
from tickerproj.metrics import register_web_collector

log = logging.getLogger("ticker.lifespan")


async def on_startup() -> None:
    from dashboard.connections import get_registry

    await get_registry()  # the hub, and the sockets' chores (heartbeats, viewer counts)
    register_web_collector()
    connections.install_drain(asyncio.get_running_loop())
    if settings.TICKER_EMBEDDED:
        from workers.embedded import scheduler

        scheduler.start()
        log.info("embedded scheduler started (no REDIS_URL): polls run in this process")
    # What is loaded by now (Django, the apps, the hub) lives as long as the process: keep it
    # out of the cyclic collector's full passes, which otherwise pause fan-out ~100 ms
    # (docs/performance.md).
    gc.freeze()


async def on_shutdown() -> None:
    from dashboard.connections import stop_registry
    from dashboard.hub import stop_hub

    if settings.TICKER_EMBEDDED:
        from workers.embedded import scheduler

        await scheduler.stop()
    await connections.close_all(wait=0.5)
    await stop_registry()
    await stop_hub()


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
