"""The TCP connection behind an ASGI ``send``, where the server exposes it (uvicorn does).

ASGI gives an app no socket, yet fan-out to slow viewers needs two things from it:

- a bounded kernel send buffer, so that a viewer that stops reading makes ``send`` wait
  (and its outbox conflate) within seconds, instead of after the kernel has queued
  megabytes of stale frames for it (Linux grows a socket's send buffer up to
  ``net.ipv4.tcp_wmem``'s maximum, 4 MiB by default);
- abort (a reset), because a server's graceful close waits for buffered data to drain,
  so a peer that reads nothing at all would keep its socket and buffers for good.

Both are best effort: where the server does not expose its transport they do nothing
and return False.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Callable


def innermost_send(send: Callable) -> Callable:
    """The server's own ``send`` behind channels' session middleware, which wraps it.

    That wrapper acts only on messages that can carry cookies (accept, HTTP responses);
    data frames can skip it, and with it two lazy-object lookups per frame sent.
    """
    for _ in range(8):
        inner = getattr(getattr(send, "__self__", None), "real_send", None)
        if inner is None:
            return send
        send = inner
    return send


def transport_of(send: Callable) -> asyncio.Transport | None:
    """uvicorn's ``send`` is a bound method of its protocol, which holds the transport."""
    transport = getattr(getattr(innermost_send(send), "__self__", None), "transport", None)
    return transport if hasattr(transport, "abort") else None


def limit_send_buffer(send: Callable, size: int) -> bool:
    """Cap the kernel send buffer of the connection (Linux doubles ``size`` for bookkeeping)."""
    transport = transport_of(send)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None or size <= 0:
        return False
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
    except OSError:
        return False
    return True


def abort(send: Callable) -> bool:
    """Drop the connection now, discarding whatever the peer has not read.

    ``SO_LINGER`` 0 makes the kernel reset the connection and free its send queue; a
    plain close would leave the kernel delivering the queued frames (to a peer that
    reads nothing) for minutes after the process let go.
    """
    transport = transport_of(send)
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return True
