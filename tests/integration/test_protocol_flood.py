"""A flooding client must not cost another viewer its latency: a real uvicorn process,
real Redis, a calm viewer measuring ping round trips and update delivery while another
process (tests/dashboard/flooder.py) blasts frames from several sockets (valid, junk,
oversize), reconnecting whenever they are closed."""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time

import pytest

from feeds.models import Feed
from tests import wsclient
from tests.dashboard.wire import Publisher
from tests.processes import ROOT, start_web

pytestmark = pytest.mark.integration

FLOODERS = 4
PHASE_S = 3.0


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


async def measure(ws, pub: Publisher, seconds: float) -> tuple[list[float], list[float], list[dict]]:
    """Ping round trips and update latencies (now - sent_at) over ``seconds``."""
    rtts: list[float] = []
    lags: list[float] = []
    frames: list[dict] = []
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        await pub.publish({"AAPL": 100.0 + (time.monotonic() % 1000)})
        sent = time.monotonic()
        await wsclient.send(ws, action="ping", id=n)
        while True:
            frame = await wsclient.recv(ws, timeout=5)
            frames.append(frame)
            if frame["type"] == "update":
                lags.append(time.time() - frame["sent_at"])
            if frame.get("id") == n:
                rtts.append(time.monotonic() - sent)
                break
        await asyncio.sleep(0.1)  # a calm client: under the rate limit
    return rtts, lags, frames


@pytest.fixture
def feed_env(process_env):
    Feed.objects.create(name="pub", adapter="binance", url="http://127.0.0.1:9/api", symbols="AAPL")
    return process_env


async def test_a_flooding_client_does_not_cost_a_calm_viewer_its_latency(feed_env):
    process_env = feed_env
    proc, port = start_web(process_env)
    pub = Publisher(process_env["REDIS_URL"], process_env["TICKER_REDIS_PREFIX"])
    try:
        await pub.publish({"AAPL": 1.0})
        async with wsclient.connect(port) as calm:
            await wsclient.send(calm, action="subscribe", symbols=["AAPL"])
            await wsclient.recv(calm)
            await wsclient.recv(calm)
            base_rtt, base_lag, _ = await measure(calm, pub, PHASE_S)

            flooder = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.dashboard.flooder",
                    str(port),
                    str(PHASE_S + 0.6),
                    str(FLOODERS),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            await asyncio.sleep(0.5)
            rtt, lag, frames = await measure(calm, pub, PHASE_S)
            out, _ = await asyncio.to_thread(flooder.communicate, timeout=30)
            tally = json.loads(out)

        print(
            f"\nbaseline: ping p50 {statistics.median(base_rtt) * 1000:.1f} ms p95 {p95(base_rtt) * 1000:.1f} ms,"
            f" update lag p50 {statistics.median(base_lag) * 1000:.1f} ms"
            f"\nflooded:  ping p50 {statistics.median(rtt) * 1000:.1f} ms p95 {p95(rtt) * 1000:.1f} ms,"
            f" update lag p50 {statistics.median(lag) * 1000:.1f} ms p95 {p95(lag) * 1000:.1f} ms"
            f"\nflood: {tally}"
        )
        assert not [f for f in frames if f["type"] == "error"], "the calm viewer saw errors"
        seqs = [f["seq"] for f in frames if f["type"] == "update"]
        assert seqs == sorted(seqs) and len(seqs) >= len(rtt) * 0.9  # every update, in order
        assert (
            tally.get("closed 1008", 0) >= FLOODERS
            and tally.get("closed 1009", 0) + tally.get("closed abruptly", 0) >= 1
        )
        assert tally["sent"] > 20 * tally["connections"]  # they really did flood
        assert statistics.median(rtt) < 0.05, rtt
        assert p95(rtt) < max(0.2, 4 * p95(base_rtt)), rtt
        assert proc.alive() and "Traceback" not in proc.output()
    finally:
        await pub.close()
        proc.stop()
