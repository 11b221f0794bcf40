"""The Celery app: configured from Django settings (``CELERY_*``), tasks from each app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tickerproj.settings")

app = Celery("tickerproj")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
