import json
import math
import os
import statistics
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.demo import market

NOW = 1_764_000_000.25  # a fixed instant: 2025-11-24T16:00:00.25Z
REPO = Path(__file__).resolve().parents[2]


def prices_in_fresh_process(now: float, hash_seed: str) -> dict[str, str]:
    code = (
        "import json, sys; from feeds.demo import market; "
        "print(json.dumps({s: str(market.price(s, float(sys.argv[1]))) for s in market.INSTRUMENTS}))"
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    out = subprocess.run(
        [sys.executable, "-c", code, repr(now)], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_two_fresh_processes_answer_the_same_prices_for_the_same_instant():
    first = prices_in_fresh_process(NOW, "1")
    second = prices_in_fresh_process(NOW, "2")
    here = {s: str(market.price(s, NOW)) for s in market.INSTRUMENTS}
    assert first == second == here
    assert first != prices_in_fresh_process(NOW + 1, "3")


def test_catalogue_has_the_required_symbols_and_names():
    required = {"AAPL", "MSFT", "TSLA", "GOOGL", "AMZN", "NVDA", "META", "BTCUSDT", "ETHUSDT", "SOLUSDT"}
    assert len(market.DEMO_SYMBOLS) >= 30
    assert required <= set(market.DEMO_SYMBOLS)
    assert market.DEMO_SYMBOLS["AAPL"] == "Apple Inc."
    assert all(name.strip() for name in market.DEMO_SYMBOLS.values())


def test_price_holds_within_a_step_and_stays_near_its_base():
    start = math.floor(NOW / market.STEP_SECONDS) * market.STEP_SECONDS
    for symbol, inst in market.INSTRUMENTS.items():
        assert market.price(symbol, start) == market.price(symbol, start + market.STEP_SECONDS * 0.9)
        assert 0.7 < float(market.price(symbol, NOW)) / inst.base < 1.4, symbol


def test_most_symbols_move_between_polls_a_second_apart():
    changed = total = 0
    for symbol in market.INSTRUMENTS:
        seen = [market.price(symbol, NOW + i) for i in range(61)]
        moves = sum(a != b for a, b in zip(seen, seen[1:], strict=False))
        assert moves >= 40, f"{symbol} moved only {moves} times in 60 s"
        changed, total = changed + moves, total + 60
    assert changed / total > 0.9


def test_steps_are_small_moves():
    for symbol in ("AAPL", "KO", "BTCUSDT", "TSLA", "DOGEUSDT"):
        seen = [float(market.price(symbol, NOW + i * market.STEP_SECONDS)) for i in range(2000)]
        returns = [math.log(b / a) for a, b in zip(seen, seen[1:], strict=False)]
        assert 0.0004 <= statistics.pstdev(returns) <= 0.003, symbol
        assert max(abs(r) for r in returns) < 0.012, symbol


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(market.INSTRUMENTS)), st.floats(min_value=0, max_value=4.1e9))
def test_prices_are_positive_and_on_the_tick(symbol, now):
    price = market.price(symbol, now)
    inst = market.INSTRUMENTS[symbol]
    assert price > 0
    assert price == price.quantize(inst.tick)
    assert 2 <= inst.decimals <= 8
    if not symbol.endswith("USDT"):
        assert inst.decimals == 2


def test_day_stats_bracket_the_window():
    for symbol in market.INSTRUMENTS:
        day = market.day_stats(symbol, NOW)
        assert day.low <= min(day.open, day.last) <= max(day.open, day.last) <= day.high
        assert day.open == market.price(symbol, NOW - 24 * 3600)
        assert day.last == market.price(symbol, NOW)
        assert day.prev_close == market.price(symbol, NOW - 24 * 3600 - market.STEP_SECONDS)
        assert day.volume > 0
        assert day.close_step - day.open_step == 24 * 3600 / market.STEP_SECONDS


def test_volume_changes_smoothly_over_time():
    a = market.day_stats("AAPL", NOW).volume
    b = market.day_stats("AAPL", NOW + 60).volume
    assert a != b
    assert abs(b / a - 1) < Decimal("0.05")
