"""Helpers for protocol tests against a real server: a raw socket client that can
misbehave (never answer pings), and a publisher that plays the worker's part."""

from __future__ import annotations

import base64
import os
import socket

from channels_redis.pubsub import RedisPubSubChannelLayer

from feeds.publish import group_for
from feeds.schema import make_quote
from feeds.store import RedisStore


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """One client frame (clients must mask): 0x1 text, 0x2 binary, 0x8 close."""
    n = len(payload)
    if n < 126:
        header = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        header = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    mask = os.urandom(4)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class RawClient:
    """A WebSocket client on a bare socket: it sends what it is told and reads nothing
    unless asked, so it never answers the server's pings (a dead peer, as far as the
    server can tell)."""

    def __init__(self, port: int, origin: str | None = None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            "GET /ws/ticker/ HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if origin:
            lines.append(f"Origin: {origin}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            head += chunk
        self.status = int(head.split(b" ", 2)[1]) if head else 0

    def send_text(self, text: str) -> None:
        self.sock.sendall(masked_frame(0x1, text.encode()))

    def close(self) -> None:
        self.sock.close()


class Publisher:
    """Commits values to the server's Redis store and publishes them as a worker would."""

    def __init__(self, redis_url: str, prefix: str) -> None:
        self.store = RedisStore(redis_url, prefix, 50)
        self.layer = RedisPubSubChannelLayer(hosts=[redis_url], prefix=f"{prefix}:layer")

    async def publish(self, prices: dict[str, float], source: str = "pub") -> list[dict]:
        updates = self.store.commit([make_quote(symbol=s, price=p, source=source) for s, p in prices.items()])
        for update in updates:
            await self.layer.group_send(
                group_for(update["symbol"]), {"type": "ticker.update", "update": update}
            )
        return updates

    async def close(self) -> None:
        await self.layer.flush()
