"""Scaling probe: the numbers in docs/operations.md. Not part of the suite (it loads the machine):
``TICKER_SCALE_PROBE=1 make test-faults PYTEST_ARGS="-k scale -s"``.

Workers: throughput of polls against a slow upstream is concurrency / latency, so it
grows with workers. Web: the same viewers split over two processes halve each
process's CPU, and every frame still arrives.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time

import psutil
import pytest

from tests import wsclient
from tests.faults.helpers import MovingPrice, create_feed, report
from tests.processes import start_beat, start_web, start_worker

pytestmark = [
    pytest.mark.integration,
    pytest.mark.faults,
    pytest.mark.timeout(600),
    pytest.mark.skipif(
        not os.environ.get("TICKER_SCALE_PROBE"), reason="set TICKER_SCALE_PROBE=1 to measure"
    ),
]

SYMBOLS = [f"S{i:02d}" for i in range(20)]


async def test_more_workers_poll_more_feeds(fault_env, upstream, stack):
    upstream.set_prices({"AAPL": 1.0})
    upstream.delay = 0.2
    for i in range(40):
        await create_feed(upstream, name=f"f{i}", interval=0.5)
    stack.add(start_beat(fault_env))
    rates = []
    for n in (1, 2):
        while len([p for p in stack.procs if p.name.startswith("w")]) < n:
            stack.add(start_worker({**fault_env}, name=f"w{len(stack.procs)}"))
        await asyncio.sleep(3)
        hits, t = upstream.hits, time.monotonic()
        await asyncio.sleep(10)
        rates.append((upstream.hits - hits) / (time.monotonic() - t))
    report(
        "workers (40 feeds x 2/s asked, upstream 0.2 s, -c 2 each)",
        polls_per_s_one=f"{rates[0]:.1f}",
        polls_per_s_two=f"{rates[1]:.1f}",
    )
    assert rates[1] > rates[0] * 1.5


async def viewers(port: int, n: int, seconds: float, latencies: list[float]) -> int:
    async def one() -> int:
        got = 0
        async with wsclient.connect(port, max_queue=None) as ws:
            await wsclient.send(ws, action="subscribe", symbols=SYMBOLS)
            end = time.monotonic() + seconds
            while (left := end - time.monotonic()) > 0:
                try:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), left))
                except TimeoutError:
                    break
                if frame.get("type") == "update":
                    got += 1
                    latencies.append(time.time() - frame["sent_at"])
        return got

    return sum(await asyncio.gather(*(one() for _ in range(n))))


async def test_two_web_processes_share_the_fan_out(fault_env, upstream, stack):
    await create_feed(upstream, symbols=",".join(SYMBOLS), interval=0.5)
    mover = MovingPrice(upstream, symbols=tuple(SYMBOLS), every=0.5)
    try:
        webs = [start_web(fault_env) for _ in range(2)]
        for proc, _ in webs:
            stack.add(proc)
        stack.add(start_worker(fault_env))
        stack.add(start_beat(fault_env))
        await asyncio.sleep(4)
        total, seconds = 200, 15.0
        results = {}
        for split in (1, 2):
            procs = [psutil.Process(p.popen.pid) for p, _ in webs[:split]]
            for p in procs:
                p.cpu_percent()
            latencies: list[float] = []
            frames = sum(
                await asyncio.gather(
                    *(viewers(port, total // split, seconds, latencies) for _, port in webs[:split])
                )
            )
            cpu = [p.cpu_percent() for p in procs]
            q = statistics.quantiles(latencies, n=100)
            results[split] = (frames / seconds, cpu, q[49] * 1000, q[98] * 1000)
            report(
                f"web x{split} ({total} viewers x 20 symbols)",
                frames_per_s=f"{frames / seconds:.0f}",
                cpu_percent_per_process=[round(c) for c in cpu],
                latency_ms_p50=f"{q[49] * 1000:.1f}",
                latency_ms_p99=f"{q[98] * 1000:.1f}",
            )
        assert results[2][0] >= results[1][0] * 0.9
    finally:
        mover.stop()
