"""The per-connection outbox on a real event loop: order, conflation, bounds, stall."""

from __future__ import annotations

import asyncio

from dashboard.outbox import Outbox


class Socket:
    """A send that records frames and blocks while ``open`` is clear, like a paused transport."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.open = asyncio.Event()
        self.open.set()

    async def send(self, text: str) -> None:
        await self.open.wait()
        self.sent.append(text)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_control_frames_go_first_and_in_order_then_the_latest_data_per_key():
    sock = Socket()
    box = Outbox(sock.send, on_stall=lambda: None, max_stall=10)
    sock.open.clear()
    box.control("ack")
    box.put("A", "a1")
    box.control("snap")
    box.put("A", "a2")
    box.put("B", "b1")
    sock.open.set()
    await settle()
    assert sock.sent == ["ack", "snap", "a2", "b1"]
    box.close()


async def test_a_blocked_socket_holds_one_frame_per_key_and_gets_the_latest_when_it_drains():
    sock = Socket()
    box = Outbox(sock.send, on_stall=lambda: None, max_stall=10)
    box.put("A", "a0")
    await settle()
    sock.open.clear()
    box.put("A", "a1")  # taken by the writer, which now waits on the socket
    await settle()
    before = Outbox.conflated
    for i in range(1000):
        box.put(f"K{i % 5}", f"v{i}")
    assert box.pending() == 5
    assert Outbox.conflated - before == 995
    sock.open.set()
    await settle()
    assert sock.sent == ["a0", "a1", "v995", "v996", "v997", "v998", "v999"]
    box.close()


async def test_a_socket_stuck_longer_than_max_stall_stops_the_outbox_and_reports_once():
    sock = Socket()
    stalls = []
    box = Outbox(sock.send, on_stall=lambda: stalls.append(1), max_stall=0.05)
    sock.open.clear()
    box.put("A", "a1")
    await settle()
    box.put("A", "a2")  # behind, but not for long yet
    assert stalls == [] and not box.stalled
    await asyncio.sleep(0.1)
    box.put("A", "a3")
    box.put("A", "a4")
    assert stalls == [1] and box.stalled
    assert box.pending() == 0
    sock.open.set()
    await settle()
    assert sock.sent == []  # the writer was stopped; nothing more goes out


async def test_a_slow_socket_that_keeps_draining_is_not_reported():
    sock = Socket()
    stalls = []
    box = Outbox(sock.send, on_stall=lambda: stalls.append(1), max_stall=0.2)
    for i in range(20):
        sock.open.clear()
        box.put("A", f"a{i}")
        box.put("A", f"a{i}+")
        await asyncio.sleep(0.02)
        sock.open.set()
        await settle()
    assert stalls == []
    assert sock.sent[-1] == "a19+"
    box.close()


async def test_control_frames_piling_up_on_a_stuck_socket_count_as_behind():
    sock = Socket()
    stalls = []
    box = Outbox(sock.send, on_stall=lambda: stalls.append(1), max_stall=10, max_control=3)
    sock.open.clear()
    for i in range(5):
        box.control(f"c{i}")
    assert stalls == [1]
    assert box.pending() == 0


async def test_close_drops_unsent_frames_and_ignores_later_ones():
    sock = Socket()
    sock.open.clear()
    box = Outbox(sock.send, on_stall=lambda: None, max_stall=10)
    box.put("A", "a1")
    box.control("c")
    box.close()
    box.put("A", "a2")
    box.control("c2")
    sock.open.set()
    await settle()
    assert sock.sent == [] and box.pending() == 0


async def test_a_send_that_fails_stops_the_outbox_quietly():
    calls = []

    async def send(text: str) -> None:
        calls.append(text)
        raise ConnectionResetError("peer gone")

    box = Outbox(send, on_stall=lambda: None, max_stall=10)
    box.put("A", "a1")
    await settle()
    box.put("A", "a2")
    box.control("c")
    await settle()
    assert calls == ["a1"] and box.pending() == 0
