"""Who may use the dashboard: sign-in when ``TICKER_LOGIN_REQUIRED``, and who the viewer is.

The visibility rule itself is ``feeds.selectors.may_see``; this module turns a Django
user (from a request or a socket's scope) into the ``Viewer`` that rule reads, and
guards the page and the JSON APIs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse

from feeds.selectors import ANONYMOUS, Viewer


def _viewer_of(user) -> Viewer:
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    return Viewer(
        authenticated=True,
        superuser=user.is_superuser,
        groups=frozenset(user.groups.values_list("pk", flat=True)),
    )


async def viewer_of(user) -> Viewer:
    """The ``Viewer`` of a resolved Django user (or ``None``); reads the user's groups."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    return await sync_to_async(_viewer_of)(user)


async def request_viewer(request: HttpRequest) -> Viewer:
    return await viewer_of(await request.auser())


def json_error(status: int, code: str, message: str) -> JsonResponse:
    """The JSON APIs' one error shape: ``{"error": code, "message": what was wrong}``."""
    return JsonResponse({"error": code, "message": message}, status=status)


def login_required_if_configured(*, api: bool) -> Callable:
    """Refuse anonymous requests when ``TICKER_LOGIN_REQUIRED``: pages redirect to the
    login page, APIs answer 403 JSON. Works on sync and async views."""

    def refuse(request: HttpRequest) -> HttpResponse:
        if api:
            return json_error(403, "forbidden", "sign in required")
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)

    def decorate(view: Callable) -> Callable:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_guarded(request: HttpRequest, *args, **kwargs):
                if settings.TICKER_LOGIN_REQUIRED and not (await request.auser()).is_authenticated:
                    return refuse(request)
                return await view(request, *args, **kwargs)

            return async_guarded

        @functools.wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs):
            if settings.TICKER_LOGIN_REQUIRED and not request.user.is_authenticated:
                return refuse(request)
            return view(request, *args, **kwargs)

        return guarded

    return decorate


def socket_login_missing(viewer: Viewer) -> bool:
    """A socket must be closed with 4003 when sign-in is required and this viewer has none."""
    return settings.TICKER_LOGIN_REQUIRED and not viewer.authenticated
