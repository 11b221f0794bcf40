"""The processes a benchmark scenario runs: web servers, the publisher, load clients, the reference.

Everything is a real child process on this machine, on free ports, in its own session so
that stopping it stops its children. Redis keys are isolated by a unique
``TICKER_REDIS_PREFIX`` (removed at the end); the catalog lives in a throwaway SQLite file.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PY = sys.executable
BIN = Path(PY).parent


def find_shared() -> Path:
    """``../shared/bench`` from the project root (or ``$TICKER_SHARED``), where the reference lives."""
    for cand in (os.environ.get("TICKER_SHARED", ""), ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if cand and (Path(cand) / "bench" / "asgi_limit.py").exists():
            return Path(cand) / "bench"
    raise SystemExit("shared/bench/asgi_limit.py not found: set TICKER_SHARED to the shared folder")


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Child:
    """A child process whose stdout lines are collected by a thread."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], stdin: bool = False) -> None:
        self.name = name
        self.log = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])
        self.lines: list[str] = []
        self.popen = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.log.open("wb"),
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.popen.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def pid(self) -> int:
        return self.popen.pid

    def tell(self, obj: dict) -> None:
        self.popen.stdin.write(json.dumps(obj) + "\n")
        self.popen.stdin.flush()

    def event(self, kind: str, timeout: float) -> dict:
        """The first JSON line with ``"event": kind``; fails loudly with the child's stderr."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if line.startswith("{") and f'"event": "{kind}"' in line:
                    return json.loads(line)
            if self.popen.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise RuntimeError(f"{self.name}: no {kind} line in {timeout}s; stderr:\n{self.stderr()[-3000:]}")

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        self.log.unlink(missing_ok=True)


class Stack:
    """One scenario's processes and their shared Redis prefix and catalog database."""

    def __init__(self, redis_url: str, server: dict) -> None:
        self.redis_url = redis_url
        self.server = server
        self.tmp = Path(tempfile.mkdtemp(prefix="ticker-bench-"))
        self.prefix = f"bench{uuid.uuid4().hex[:10]}"
        self.env = {
            "REDIS_URL": redis_url,
            "TICKER_REDIS_PREFIX": self.prefix,
            "DATABASE_URL": f"sqlite:///{self.tmp / 'bench.sqlite3'}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "tickerproj.settings",
        }
        self.children: list[Child] = []

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.children.clear()
        client = redis.Redis.from_url(self.redis_url)
        keys = list(client.scan_iter(match=f"{self.prefix}*", count=1000))
        for i in range(0, len(keys), 1000):
            client.delete(*keys[i : i + 1000])
        shutil.rmtree(self.tmp, ignore_errors=True)

    def spawn(self, name: str, cmd: list[str], env: dict | None = None, stdin: bool = False) -> Child:
        child = Child(name, cmd, {**self.env, **(env or {})}, stdin=stdin)
        self.children.append(child)
        return child

    def catalog(self, universe: int) -> None:
        """Migrate the throwaway database and add the feed that makes S0..S{universe-1} known."""
        env = {**os.environ, **self.env}
        manage = [PY, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        symbols = ",".join(f"S{i}" for i in range(universe))
        subprocess.run(
            [*manage, "addfeed", "bench", "--adapter", "binance", "--url", "http://127.0.0.1:9/"]
            + ["--symbols", symbols],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def web(self, extra_env: dict | None = None) -> tuple[Child, int]:
        """The project's ASGI app under the chosen server, ready when ``/api/symbols`` answers."""
        port = free_port()
        cmd = server_cmd(self.server, "tickerproj.asgi:application", port)
        child = self.spawn(f"web-{port}", cmd, extra_env)
        wait_http(f"http://127.0.0.1:{port}/api/symbols", child)
        return child, port

    def reference(self, universe: int, rate: float) -> tuple[Child, int]:
        """The bare-ASGI reference app under the same server and flags."""
        port = free_port()
        env = {"UNIVERSE": str(universe), "RATE": str(rate), "PYTHONPATH": str(find_shared())}
        child = self.spawn(f"ref-{port}", server_cmd(self.server, "asgi_limit:app", port), env)
        wait_port(port, child)
        return child, port

    def publisher(self) -> Child:
        child = self.spawn("publisher", [PY, str(BENCH / "publisher.py")], stdin=True)
        child.event("ready", 30)
        return child

    def loaders(self, ports: list[int], conns: int, procs: int, **opts) -> list[Child]:
        """``procs`` load processes sharing ``conns`` connections, spread over ``ports``."""
        out = []
        per_proc = -(-conns // procs)
        for i in range(procs):
            n = min(per_proc, conns - i * per_proc)
            if n <= 0:
                break
            args = [PY, str(BENCH / "load.py"), "--port", str(ports[i % len(ports)])]
            args += ["--conns", str(n), "--offset", str(i * per_proc)]
            for k, v in opts.items():
                flag = "--" + k.replace("_", "-")
                if v is True:
                    args.append(flag)
                elif v not in (False, None):
                    args += [flag, str(v)]
            out.append(self.spawn(f"load{i}", args, stdin=True))
        return out


def server_cmd(server: dict, app: str, port: int) -> list[str]:
    """The command line of the chosen ASGI server; uvicorn's flags are the Procfile's plus the choices."""
    if server["name"] == "daphne":
        return [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), app]
    cmd = [str(BIN / "uvicorn"), app, "--host", "127.0.0.1", "--port", str(port), "--lifespan", "on"]
    cmd += ["--log-level", "warning", "--ws", server["ws"], "--loop", server["loop"], "--backlog", "4096"]
    if not server["deflate"]:
        cmd += ["--ws-per-message-deflate", "false"]
    return cmd


def wait_http(url: str, child: Child, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if child.popen.poll() is not None:
                break
            time.sleep(0.1)
    raise RuntimeError(f"{child.name} did not answer {url}:\n{child.stderr()[-3000:]}")


def wait_port(port: int, child: Child, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if child.popen.poll() is not None:
                break
            time.sleep(0.1)
    raise RuntimeError(f"{child.name} did not listen on {port}:\n{child.stderr()[-3000:]}")
