"""Real processes for integration tests: the ASGI server, Celery worker and beat.

Each is started in its own session so that stopping it stops its children, with
its output in a log file that a failing test prints.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """A child process with a log file; ``stop()`` signals its whole process group."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.log = Path(tempfile.mkstemp(prefix=f"ticker-{name}-", suffix=".log")[1])
        full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.popen = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=full_env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def send_signal(self, sig: int) -> None:
        if self.alive():
            os.killpg(self.popen.pid, sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int | None:
        self.send_signal(sig)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.send_signal(signal.SIGKILL)
            return self.popen.wait(5)

    def wait_for_output(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if not self.alive():
                raise RuntimeError(f"{self.name} exited:\n{self.output()[-3000:]}")
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} did not print {text!r} in {timeout}s:\n{self.output()[-3000:]}")


def wait_http(url: str, timeout: float = 30, proc: Proc | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered (e.g. 403 when sign-in is required): it is up
        except OSError:
            if proc is not None and not proc.alive():
                raise RuntimeError(f"{proc.name} exited:\n{proc.output()[-3000:]}") from None
            time.sleep(0.1)
    raise TimeoutError(
        f"{url} did not answer in {timeout}s" + (f":\n{proc.output()[-3000:]}" if proc else "")
    )


def start_web(
    env: dict[str, str], port: int | None = None, server: str = "uvicorn", args: tuple[str, ...] = ()
) -> tuple[Proc, int]:
    """The real ASGI server on a free port, ready when ``/`` answers; flags as in the Procfile
    (``args`` are added, and a flag given there again wins)."""
    port = port or free_port()
    if server == "daphne":
        cmd = [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "tickerproj.asgi:application"]
    else:
        cmd = [
            str(BIN / "uvicorn"),
            "tickerproj.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "on",
            "--ws-per-message-deflate",
            "false",
            "--ws-max-size",
            "16384",
            "--ws-ping-interval",
            "20",
            "--ws-ping-timeout",
            "20",
            *args,
        ]
    proc = Proc(f"web-{port}", cmd, env)
    try:
        wait_http(f"http://127.0.0.1:{port}/api/symbols", proc=proc)
    except BaseException:
        proc.stop()
        raise
    return proc, port


def start_worker(env: dict[str, str], name: str = "worker") -> Proc:
    proc = Proc(
        name,
        [str(BIN / "celery"), "-A", "tickerproj", "worker", "-l", "INFO", "-c", "2", "-n", f"{name}@%h"],
        env,
    )
    proc.wait_for_output("ready.", timeout=60)
    return proc


def start_beat(env: dict[str, str]) -> Proc:
    schedule = tempfile.mktemp(prefix="ticker-beat-")
    proc = Proc("beat", [str(BIN / "celery"), "-A", "tickerproj", "beat", "-l", "INFO", "-s", schedule], env)
    proc.wait_for_output("beat: Starting", timeout=30)
    return proc
