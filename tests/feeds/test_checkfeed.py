"""``manage.py checkfeed``: in-process and as the real command, against a local upstream and files."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from feeds.adapters import ADAPTERS
from tests.processes import ROOT

SECRET = "sk-check-91c0ffee"


def checkfeed(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("checkfeed", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "manage.py", "checkfeed", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=60,
    )


def test_fetches_once_and_prints_json_lines_with_schema_names(upstream):
    upstream.set_json(
        [
            {
                "symbol": "BTCUSDT",
                "lastPrice": "97000.10",
                "priceChangePercent": "-1.5",
                "closeTime": 1767268800000,
            },
            {"symbol": "ETHUSDT", "lastPrice": "3400", "priceChangePercent": "2", "closeTime": 1767268800000},
        ]
    )
    records = checkfeed("--adapter", "binance", "--url", upstream.url(), "--symbols", "BTCUSDT")
    assert records == [
        {
            "symbol": "BTCUSDT",
            "kind": "quote",
            "ts": "2026-01-01T12:00:00.000Z",
            "source": "checkfeed",
            "price": 97000.1,
            "change_pct": -1.5,
        }
    ]
    assert upstream.hits == 1


def test_parses_a_saved_response_file(tmp_path):
    payload = tmp_path / "price.json"
    payload.write_text(json.dumps([{"symbol": "AAPL", "price": "187.50"}]))
    records = checkfeed("--adapter", "binance", "--payload", str(payload), "--name", "trial")
    assert [(r["symbol"], r["price"], r["source"]) for r in records] == [("AAPL", 187.5, "trial")]


def test_a_feed_error_is_a_command_error(tmp_path):
    (tmp_path / "page.html").write_text("<!DOCTYPE html><html><body>Bad gateway</body></html>")
    with pytest.raises(CommandError, match=r"^binance: response is .*HTML"):
        checkfeed("--adapter", "binance", "--payload", str(tmp_path / "page.html"))
    (tmp_path / "limited.json").write_text('{"code": -1003, "msg": "Too many requests."}')
    with pytest.raises(CommandError, match=r"^binance answered HTTP 429: Too many requests"):
        checkfeed("--adapter", "binance", "--payload", str(tmp_path / "limited.json"), "--status", "429")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--adapter", "nope", "--url", "http://127.0.0.1:9/"], "unknown adapter 'nope'"),
        (["--adapter", "binance"], "give --url to fetch, or --payload"),
        (["--adapter", "binance", "--url", "http://x/", "--options", "{bad"], "--options is not valid JSON"),
        (
            ["--adapter", "binance", "--url", "http://x/", "--options", "[1]"],
            "--options must be a JSON object",
        ),
        (["--adapter", "binance", "--payload", "/no/such/file"], "cannot read --payload /no/such/file"),
    ],
)
def test_bad_arguments_say_what_is_wrong(args, message):
    with pytest.raises(CommandError, match=message):
        checkfeed(*args)


def test_credentials_are_sent_as_the_adapter_builds_them(upstream, monkeypatch):
    monkeypatch.setitem(ADAPTERS, "keyed", ("Keyed test adapter", "tests.feeds.keyed_adapter"))
    upstream.set_json([{"symbol": "AAPL", "price": 1}])
    checkfeed("--adapter", "keyed", "--url", upstream.url(), "--credentials", SECRET)
    assert f"apikey={SECRET}" in upstream.seen[0].path and upstream.seen[0].headers["x-api-key"] == SECRET


# --- the real command --------------------------------------------------------------------


def test_command_prints_records_and_exits_0(upstream):
    upstream.set_prices({"AAPL": 187.5, "MSFT": 410})
    done = run("--adapter", "binance", "--url", upstream.url())
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().splitlines()
    assert [json.loads(line)["symbol"] for line in lines] == ["AAPL", "MSFT"]
    assert done.stderr == b""


def test_command_reads_a_payload_from_stdin():
    done = run("--adapter", "binance", "--payload", "-", stdin=b'{"symbol": "ETHUSDT", "price": "3400.5"}')
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["price"] == 3400.5


def test_command_error_goes_to_stderr_with_status_1_and_no_key(upstream):
    upstream.set_json({"code": -2015, "msg": f"Invalid API-key {SECRET}, IP, or permissions"}, status=401)
    done = run("--adapter", "binance", "--url", upstream.url(), "--credentials", SECRET)
    assert done.returncode == 1
    assert done.stdout == b""
    err = done.stderr.decode()
    assert "binance answered HTTP 401" in err and "Invalid API-key ***" in err
    assert SECRET not in err


def test_command_reports_an_unreachable_provider():
    done = run("--adapter", "binance", "--url", "http://127.0.0.1:9/api/v3/ticker/price", "--timeout", "1")
    assert done.returncode == 1 and b"cannot reach 127.0.0.1" in done.stderr
