"""ASGI entry point: HTTP through Django, WebSockets through Channels, plus lifespan.

``get_asgi_application()`` runs first so apps are loaded before routing imports models.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tickerproj.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from dashboard.origin import origin_checked  # noqa: E402
from dashboard.routing import websocket_urlpatterns  # noqa: E402
from dashboard.socket_auth import session_auth  # noqa: E402
from tickerproj.lifespan import lifespan_app  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": origin_checked(session_auth(URLRouter(websocket_urlpatterns))),
        "lifespan": lifespan_app,
    }
)
