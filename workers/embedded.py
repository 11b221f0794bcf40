"""The embedded scheduler: Celery beat + worker inside the web process.

Used when ``REDIS_URL`` is unset. It runs the same service functions as the
Celery tasks; polls run in threads, publishing runs on the web process's loop
(the in-memory channel layer belongs to that loop).
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import sync_to_async
from django.utils import timezone

from feeds.publish import poll_result_publish
from feeds.services import feed_poll_by_id, feeds_claim_due

log = logging.getLogger("ticker.embedded")


class EmbeddedScheduler:
    """Dispatches due polls every second until stopped."""

    def __init__(self) -> None:
        self._task: asyncio.Task | None = None
        self._polls: set[asyncio.Task] = set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="ticker-scheduler")

    async def stop(self) -> None:
        for task in [self._task, *self._polls]:
            if task:
                task.cancel()
        await asyncio.gather(*(t for t in [self._task, *self._polls] if t), return_exceptions=True)
        self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                due = await sync_to_async(feeds_claim_due, thread_sensitive=False)(now=timezone.now())
                for feed_id, delay in due:
                    loop.call_later(delay, self._spawn, feed_id)
            except Exception:
                log.exception("embedded dispatcher failed; retrying")
            await asyncio.sleep(1.0)

    def _spawn(self, feed_id: int) -> None:
        task = asyncio.get_running_loop().create_task(self._poll(feed_id))
        self._polls.add(task)
        task.add_done_callback(self._polls.discard)

    async def _poll(self, feed_id: int) -> None:
        try:
            result = await sync_to_async(feed_poll_by_id, thread_sensitive=False)(feed_id)
            if result and not result.skipped:
                await poll_result_publish(result)
        except Exception:
            log.exception("embedded poll of feed %s failed", feed_id)


scheduler = EmbeddedScheduler()
