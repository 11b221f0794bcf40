"""ASGI entry point: HTTP through Django, WebSockets through Channels, plus lifespan.

``get_asgi_application()`` runs first so apps are loaded before routing imports models.
The ticker socket is public and reads no session or user, so it is not wrapped in
``AuthMiddlewareStack``: that stack resolves the user in a thread for every connect
(serialising a reconnect storm) and inspects the session on every frame sent
(docs/performance.md). Origins are still checked against ``ALLOWED_HOSTS``.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tickerproj.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from dashboard.routing import websocket_urlpatterns  # noqa: E402
from tickerproj.lifespan import lifespan_app  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
        "lifespan": lifespan_app,
    }
)
