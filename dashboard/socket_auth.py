"""Who a WebSocket is: channels' ``AuthMiddlewareStack`` only where there is a session to read.

Resolving the user costs a database thread hop per connect (channels' ``get_user`` runs
through ``database_sync_to_async``, one thread for the process), so a reconnect storm of
anonymous viewers would queue on that thread. A socket that carries no session cookie
cannot be anyone but ``AnonymousUser``, and skips the stack; one that does goes through
it as before, so signed-in viewers and the access rules are unchanged.
"""

from __future__ import annotations

from channels.auth import AuthMiddlewareStack
from django.conf import settings
from django.contrib.auth.models import AnonymousUser


def has_session_cookie(scope: dict) -> bool:
    name = settings.SESSION_COOKIE_NAME.encode("latin-1") + b"="
    return any(key == b"cookie" and name in value for key, value in scope.get("headers", ()))


def session_auth(inner):
    """``AuthMiddlewareStack(inner)`` for sockets with a session cookie; ``AnonymousUser`` for the rest."""
    authed = AuthMiddlewareStack(inner)

    async def app(scope, receive, send):
        if has_session_cookie(scope):
            return await authed(scope, receive, send)
        return await inner({**scope, "user": AnonymousUser()}, receive, send)

    return app
