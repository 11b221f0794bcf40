"""Prometheus metrics of Celery worker and beat processes, served on ``TICKER_METRICS_PORT``.

The worker polls in prefork children, so counters live in several processes: this
uses prometheus_client's multiprocess mode (each child writes its values to files
in one directory, the exporter in the worker's main process sums them). The
directory must be chosen before ``prometheus_client`` is imported, hence the
``celeryd_init`` signal, which fires before the worker imports its task modules.
Beat is one process: its exporter serves the default registry.

Unset ``TICKER_METRICS_PORT``: no exporter, nothing changes.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile

from celery.signals import beat_init, celeryd_init, worker_process_shutdown, worker_ready

log = logging.getLogger("ticker.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _port() -> int | None:
    raw = os.environ.get("TICKER_METRICS_PORT", "").strip()
    return int(raw) if raw else None


@celeryd_init.connect
def _choose_multiprocess_dir(**kwargs) -> None:
    if _port() is None:
        return
    if "prometheus_client" in sys.modules and not os.environ.get(MULTIPROC_ENV):
        log.warning("prometheus_client was imported before the worker started: child metrics are lost")
    if not os.environ.get(MULTIPROC_ENV):
        os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="ticker-worker-metrics-")


@worker_ready.connect
def _serve_worker_metrics(**kwargs) -> None:
    port = _port()
    if port is None:
        return
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(port, registry=registry)
    log.info("worker metrics on :%d/metrics", port, extra={"metrics_dir": os.environ.get(MULTIPROC_ENV)})


@worker_process_shutdown.connect
def _forget_child(pid: int | None = None, **kwargs) -> None:
    if _port() is not None and os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


@beat_init.connect
def _serve_beat_metrics(**kwargs) -> None:
    port = _port()
    if port is None:
        return
    from prometheus_client import start_http_server

    start_http_server(port)
    log.info("beat metrics on :%d/metrics", port)
