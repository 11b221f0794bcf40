"""Fan-out benchmark: the project's real web process(es), Redis and publisher against the goals.

    python bench/run.py goal1|goal2|goal3|goal4|goal5|goal6|all [--server uvicorn|daphne] ...

Each goal starts its own processes (web server with the project's settings, a separate
publisher that commits and publishes through the project's real functions, load clients),
measures, stops everything, and prints its figures beside the target with PASS or FAIL.
Goals 1 and 2 also run the bare-ASGI reference (``shared/bench/asgi_limit.py``) under the
same server and flags in the same run and print the ratio. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from load import pct  # noqa: E402
from stack import Child, Stack, cpu_s, raise_nofile, rss_kb  # noqa: E402

UNIVERSE, PER = 100, 5
REPORT: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    REPORT.append(line)


def loadavg() -> str:
    """The machine's 1-minute load average: other work on the same cores shows in every figure."""
    return open("/proc/loadavg").read().split()[0]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def ms(v: float | None) -> str:
    return "n/a" if v is None else f"{v:g} ms"


def merge(results: list[dict]) -> list[dict]:
    """Per window: frames/s, latency percentiles, over every load process."""
    out = []
    for i in range(len(results[0]["windows"])):
        ws = [r["windows"][i] for r in results]
        lat = [x for w in ws for x in w["lat"]]
        seconds = ws[0]["seconds"]
        out.append(
            {
                "fps": round(sum(w["frames"] for w in ws) / seconds),
                "p50": pct(lat, 0.5),
                "p99": pct(lat, 0.99),
                "max": pct(lat, 1.0),
                "samples": len(lat),
            }
        )
    return out


def drive(
    loaders: list[Child],
    plan: list[list[float]] | None,
    windows: list[tuple[float, float]],
    *,
    publisher: Child | None = None,
    start: float,
    stall: dict | None = None,
    until: float | None = None,
    during=None,
) -> tuple[list[dict], dict | None]:
    """Tell the publisher and loaders the plan; return the loaders' results and the publisher's."""
    until = until or windows[-1][1] + 0.3
    if publisher is not None:
        publisher.tell({"start": start, "plan": plan, "universe": UNIVERSE})
    for child in loaders:
        child.tell({"windows": windows, "until": until, "stall": stall})
    if during is not None:
        during()
    left = until - time.time() + 60
    results = [child.event("result", left) for child in loaders]
    pub = publisher.event("result", 60) if publisher is not None else None
    return results, pub


def ready_all(loaders: list[Child], timeout: float) -> list[dict]:
    return [child.event("ready", timeout) for child in loaders]


def cpu_share(pid: int, t0: float, c0: float) -> int:
    return round(100 * (cpu_s(pid) - c0) / (time.time() - t0))


def with_values(st: Stack) -> tuple[Child, int]:
    """A web process over the catalog after 1.5 s of publishing at 200/s: every symbol has a value."""
    st.catalog(UNIVERSE)
    web, port = st.web()
    pub = st.publisher()
    pub.tell({"start": time.time(), "plan": [[1.5, 200]], "universe": UNIVERSE})
    pub.event("result", 30)
    return web, port


# --- the reference -------------------------------------------------------------------------
def reference(a, conns: int, frames: float, seconds: float) -> dict:
    """The bare-ASGI app under the same server: delivered frames/s and latency at ``frames`` asked."""
    rate = frames / (conns * PER / UNIVERSE)
    with Stack(a.redis_url, a.server_opts) as st:
        ref, port = st.reference(UNIVERSE, rate)
        t_first = time.time()
        loaders = st.loaders([port], conns, 1, per=PER, universe=UNIVERSE)
        ready_all(loaders, 60)
        # asgi_limit starts its generator 6 s after the first connection.
        start = max(time.time() + 0.5, t_first + 7.5)
        t0, c0 = time.time(), cpu_s(ref.pid)
        results, _ = drive(loaders, None, [(start, start + seconds)], start=start)
        w = merge(results)[0]
        w["cpu"] = cpu_share(ref.pid, t0, c0)
        w["asked"] = frames
    return w


# --- goal 1 ---------------------------------------------------------------------------------
def goal1(a) -> bool:
    conns, frames, warm, dur = 1000, 50_000, 3.0, 10.0
    say(f"== goal 1: {conns} connections x {PER} of {UNIVERSE} symbols, {frames:,} frames/s asked")
    with Stack(a.redis_url, a.server_opts) as st:
        st.catalog(UNIVERSE)
        web, port = st.web()
        pub = st.publisher()
        loaders = st.loaders([port], conns, 1, per=PER, universe=UNIVERSE)
        ready = ready_all(loaders, 60)
        rate = frames / (conns * PER / UNIVERSE)
        start = time.time() + 1.0
        t0, c0 = time.time(), cpu_s(web.pid)
        results, pubres = drive(
            loaders, [[warm + dur, rate]], [(start + warm, start + warm + dur)], publisher=pub, start=start
        )
        w = merge(results)[0]
        cpu = cpu_share(web.pid, t0, c0)
        rss = rss_kb(web.pid)
    ref = reference(a, conns, frames, 6.0)
    share = w["fps"] / frames
    ok = share >= 0.97 and w["p99"] is not None and w["p99"] <= 50
    say(
        f"  connected {ready[0]['connected']}/{conns} in {ready[0]['connect_s']} s; publisher {pubres['steps'][0]['rate']:,} updates/s"
    )
    say(
        f"  project   delivered {w['fps']:,}/s ({share:.1%}) p50 {ms(w['p50'])} p99 {ms(w['p99'])} max {ms(w['max'])}  web cpu {cpu}% rss {rss // 1024} MiB"
    )
    say(
        f"  reference delivered {ref['fps']:,}/s ({ref['fps'] / frames:.1%}) p50 {ms(ref['p50'])} p99 {ms(ref['p99'])} max {ms(ref['max'])}  cpu {ref['cpu']}%"
    )
    say(f"  target: >= 97% delivered, p99 <= 50 ms  -> {verdict(ok)}   (load average {loadavg()})")
    return ok


# --- goal 2 ---------------------------------------------------------------------------------
def goal2(a) -> bool:
    conns, step, warm = 1000, 5.0, 1.5
    asks = [40_000, 50_000, 60_000, 70_000, 80_000, 100_000]
    say(
        f"== goal 2: highest delivered rate with p99 <= 100 ms ({conns} connections, ramp {asks[0]:,}..{asks[-1]:,}/s)"
    )
    subs = conns * PER / UNIVERSE
    with Stack(a.redis_url, a.server_opts) as st:
        st.catalog(UNIVERSE)
        web, port = st.web()
        pub = st.publisher()
        loaders = st.loaders([port], conns, 1, per=PER, universe=UNIVERSE)
        ready_all(loaders, 60)
        start = time.time() + 1.0
        plan = [[step, f / subs] for f in asks]
        windows = [(start + i * step + warm, start + (i + 1) * step) for i in range(len(asks))]
        results, pubres = drive(loaders, plan, windows, publisher=pub, start=start)
        steps = merge(results)
    best = 0
    for f, w, p in zip(asks, steps, pubres["steps"], strict=True):
        good = w["p99"] is not None and w["p99"] <= 100
        if good:
            best = max(best, w["fps"])
        say(
            f"  asked {f:>7,}/s (published {p['rate'] * subs:>9,.0f}/s): delivered {w['fps']:>7,}/s p50 {ms(w['p50'])} p99 {ms(w['p99'])} {'ok' if good else 'over'}"
        )
    ref = reference(a, conns, 150_000, 6.0)
    ref_ok = ref["p99"] is not None and ref["p99"] <= 100
    ratio = best / ref["fps"] if ref["fps"] else 0.0
    say(
        f"  reference at 150,000/s asked: delivered {ref['fps']:,}/s p50 {ms(ref['p50'])} p99 {ms(ref['p99'])}{'' if ref_ok else ' (p99 over 100 ms)'}"
    )
    say(
        f"  project best {best:,}/s = {ratio:.0%} of the reference; target >= 60%  -> {verdict(ratio >= 0.6)}"
    )
    return ratio >= 0.6


# --- goal 3 ---------------------------------------------------------------------------------
def goal3(a) -> bool:
    conns, frames, dur = 10_000, 20_000, 8.0
    offer = "offering permessage-deflate as browsers do" if not a.no_offer else "without a deflate offer"
    say(
        f"== goal 3: {conns:,} connections x {PER} symbols held by one process, {offer}; {frames:,} frames/s asked"
    )
    with Stack(a.redis_url, a.server_opts) as st:
        web, port = with_values(st)
        base = rss_kb(web.pid)
        pub = st.publisher()
        loaders = st.loaders(
            [port], conns, 4, per=PER, universe=UNIVERSE, deflate=not a.no_offer, batch=250, timeout=60
        )
        ready = ready_all(loaders, 120)
        rate = frames / (conns * PER / UNIVERSE)
        start = time.time() + 1.0
        held: dict = {}

        def sample() -> None:
            time.sleep(max(0.0, start + dur * 0.75 - time.time()))
            held["rss"] = rss_kb(web.pid)

        results, _ = drive(
            loaders,
            [[dur + 1, rate]],
            [(start + 1, start + 1 + dur)],
            publisher=pub,
            start=start,
            during=sample,
        )
        w = merge(results)[0]
    connected = sum(r["connected"] for r in ready)
    receiving = sum(r["receiving"] for r in results)
    per_conn = (held["rss"] - base) / connected if connected else float("inf")
    total_per = held["rss"] / connected if connected else float("inf")
    connect_s = max(r["connect_s"] for r in ready)
    ok = connected == conns and receiving == conns and per_conn <= 40
    say(
        f"  connected {connected:,} in {connect_s} s (4 clients in parallel); receiving in the window: {receiving:,}; delivered {w['fps']:,}/s p99 {ms(w['p99'])}"
    )
    say(
        f"  web RSS {base // 1024} MiB before, {held['rss'] // 1024} MiB held: {per_conn:.1f} KB per connection added ({total_per:.1f} KB counting the whole process)"
    )
    say(
        f"  target: all connected and receiving, <= 40 KB per connection  -> {verdict(ok)}   (load average {loadavg()})"
    )
    return ok


# --- goal 4 ---------------------------------------------------------------------------------
def goal4(a) -> bool:
    conns = 5000
    say(f"== goal 4: reconnect storm: {conns:,} clients connect and subscribe to {PER} symbols at once")
    with Stack(a.redis_url, a.server_opts) as st:
        web, port = with_values(st)
        loaders = st.loaders(
            [port], conns, 1, per=PER, universe=UNIVERSE, storm=True, snapshots=PER, timeout=15
        )
        r = ready_all(loaders, 60)[0]
        start = time.time() + 0.2
        results, _ = drive(loaders, None, [(start, start + 1.0)], start=start)
    ok = r["complete"] == conns and r["complete_s_max"] is not None and r["complete_s_max"] <= 5000
    say(
        f"  connected {r['connected']:,} (upgrade done {r['connect_s']} s after the first connect); ack+{PER} snapshots: {r['complete']:,}/{conns:,}"
    )
    say(
        f"  time to ack: p50 {ms(r['ack_s_p50'])} max {ms(r['ack_s_max'])}; to ack and all snapshots: p50 {ms(r['complete_s_p50'])} p99 {ms(r['complete_s_p99'])} max {ms(r['complete_s_max'])}; errors {r['errors'] + r['error_frames']}"
    )
    say(
        f"  target: all {conns:,} have ack and snapshots within 5 s  -> {verdict(ok)}   (load average {loadavg()})"
    )
    return ok


# --- goal 5 ---------------------------------------------------------------------------------
def goal5(a) -> bool:
    conns, frames, close_s, slow_per = 1000, 50_000, float(os.environ.get("BENCH_SLOW_CLOSE_S", 5)), 50
    stalls = {"A": close_s, "B": close_s * 2.2, "C": close_s * 5}
    say(
        f"== goal 5: three viewers of {slow_per} symbols stop reading beside {conns} readers at {frames:,} frames/s"
    )
    say(
        f"  (TICKER_SLOW_VIEWER_CLOSE_S={close_s:g}: behind that long -> close 4001; no read for as long again -> dropped)"
    )
    with Stack(a.redis_url, a.server_opts) as st:
        st.catalog(UNIVERSE)
        web, port = st.web({"TICKER_SLOW_VIEWER_CLOSE_S": str(close_s)})
        pub = st.publisher()
        loaders = st.loaders([port], conns, 1, per=PER, universe=UNIVERSE)
        slow = {k: st.loaders([port], 1, 1, per=slow_per, universe=UNIVERSE, stall=1)[0] for k in stalls}
        ready_all(loaders + list(slow.values()), 60)
        rate = frames / (conns * PER / UNIVERSE)
        start = time.time() + 1.0
        at = start + 3
        end = at + max(stalls.values()) + 2
        window = [(start + 2, at + stalls["B"] + 2)]
        pub.tell({"start": start, "plan": [[end - start, rate]], "universe": UNIVERSE})
        for child in loaders:
            child.tell({"windows": window, "until": end + 0.3})
        for k, child in slow.items():
            child.tell({"windows": window, "until": end + 0.3, "stall": {"at": at, "resume": at + stalls[k]}})
        results = [c.event("result", end - time.time() + 60) for c in loaders]
        got = {k: c.event("result", 60)["stalled"][0] for k, c in slow.items()}
        pub.event("result", 60)
    w = merge(results)[0]
    share = w["fps"] / frames
    others_ok = share >= 0.97 and w["p99"] is not None and w["p99"] <= 50
    ra, rb, rc = got["A"], got["B"], got["C"]
    a_ok = ra["close_code"] is None and ra["seq_gaps_after_resume"] > 0
    b_ok = rb["close_code"] == 4001
    c_ok = rc["close_code"] == 1006
    say(
        f"  others: delivered {w['fps']:,}/s ({share:.1%}) p50 {ms(w['p50'])} p99 {ms(w['p99'])} max {ms(w['max'])} -> {verdict(others_ok)}"
    )
    say(
        f"  viewer A stopped reading {stalls['A']:g} s: {ra['frames_after_resume']} frames after resuming, {ra['seq_gaps_after_resume']} of them skipped older values (conflated), close code {ra['close_code']} -> {verdict(a_ok)}"
    )
    say(
        f"  viewer B stopped reading {stalls['B']:g} s: {rb['frames_after_resume']} buffered frames after resuming, then close code {rb['close_code']} -> {verdict(b_ok)}"
    )
    say(
        f"  viewer C stopped reading {stalls['C']:g} s: connection {'found dropped by the server' if c_ok else 'still open'} on resuming ({rc['frames_after_resume']} frames) -> {verdict(c_ok)}"
    )
    ok = others_ok and a_ok and b_ok and c_ok
    say(
        f"  target: conflated values, close code 4001 for one left behind, others within goal 1  -> {verdict(ok)}   (load average {loadavg()})"
    )
    return ok


# --- goal 6 ---------------------------------------------------------------------------------
def goal6(a) -> bool:
    conns, frames, dur = 1000, 10_000, 8.0
    say(
        f"== goal 6: two web processes on one Redis ({conns} connections split, {frames:,} frames/s asked, seq checked)"
    )
    subs = conns * PER / UNIVERSE
    with Stack(a.redis_url, a.server_opts) as st:
        st.catalog(UNIVERSE)
        p1, p2 = st.web()[1], st.web()[1]
        pub = st.publisher()
        loaders = st.loaders([p1, p2], conns, 2, per=PER, universe=UNIVERSE, seq=True)
        ready_all(loaders, 60)
        start = time.time() + 1.0
        results, pubres = drive(
            loaders, [[dur + 2, frames / subs]], [(start + 2, start + 2 + dur)], publisher=pub, start=start
        )
        w = merge(results)[0]
    dups = sum(r["dups"] for r in results)
    gaps = sum(r["gaps"] for r in results)
    once = dups == 0 and gaps == 0 and w["fps"] >= 0.97 * frames
    say(
        f"  delivered {w['fps']:,}/s ({w['fps'] / frames:.1%}) p99 {ms(w['p99'])}; per symbol seq: {dups} duplicates, {gaps} gaps -> every update once: {verdict(once)}"
    )
    cap = {}
    for n in (1, 2):
        cap[n] = capacity(a, n, conns * 2, 240_000)
        say(
            f"  capacity with {n} web process(es), {conns * 2:,} connections, 240,000/s asked: delivered {cap[n]['fps']:,}/s p99 {ms(cap[n]['p99'])}"
        )
    more = cap[2]["fps"] > cap[1]["fps"] * 1.1
    say(
        f"  adding a process: {cap[2]['fps'] / max(cap[1]['fps'], 1):.2f}x -> {verdict(more)}   (load average {loadavg()})"
    )
    return once and more


def capacity(a, webs: int, conns: int, frames: float) -> dict:
    subs = conns * PER / UNIVERSE
    with Stack(a.redis_url, a.server_opts) as st:
        st.catalog(UNIVERSE)
        ports = [st.web()[1] for _ in range(webs)]
        pub = st.publisher()
        loaders = st.loaders(ports, conns, 2, per=PER, universe=UNIVERSE)
        ready_all(loaders, 60)
        start = time.time() + 1.0
        results, _ = drive(
            loaders, [[6.0, frames / subs]], [(start + 2, start + 6)], publisher=pub, start=start
        )
        return merge(results)[0]


GOALS = {"goal1": goal1, "goal2": goal2, "goal3": goal3, "goal4": goal4, "goal5": goal5, "goal6": goal6}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("goals", nargs="*", default=["all"], help="goal1..goal6 or all")
    p.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
    p.add_argument("--ws", default="websockets-sansio", help="uvicorn --ws")
    p.add_argument("--loop", default="uvloop", help="uvicorn --loop")
    p.add_argument("--deflate", action="store_true", help="let the server negotiate permessage-deflate")
    p.add_argument("--no-offer", action="store_true", help="goal 3: clients do not offer deflate")
    p.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        help="Redis (DB)",
    )
    p.add_argument("--json", help="also write the report lines to this file")
    a = p.parse_args(argv)
    a.server_opts = {"name": a.server, "ws": a.ws, "loop": a.loop, "deflate": a.deflate}
    names = list(GOALS) if "all" in a.goals else a.goals
    unknown = [n for n in names if n not in GOALS]
    if unknown:
        p.error(f"unknown goal(s) {', '.join(unknown)}; choose from {', '.join(GOALS)} or all")
    raise_nofile()
    server = a.server if a.server == "daphne" else f"uvicorn --ws {a.ws} --loop {a.loop}"
    say(
        f"server: {server}, per-message-deflate {'on' if a.deflate else 'off'}; redis {a.redis_url}; {os.cpu_count()} cores"
    )
    t0 = time.time()
    verdicts = {}
    for name in names:
        verdicts[name] = GOALS[name](a)
    say(
        f"== summary ({time.time() - t0:.0f} s): "
        + ", ".join(f"{n} {verdict(v)}" for n, v in verdicts.items())
    )
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"lines": REPORT, "verdicts": verdicts}, f, indent=1)
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
