"""The Procfile, docker-compose.yml and Dockerfile describe the same processes.

No Docker engine runs here, so the compose file is checked as data: it parses, has
the services with health checks and restart policies, and runs exactly the
Procfile's commands (with the compose environment standing in for the shell's).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ("web", "worker", "beat")


def procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, command = line.partition(":")
            entries[name.strip()] = command.strip()
    return entries


def expand(command: str, env: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """What ``sh -c command`` would run with ``env``: (leading VAR=value assignments, argv)."""

    def sub(m: re.Match) -> str:
        name, default = m.group(1), m.group(3)
        return env.get(name) or (default if default is not None else "")

    words = shlex.split(re.sub(r"\$\{(\w+)(:-([^}]*))?\}", sub, command))
    assigned = {}
    while words and re.fullmatch(r"\w+=.*", words[0]):
        key, _, value = words.pop(0).partition("=")
        assigned[key] = value
    return assigned, words


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_procfile_has_web_worker_and_beat():
    assert set(procfile()) == set(PROCESSES)


def test_compose_has_every_service_with_health_checks_and_restart_policies(compose):
    services = compose["services"]
    assert {"redis", "postgres", *PROCESSES} <= set(services)
    for name in ("redis", "postgres", *PROCESSES):
        service = services[name]
        assert service.get("restart") in ("unless-stopped", "always"), name
        assert service["healthcheck"]["test"], name
    for name in PROCESSES:
        service = services[name]
        assert service["build"] == "." and (ROOT / "Dockerfile").exists()
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        env = service["environment"]
        assert env["REDIS_URL"].startswith("redis://redis:") and env["DATABASE_URL"].startswith("postgres://")


@pytest.mark.parametrize("name", PROCESSES)
def test_compose_runs_the_procfile_command(compose, name):
    service = compose["services"][name]
    env = {k: str(v) for k, v in service["environment"].items()}
    assigned, argv = expand(procfile()[name], env)
    assert service["command"] == argv
    for key, value in assigned.items():
        assert env.get(key) == value, f"{name}: the Procfile sets {key}={value}, compose has {env.get(key)}"


def test_worker_and_beat_serve_metrics_where_their_health_checks_look(compose):
    for name in ("worker", "beat"):
        service = compose["services"][name]
        port = service["environment"]["TICKER_METRICS_PORT"]
        assert f"127.0.0.1:{port}/metrics" in " ".join(service["healthcheck"]["test"])
    assert "/healthz" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


def test_the_image_runs_the_web_command_by_default(compose):
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    cmd = json.loads(re.search(r"^CMD (\[.*\])", text, re.M).group(1))
    assert cmd == compose["services"]["web"]["command"]
