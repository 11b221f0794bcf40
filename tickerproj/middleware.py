"""A clear 503 page, not a bare 500, when the database is unreachable (admin, APIs)."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

log = logging.getLogger("ticker.web")

PAGE = """<!doctype html><html><head><title>Database unavailable</title></head><body>
<h1>Database unavailable</h1>
<p>Ticker cannot reach its database right now, so this page cannot be shown. Live prices keep
flowing to viewers; feed settings and health are read-only until the database is back.</p>
<p>Try again in a few seconds.</p></body></html>"""


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.error("database unavailable for %s: %s", request.path, exception)
        return HttpResponse(PAGE, status=503, headers={"Retry-After": "5"})
