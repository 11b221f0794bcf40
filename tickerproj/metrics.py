"""Prometheus metrics: what every Ticker process counts, and what the web process reports.

Feed metrics are counted where polls run (Celery worker children, or the web process
on the embedded default); the web process's ``/metrics`` adds connections,
subscriptions, frames and the publish→send latency. Values the hub and outboxes
already keep are read at scrape time (``WebCollector``) so the hot path pays nothing
for them.

Names follow Prometheus conventions: ``_total`` counters, ``_seconds`` histograms.
"""

from __future__ import annotations

import asyncio

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
POLL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# --- feeds (worker side) ---------------------------------------------------------------
FEED_POLLS = Counter("ticker_feed_polls", "Polls by outcome (ok, error, skipped)", ["feed", "outcome"])
FEED_POLL_SECONDS = Histogram(
    "ticker_feed_poll_duration_seconds",
    "Upstream fetch + parse + commit time",
    ["feed"],
    buckets=POLL_BUCKETS,
)
FEED_UPDATES = Counter("ticker_feed_updates", "New values committed and published", ["feed"])
FEED_FAILURES = Gauge(
    "ticker_feed_consecutive_failures",
    "Failed polls in a row (0 when healthy)",
    ["feed"],
    multiprocess_mode="mostrecent",
)
DB_FALLBACKS = Counter(
    "ticker_db_fallbacks",
    "Times a worker used its cached feed rows because the database failed",
    ["step"],
)
DISPATCHED = Counter("ticker_dispatched_polls", "Polls enqueued by the dispatcher", ["source"])

# --- web side ---------------------------------------------------------------------------
PUBLISH_TO_SEND = Histogram(
    "ticker_publish_to_send_seconds",
    "From an update's commit in the store (its sent_at) to its frame handed to local viewers",
    buckets=LATENCY_BUCKETS,
)
SLOW_VIEWERS_CLOSED = Counter("ticker_ws_slow_viewers_closed", "Viewers closed for staying behind")


class WebCollector:
    """Connections, subscriptions, groups and frame counts, read from the live objects."""

    def collect(self):
        from dashboard import hub as hub_module
        from dashboard.outbox import Outbox
        from tickerproj import connections

        yield GaugeMetricFamily(
            "ticker_ws_connections", "Open WebSocket connections", value=connections.count()
        )
        started = hub_module.hubs.started()
        hubs = [hub for _, hub in started]
        subs = sum(n for h in hubs for n in h.viewers().values())
        yield GaugeMetricFamily(
            "ticker_ws_subscriptions", "Viewer subscriptions (socket x symbol)", value=subs
        )
        yield GaugeMetricFamily(
            "ticker_hub_groups",
            "Channel-layer groups this process is in",
            value=sum(len(h._joined) for h in hubs),
        )
        yield CounterMetricFamily(
            "ticker_hub_updates_received",
            "Messages the hub received from the channel layer",
            value=sum(h.received for h in hubs),
        )
        yield CounterMetricFamily(
            "ticker_hub_layer_errors",
            "Channel-layer receive failures (Redis down)",
            value=sum(h.layer_errors for h in hubs),
        )
        yield CounterMetricFamily(
            "ticker_ws_frames_sent", "Frames written to viewers' sockets", value=getattr(Outbox, "sent", 0)
        )
        yield CounterMetricFamily(
            "ticker_ws_frames_conflated",
            "Data frames replaced by a newer value before a slow viewer could take them",
            value=getattr(Outbox, "conflated", 0),
        )
        loops = [loop for loop, _ in started]
        yield GaugeMetricFamily(
            "ticker_asyncio_tasks",
            "Tasks alive on the server's event loop",
            value=sum(len(asyncio.all_tasks(loop)) for loop in loops if not loop.is_closed()),
        )


_registered = False


def register_web_collector() -> None:
    """Add the web process's collector to the default registry (once)."""
    global _registered
    if not _registered:
        REGISTRY.register(WebCollector())
        _registered = True
