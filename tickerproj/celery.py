"""The Celery app: configured from Django settings (``CELERY_*``), tasks from each app.

Worker and beat log through Django's ``LOGGING`` (the same JSON lines as the web
process) and, when ``TICKER_METRICS_PORT`` is set, serve Prometheus metrics on it
(``workers.exporter``).
"""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tickerproj.settings")

# Before the app: its Django fixup's own ``import_modules`` receiver imports the URLconf
# (and so prometheus_client); the exporter's must run first.
import workers.exporter  # noqa: E402,F401

app = Celery("tickerproj")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _log_like_django(**kwargs) -> None:
    """A receiver here stops Celery configuring logging itself; Django's LOGGING applies."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
