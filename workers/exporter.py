"""Prometheus metrics of Celery worker and beat processes, served on ``TICKER_METRICS_PORT``.

The worker polls in prefork children, so counters live in several processes: this
uses prometheus_client's multiprocess mode (each child writes its values to files
in one directory, the exporter in the worker's main process sums them). The
directory must be chosen before ``prometheus_client`` is imported, hence the
``import_modules`` signal, which fires just before Celery imports the task modules.
An operator may set ``PROMETHEUS_MULTIPROC_DIR`` themselves (an empty directory).

Unset ``TICKER_METRICS_PORT``: no exporter, nothing changes.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile

from celery.signals import beat_init, import_modules, worker_process_shutdown, worker_ready, worker_shutdown

log = logging.getLogger("ticker.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_created_dir: str | None = None


def _port() -> int | None:
    raw = os.environ.get("TICKER_METRICS_PORT", "").strip()
    return int(raw) if raw else None


@import_modules.connect
def _choose_multiprocess_dir(**kwargs) -> None:
    if _port() is None:
        return
    if "prometheus_client" in sys.modules and not os.environ.get(MULTIPROC_ENV):
        log.warning("prometheus_client was imported before the worker started: child metrics are lost")
    if not os.environ.get(MULTIPROC_ENV):
        global _created_dir
        _created_dir = os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="ticker-worker-metrics-")


@worker_shutdown.connect
def _remove_multiprocess_dir(**kwargs) -> None:
    if _created_dir:
        shutil.rmtree(_created_dir, ignore_errors=True)


def _serve_metrics(role: str, **extra) -> None:
    port = _port()
    if port is None:
        return
    from prometheus_client import start_http_server

    start_http_server(port, registry=_registry())
    log.info("%s metrics on :%d/metrics", role, port, extra=extra)


@worker_ready.connect
def _serve_worker_metrics(**kwargs) -> None:
    _serve_metrics("worker", metrics_dir=os.environ.get(MULTIPROC_ENV))


def _registry():
    """Every process's values when in multiprocess mode, else this process's."""
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    if not os.environ.get(MULTIPROC_ENV):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


@worker_process_shutdown.connect
def _forget_child(pid: int | None = None, **kwargs) -> None:
    if _port() is not None and os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


@beat_init.connect
def _serve_beat_metrics(**kwargs) -> None:
    _serve_metrics("beat")
