"""ASGI lifespan: start the hub (and, on the embedded default, the scheduler) at boot,
and on shutdown tell viewers before their sockets close.

Servers without lifespan support (daphne) start the hub lazily on first use instead.
"""

from __future__ import annotations

import logging

from django.conf import settings

log = logging.getLogger("ticker.lifespan")


async def on_startup() -> None:
    from dashboard.hub import get_hub

    await get_hub()
    if settings.TICKER_EMBEDDED:
        from workers.embedded import scheduler

        scheduler.start()
        log.info("embedded scheduler started (no REDIS_URL): polls run in this process")


async def on_shutdown() -> None:
    from dashboard.hub import stop_hub

    if settings.TICKER_EMBEDDED:
        from workers.embedded import scheduler

        await scheduler.stop()
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
