"""Small WebSocket test clients on ``websockets``: send JSON, wait for matching frames; pause reading."""

from __future__ import annotations

import array
import asyncio
import contextlib
import fcntl
import json
import socket
import termios
import time
from collections.abc import Callable

import websockets
from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri


def connect(port: int, path: str = "/ws/ticker/", **kwargs):
    return websockets.connect(
        f"ws://127.0.0.1:{port}{path}", origin=f"http://127.0.0.1:{port}", open_timeout=10, **kwargs
    )


async def send(ws, **message) -> None:
    await ws.send(json.dumps(message))


async def recv(ws, timeout: float = 10) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_until(ws, match: Callable[[dict], bool], timeout: float = 15) -> tuple[dict, list[dict]]:
    """Read frames until one matches; returns it and every frame read before it."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no matching frame in {timeout}s; got {seen[-5:]}")
        frame = await recv(ws, left)
        if match(frame):
            return frame, seen
        seen.append(frame)


async def collect(ws, seconds: float) -> list[dict]:
    """Every frame that arrives within ``seconds``."""
    frames: list[dict] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            frames.append(await recv(ws, left))
        except TimeoutError:
            break
    return frames


class PausableClient(asyncio.Protocol):
    """A WebSocket client that can stop reading its socket, like a frozen browser tab.

    Built on websockets' sans-I/O ``ClientProtocol`` so that reading is ours to pause:
    ``pause()`` stops reading the socket (the server's sends then fill the TCP buffers),
    ``resume()`` reads again as fast as frames come. Frames land in ``frames``; a close
    frame from the server sets ``close_code``; ``lost`` is set when the connection ends.
    """

    def __init__(self, port: int, path: str = "/ws/ticker/") -> None:
        self.proto = ClientProtocol(
            parse_uri(f"ws://127.0.0.1:{port}{path}"), origin=f"http://127.0.0.1:{port}"
        )
        self.frames: list[dict] = []
        self.close_code: int | None = None
        self.open = asyncio.get_running_loop().create_future()
        self.lost = asyncio.get_running_loop().create_future()
        self.arrived = asyncio.Event()

    @classmethod
    async def connect(cls, port: int, rcvbuf: int = 65536) -> PausableClient:
        """Connect with a small receive buffer (set before connecting, so TCP's window matches)."""
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        await loop.sock_connect(sock, ("127.0.0.1", port))
        _, client = await loop.create_connection(lambda: cls(port), sock=sock)
        await asyncio.wait_for(client.open, 10)
        return client

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.proto.send_request(self.proto.connect())
        self._flush()

    def _flush(self) -> None:
        for data in self.proto.data_to_send():
            if data:
                self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        self.proto.receive_data(data)
        for event in self.proto.events_received():
            if isinstance(event, Response):
                self.open.set_result(event.status_code)
            elif event.opcode == Opcode.TEXT:
                self.frames.append(json.loads(event.data))
                self.arrived.set()
            elif event.opcode == Opcode.CLOSE and self.proto.close_rcvd is not None:
                self.close_code = self.proto.close_rcvd.code
        self._flush()

    def connection_lost(self, exc) -> None:
        if not self.open.done():
            self.open.set_exception(ConnectionError("closed during the handshake"))
        if not self.lost.done():
            self.lost.set_result(exc)
        self.arrived.set()

    def send(self, **message) -> None:
        self.proto.send_text(json.dumps(message).encode())
        self._flush()

    def unread(self) -> int:
        """Bytes that arrived in the kernel's receive buffer and were not read yet."""
        buf = array.array("i", [0])
        fcntl.ioctl(self.transport.get_extra_info("socket").fileno(), termios.FIONREAD, buf)
        return buf[0]

    def pause(self) -> None:
        self.transport.pause_reading()

    def resume(self) -> None:
        self.transport.resume_reading()

    async def wait_frames(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.frames) < count:
            left = deadline - time.monotonic()
            if left <= 0 or self.lost.done():
                raise TimeoutError(f"{len(self.frames)} of {count} frames; last {self.frames[-3:]}")
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), left)

    def close(self) -> None:
        self.transport.abort()
