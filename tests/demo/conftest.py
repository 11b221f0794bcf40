"""Minimal Django settings for the demo view tests, only when no project settings are in play.

Under pytest-django the project's settings are already configured and this does nothing;
with ``-p no:django`` (or before the project exists) the views still need a configured Django.
"""

import os

import django
from django.conf import settings

if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
    settings.configure(ALLOWED_HOSTS=["testserver"], INSTALLED_APPS=[], USE_TZ=True)
    django.setup()
