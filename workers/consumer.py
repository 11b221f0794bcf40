"""The worker's broker consumer, reconnecting every second instead of backing off to 30 s.

Celery retries a lost broker connection with kombu's defaults (2 s, then 2 s more
each time, up to 30 s), so after a long Redis outage a worker could sit idle for
up to half a minute once Redis is back. Polls are cheap to resume and Redis is
local, so this consumer retries at ``interval_max`` at most (1 s by default).
Installed with Celery's own ``worker_consumer`` setting.
"""

from __future__ import annotations

import functools

from celery.worker.consumer import Consumer
from django.conf import settings


class PromptReconnectConsumer(Consumer):
    def ensure_connected(self, conn):
        conn.ensure_connection = functools.partial(
            conn.ensure_connection,
            interval_start=0.2,
            interval_step=0.2,
            interval_max=settings.TICKER_BROKER_RETRY_MAX_S,
        )
        return super().ensure_connected(conn)
