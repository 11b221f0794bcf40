"""Cross-site WebSocket hijacking defence: a browser's Origin must be one of ALLOWED_HOSTS.

A page on another site can open a socket to this server in a victim's browser, with
the victim's cookies; the browser always sends that page's Origin, which is refused
here before the consumer runs. A client that sends no Origin at all is not a browser
(trading scripts, curl): it carries no victim's cookies and could send any Origin it
liked, so it is let through unless ``TICKER_WS_REQUIRE_ORIGIN`` is set. ``Origin: null``
(sandboxed frames, file pages) is a browser's and is refused.
"""

from __future__ import annotations

from channels.security.websocket import OriginValidator
from django.conf import settings


class BrowserOriginValidator(OriginValidator):
    def valid_origin(self, parsed_origin) -> bool:
        if parsed_origin is None and not settings.TICKER_WS_REQUIRE_ORIGIN:
            return True
        return super().valid_origin(parsed_origin)


def origin_checked(application):
    """``application`` behind the Origin check against ``ALLOWED_HOSTS`` (as Channels'
    ``AllowedHostsOriginValidator``, plus the no-Origin rule above)."""
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = ["localhost", "127.0.0.1", "[::1]"]
    return BrowserOriginValidator(application, allowed)
