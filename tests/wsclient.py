"""A small WebSocket test client on ``websockets``: send JSON, wait for matching frames."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import websockets


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
