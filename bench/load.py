"""A WebSocket load client for the Ticker protocol (raw asyncio, one process, many sockets).

It opens ``--conns`` connections the way a browser would (``Origin`` header, and with
``--deflate`` a ``permessage-deflate`` offer), subscribes each to ``--per`` symbols of
``S0..S{universe-1}`` as soon as its handshake completes, and records per connection when
the ``subscribed`` ack and all snapshots arrived. It then prints one JSON line
``{"event": "ready", ...}`` and reads one JSON line on stdin that says what to measure::

    {"windows": [[t0, t1], ...], "until": t, "stall": {"at": t, "resume": t}}

(times are Unix seconds). Frames are counted per window, every ``--sample``-th frame's
``sent_at`` gives a publish→receipt delay, and with ``--seq`` each connection checks that
every symbol's ``seq`` only grows by one (duplicates and gaps are counted). With
``--stall N`` the first N connections stop reading at ``stall.at`` and resume at
``stall.resume`` (with a 64 KiB receive buffer, set before connecting), and
report what they got after resuming and how they were closed. At ``until`` it prints one
JSON line of results and exits.

Compared with ``shared/bench/wsload.py`` (whose output fields it keeps), it adds the
deflate offer, the ack/snapshot timing of a connect storm, windows for a rate ramp, the
seq check and the stalled readers the benchmark's goals need.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import socket
import struct
import sys
import time
import zlib

SEQ_RE = re.compile(rb'"seq":(\d+),"symbol":"([^"]+)"')
CLOSE_ABORTED = 1006


def mask_frame(payload: bytes, opcode: int = 1) -> bytes:
    key = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    mask = (key * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(mask, "big")).to_bytes(n, "big") if n else b""
    return head + key + masked


class Run:
    """Counters shared by every connection of this process."""

    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.t_start = time.time()
        self.windows: list[tuple[float, float]] = []
        self.w_frames: list[int] = []
        self.w_lat: list[list[float]] = []
        self.cur = -1
        self.cur_end = 0.0
        self.next_start = float("inf")
        self.errors = 0
        self.error_frames = 0
        self.closed = 0
        self.close_codes: dict[int, int] = {}
        self.dups = 0
        self.gaps = 0

    def set_windows(self, windows: list[list[float]]) -> None:
        self.windows = [(float(a), float(b)) for a, b in windows]
        self.w_frames = [0] * len(self.windows)
        self.w_lat = [[] for _ in self.windows]
        self._advance(time.time())

    def _advance(self, now: float) -> None:
        self.cur, self.cur_end, self.next_start = -1, 0.0, float("inf")
        for i, (a, b) in enumerate(self.windows):
            if a <= now < b:
                self.cur, self.cur_end = i, b
                return
            if a > now:
                self.next_start = a
                return

    def window(self, now: float) -> int:
        if (self.cur >= 0 and now >= self.cur_end) or now >= self.next_start:
            self._advance(now)
        return self.cur


class Conn(asyncio.Protocol):
    def __init__(self, run: Run, index: int, symbols: list[str], stalls: bool) -> None:
        self.run, self.index, self.symbols, self.stalls = run, index, symbols, stalls
        self.buf = bytearray()
        self.upgraded = False
        self.inflate = None
        self.reset_inflate = False
        self.k = 0
        self.t0 = time.time()
        self.t_up = self.t_ack = self.t_snap = None
        self.snaps = 0
        self.frames = 0
        self.window_frames = 0
        self.last_seq: dict[bytes, int] = {}
        self.close_code: int | None = None
        self.lost = False
        self.t_lost = 0.0
        self.after_resume = 0
        self.resumed_at = 0.0
        self.gaps_after_resume = 0
        self.ready = asyncio.get_running_loop().create_future()

    def connection_made(self, transport) -> None:
        self.t = transport
        key = base64.b64encode(os.urandom(16)).decode()
        host = f"{self.run.a.host}:{self.run.a.port}"
        ext = (
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
            if self.run.a.deflate
            else ""
        )
        transport.write(
            (
                f"GET {self.run.a.path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: http://{host}\r\n{ext}\r\n"
            ).encode()
        )

    def _upgrade(self) -> bool:
        i = self.buf.find(b"\r\n\r\n")
        if i < 0:
            return False
        head = bytes(self.buf[:i]).decode("latin-1")
        del self.buf[: i + 4]
        lines = head.split("\r\n")
        if " 101 " not in lines[0] + " ":
            self.run.errors += 1
            self.t.close()
            self._settle(False)
            return False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "sec-websocket-extensions" and "permessage-deflate" in value:
                self.inflate = zlib.decompressobj(-15)
                self.reset_inflate = "server_no_context_takeover" in value
        self.upgraded = True
        self.t_up = time.time()
        self.t.write(mask_frame(json.dumps({"action": "subscribe", "symbols": self.symbols}).encode()))
        return True

    def _settle(self, ok: bool) -> None:
        if not self.ready.done():
            self.ready.set_result(ok)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.upgraded and not self._upgrade():
            return
        run, buf = self.run, self.buf
        now = time.time()
        w = run.window(now)
        pos, n = 0, len(buf)
        while n - pos >= 2:
            b0 = buf[pos]
            ln = buf[pos + 1] & 0x7F
            h = 2
            if ln == 126:
                if n - pos < 4:
                    break
                ln = struct.unpack_from("!H", buf, pos + 2)[0]
                h = 4
            elif ln == 127:
                if n - pos < 10:
                    break
                ln = struct.unpack_from("!Q", buf, pos + 2)[0]
                h = 10
            if n - pos < h + ln:
                break
            op = b0 & 0x0F
            if op in (1, 2):
                payload = buf[pos + h : pos + h + ln]
                if b0 & 0x40 and self.inflate is not None:
                    payload = self.inflate.decompress(bytes(payload) + b"\x00\x00\xff\xff")
                    if self.reset_inflate:
                        self.inflate = zlib.decompressobj(-15)
                self._frame(payload, now, w)
            elif op == 9:
                self.t.write(mask_frame(bytes(buf[pos + h : pos + h + ln]), 10))
            elif op == 8:
                self.close_code = struct.unpack_from("!H", buf, pos + h)[0] if ln >= 2 else 1005
                run.close_codes[self.close_code] = run.close_codes.get(self.close_code, 0) + 1
                self.t.write(mask_frame(struct.pack("!H", 1000), 8))
                self.t.close()
            pos += h + ln
        del buf[:pos]

    def _frame(self, payload, now: float, w: int) -> None:
        run = self.run
        self.frames += 1
        if self.t_snap is None:
            head = bytes(payload[:40])
            if self.t_ack is None and b'"subscribed"' in head:
                self.t_ack = now
            elif b'"snapshot"' in head:
                self.snaps += 1
            elif b'"error"' in head:
                run.error_frames += 1
            if self.t_ack is not None and self.snaps >= run.a.snapshots:
                self.t_snap = now
                self._settle(True)
        if self.resumed_at:
            self.after_resume += 1
        if run.a.seq or self.stalls:
            m = SEQ_RE.search(payload, 0, 80)
            if m is not None and payload[:16] == b'{"type":"update"':
                seq, sym = int(m.group(1)), m.group(2)
                last = self.last_seq.get(sym)
                if last is not None:
                    if seq <= last:
                        run.dups += 1
                    elif seq > last + 1:
                        run.gaps += not self.stalls
                        self.gaps_after_resume += bool(self.resumed_at)
                self.last_seq[sym] = seq
        if w < 0:
            return
        run.w_frames[w] += 1
        self.window_frames += 1
        self.k += 1
        if self.k % run.a.sample == 0:
            j = payload.find(b'"sent_at":')
            if j >= 0:
                j += 10
                while j < len(payload) and payload[j] == 32:
                    j += 1
                e = j
                while e < len(payload) and payload[e] in b"0123456789.eE+-":
                    e += 1
                run.w_lat[w].append(now - float(payload[j:e]))

    def connection_lost(self, exc) -> None:
        self.lost = True
        self.t_lost = time.time()
        self.run.closed += 1
        if self.close_code is None:
            self.run.close_codes[CLOSE_ABORTED] = self.run.close_codes.get(CLOSE_ABORTED, 0) + 1
        self._settle(False)


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(1000 * values[min(len(values) - 1, int(p * len(values)))], 1)


async def connect_all(run: Run, a: argparse.Namespace) -> list[Conn]:
    loop = asyncio.get_running_loop()
    conns: list[Conn] = []

    async def one(i: int) -> Conn | None:
        k = a.offset + i
        syms = [f"S{(k * a.per + j) % a.universe}" for j in range(a.per)]
        stalls = i < a.stall
        for _ in range(50):
            try:
                if stalls and a.stall_rcvbuf:
                    sock = socket.socket()
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.stall_rcvbuf)
                    sock.setblocking(False)
                    await loop.sock_connect(sock, (a.host, a.port))
                    _, c = await loop.create_connection(lambda: Conn(run, i, syms, stalls), sock=sock)
                else:
                    _, c = await loop.create_connection(lambda: Conn(run, i, syms, stalls), a.host, a.port)
                return c
            except OSError:
                await asyncio.sleep(0.05)
        run.errors += 1
        return None

    if a.storm:
        made = await asyncio.gather(*(one(i) for i in range(a.conns)))
        conns = [c for c in made if c is not None]
    else:
        for start in range(0, a.conns, a.batch):
            made = await asyncio.gather(*(one(i) for i in range(start, min(a.conns, start + a.batch))))
            conns += [c for c in made if c is not None]
            if conns:
                await asyncio.wait([c.ready for c in conns[-a.batch :]], timeout=a.timeout)
    if conns:
        await asyncio.wait([c.ready for c in conns], timeout=a.timeout)
    return conns


async def main(a: argparse.Namespace) -> None:
    run = Run(a)
    t0 = time.time()
    conns = await connect_all(run, a)
    ups = [c.t_up - c.t0 for c in conns if c.t_up]
    done = [c.t_snap - t0 for c in conns if c.t_snap]
    acks = [c.t_ack - t0 for c in conns if c.t_ack]
    ready = {
        "event": "ready",
        "conns": a.conns,
        "connected": len(ups),
        "connect_s": round(max((c.t_up for c in conns if c.t_up), default=t0) - t0, 2),
        "acked": len(acks),
        "complete": len(done),
        "ack_s_p50": pct(acks, 0.5),
        "ack_s_max": pct(acks, 1.0),
        "complete_s_p50": pct(done, 0.5),
        "complete_s_p99": pct(done, 0.99),
        "complete_s_max": pct(done, 1.0),
        "errors": run.errors,
        "error_frames": run.error_frames,
    }
    print(json.dumps(ready), flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    plan = json.loads(line or "{}")
    run.set_windows(plan.get("windows", []))
    stall = plan.get("stall")
    stalled = [c for c in conns if c.stalls]
    if stall and stalled:
        await asyncio.sleep(max(0.0, stall["at"] - time.time()))
        for c in stalled:
            c.t.pause_reading()
        frames_before = [c.frames for c in stalled]
        await asyncio.sleep(max(0.0, stall["resume"] - time.time()))
        for c in stalled:
            c.resumed_at = time.time()
            if not c.lost:
                c.t.resume_reading()
    await asyncio.sleep(max(0.0, plan.get("until", time.time()) - time.time()))
    out = {
        "event": "result",
        "conns": a.conns,
        "connected": len(ups),
        "closed": run.closed,
        "errors": run.errors,
        "error_frames": run.error_frames,
        "close_codes": run.close_codes,
        "windows": [
            {"frames": f, "seconds": round(b - a_, 3), "lat": [round(x, 5) for x in lat]}
            for (a_, b), f, lat in zip(run.windows, run.w_frames, run.w_lat, strict=True)
        ],
        "receiving": sum(1 for c in conns if c.window_frames and not c.stalls),
        "dups": run.dups,
        "gaps": run.gaps,
    }
    if stall and stalled:
        out["stalled"] = [
            {
                "frames_before_stall": before,
                "frames_after_resume": c.after_resume,
                "seq_gaps_after_resume": c.gaps_after_resume,
                "close_code": c.close_code
                if c.close_code is not None
                else (CLOSE_ABORTED if c.lost else None),
                "closed_s_after_resume": round(c.t_lost - c.resumed_at, 2)
                if c.lost and c.resumed_at
                else None,
                "closed_before_resume": bool(c.lost and c.t_lost < c.resumed_at),
                "last_seq": {k.decode(): v for k, v in c.last_seq.items()},
            }
            for c, before in zip(stalled, frames_before, strict=True)
        ]
    print(json.dumps(out), flush=True)
    for c in conns:
        c.t.abort()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--path", default="/ws/ticker/")
    p.add_argument("--conns", type=int, default=100)
    p.add_argument("--offset", type=int, default=0, help="index of this process's first connection")
    p.add_argument("--per", type=int, default=5)
    p.add_argument("--universe", type=int, default=100)
    p.add_argument("--snapshots", type=int, default=0, help="snapshots each connection waits for")
    p.add_argument("--storm", action="store_true", help="open every connection at once")
    p.add_argument("--batch", type=int, default=200, help="connections opened at a time without --storm")
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--deflate", action="store_true", help="offer permessage-deflate as browsers do")
    p.add_argument("--sample", type=int, default=10)
    p.add_argument("--seq", action="store_true", help="count seq duplicates and gaps")
    p.add_argument("--stall", type=int, default=0, help="connections that stop reading for a while")
    p.add_argument(
        "--stall-rcvbuf", type=int, default=65536, help="receive buffer of stalled sockets (0: OS default)"
    )
    return p.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    try:
        import uvloop
    except ImportError:
        asyncio.run(main(args))
    else:
        uvloop.run(main(args))
