"""A flood of bad clients, as its own process so that it does not slow the measuring one.

``python -m tests.dashboard.flooder PORT SECONDS CLIENTS`` blasts frames (valid pings,
junk, nested arrays, 3 KB subscribes; one client in four also frames over the hard
cap) from CLIENTS sockets, reconnecting whenever the server closes one, and prints a
JSON tally: connections, frames sent, and how the closes came.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import websockets

JUNK = [
    json.dumps({"action": "ping", "id": 1}),
    "not json at all",
    json.dumps({"action": "subscribe", "symbols": ["AAPL"] * 100, "pad": "x" * 3000}),
    "[" * 1500 + "]" * 1500,
]


async def flood(port: int, until: float, oversize: bool, tally: dict[str, int]) -> None:
    while time.monotonic() < until:
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws/ticker/", max_queue=None) as ws:
                tally["connections"] += 1
                while time.monotonic() < until:
                    if oversize:
                        await ws.send("x" * 20_000)
                    for text in JUNK:
                        await ws.send(text)
                    tally["sent"] += len(JUNK) + oversize
                    await asyncio.sleep(0)
        except websockets.ConnectionClosed as exc:
            # A client still sending when the server drops it for an oversize frame may see
            # the TCP connection reset before it reads the 1009 close frame.
            key = f"closed {exc.rcvd.code if exc.rcvd else 'abruptly'}"
            tally[key] = tally.get(key, 0) + 1
        except OSError:
            await asyncio.sleep(0.05)


async def main(port: int, seconds: float, clients: int) -> None:
    tally = {"connections": 0, "sent": 0}
    until = time.monotonic() + seconds
    await asyncio.gather(*(flood(port, until, k % 4 == 0, tally) for k in range(clients)))
    print(json.dumps(tally))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])))
