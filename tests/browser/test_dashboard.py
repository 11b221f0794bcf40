"""The dashboard in real Chromium against a real server: prices move, the watchlist is
edited with mouse and keyboard and kept across reloads, a removed symbol stops updating,
a server restart is survived without reload, and the scoreboard shows score changes."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Page, WebSocket, expect

from tests.browser.conftest import open_page
from tests.browser.page import (
    DEFAULT_WATCHLIST,
    OUTAGE_NOISE,
    remove,
    row,
    wait_live,
    wait_price_change,
    watchlist_order,
)

pytestmark = pytest.mark.browser


class FrameLog:
    """Every WebSocket frame the page sent and received, parsed, in order."""

    def __init__(self, page: Page) -> None:
        self.frames: list[tuple[str, dict]] = []
        self.sockets = 0
        page.on("websocket", self.attach)

    def attach(self, ws: WebSocket) -> None:
        self.sockets += 1
        ws.on("framesent", lambda payload: self.add("sent", payload))
        ws.on("framereceived", lambda payload: self.add("received", payload))

    def add(self, direction: str, payload: str | bytes) -> None:
        try:
            self.frames.append((direction, json.loads(payload)))
        except (TypeError, ValueError):
            self.frames.append((direction, {"unparsed": str(payload)[:200]}))

    def received(self, start: int = 0) -> list[dict]:
        return [f for d, f in self.frames[start:] if d == "received"]

    def sent(self, start: int = 0) -> list[dict]:
        return [f for d, f in self.frames[start:] if d == "sent"]


def test_first_visit_shows_default_watchlist_with_moving_prices(ticker_server, page_and_console, artifacts):
    page, console = page_and_console
    page.goto(ticker_server.url)
    wait_live(page)
    expect(page.locator("#wl-body .wl-row")).to_have_count(len(DEFAULT_WATCHLIST))
    assert watchlist_order(page) == DEFAULT_WATCHLIST

    before, after = wait_price_change(page, "AAPL")
    assert re.fullmatch(r"[\d,]+\.\d{2}", after), after
    aapl = row(page, "AAPL")
    expect(aapl.locator(".name")).to_have_text("Apple Inc.")
    expect(aapl.locator(".badge")).to_have_text("Live")
    expect(aapl.locator(".c-time span")).to_have_text(re.compile(r"\d\d:\d\d:\d\d"))
    # The sparkline has a line once a couple of values are in.
    expect(aapl.locator(".spark polyline")).to_have_attribute("points", re.compile(r"\d.*,.*\d"))

    # The chart shows the selected symbol: its legend and a drawn canvas.
    expect(page.locator("#chart-sym")).to_have_text("AAPL")
    expect(page.locator("#chart-price")).not_to_have_text("")
    expect(page.locator("#chart canvas").first).to_be_visible()
    expect(page.locator("#chart-msg")).to_be_hidden(timeout=10_000)

    time.sleep(2)  # a few more ticks so the sparklines have shape
    page.screenshot(path=str(artifacts / "markets.png"))
    assert console.errors == []


def test_add_from_catalog_persists_and_removal_stops_updates(ticker_server, page_and_console):
    page, console = page_and_console
    log = FrameLog(page)
    page.goto(ticker_server.url)
    wait_live(page)

    search = page.locator("#add-input")
    search.fill("nvid")  # matches the name, not the symbol
    option = page.locator('#add-options [role=option][data-symbol="NVDA"]')
    expect(option).to_be_visible()
    expect(page.locator('#add-options [data-symbol="AAPL"]')).to_have_count(0)  # already listed
    search.press("Enter")
    expect(row(page, "NVDA")).to_have_count(1)
    wait_price_change(page, "NVDA")
    assert any(f.get("action") == "subscribe" and "NVDA" in f.get("symbols", []) for f in log.sent())

    page.reload()
    wait_live(page)
    assert watchlist_order(page) == [*DEFAULT_WATCHLIST, "NVDA"]

    mark = len(log.frames)
    remove(page, "NVDA")
    deadline = time.monotonic() + 10
    while not any(
        f.get("type") == "unsubscribed" and "NVDA" in f.get("symbols", []) for f in log.received(mark)
    ):
        assert time.monotonic() < deadline, "the server never confirmed the unsubscribe"
        page.wait_for_timeout(100)
    after_unsub = len(log.frames)
    page.wait_for_timeout(3500)  # the demo market ticks every second
    later = log.received(after_unsub)
    assert [f for f in later if f.get("symbol") == "NVDA"] == []
    assert any(f.get("symbol") == "AAPL" and f.get("type") == "update" for f in later), (
        "the check is only meaningful while other symbols keep updating"
    )
    page.reload()
    wait_live(page)
    assert "NVDA" not in watchlist_order(page)
    assert console.errors == []


def test_keyboard_reorders_selects_and_removes(ticker_server, page_and_console):
    page, console = page_and_console
    page.goto(ticker_server.url)
    wait_live(page)
    first = row(page, "AAPL")
    first.focus()
    page.keyboard.press("Alt+ArrowDown")
    assert watchlist_order(page)[:2] == ["MSFT", "AAPL"]
    expect(first).to_be_focused()
    page.keyboard.press("ArrowDown")  # focus moves to TSLA
    page.keyboard.press("Enter")  # charts it
    expect(page.locator("#chart-sym")).to_have_text("TSLA")
    expect(row(page, "TSLA")).to_have_attribute("aria-current", "true")
    page.keyboard.press("Delete")
    expect(row(page, "TSLA")).to_have_count(0)
    expect(row(page, "BTCUSDT")).to_be_focused()  # focus stays in the list
    page.reload()
    wait_live(page)
    assert watchlist_order(page) == ["MSFT", "AAPL", "BTCUSDT", "ETHUSDT"]
    expect(page.locator("#chart-sym")).not_to_have_text("TSLA")  # it left with its row
    page.keyboard.press("/")
    expect(page.locator("#add-input")).to_be_focused()
    assert console.errors == []


def test_mouse_drag_reorders(ticker_server, page_and_console):
    page, console = page_and_console
    page.goto(ticker_server.url)
    wait_live(page)
    page.drag_and_drop(
        '#wl-body .wl-row[data-symbol="ETHUSDT"] .grip', '#wl-body .wl-row[data-symbol="MSFT"] .c-sym'
    )
    order = watchlist_order(page)
    assert order.index("ETHUSDT") < order.index("TSLA"), order
    assert sorted(order) == sorted(DEFAULT_WATCHLIST)
    page.reload()
    wait_live(page)
    assert watchlist_order(page) == order
    assert console.errors == []


def test_browser_offline_then_online_recovers(ticker_server, page_and_console):
    page, console = page_and_console
    page.goto(ticker_server.url)
    wait_live(page)
    page.context.set_offline(True)
    # The open socket cannot answer a ping any more: the page says so within seconds.
    expect(page.locator("#conn")).to_have_attribute("data-state", "offline", timeout=15_000)
    expect(page.locator("#conn-banner")).to_contain_text("No network")
    expect(row(page, "AAPL").locator(".badge")).to_have_text("No link")
    page.context.set_offline(False)
    wait_live(page, timeout=30_000)
    wait_price_change(page, "AAPL")
    assert [e for e in console.errors if not OUTAGE_NOISE.search(e)] == []


def test_server_restart_shows_reconnecting_then_live_again_without_reload(
    own_server, page_and_console, artifacts
):
    page, console = page_and_console
    log = FrameLog(page)
    page.goto(own_server.url)
    wait_live(page)
    wait_price_change(page, "AAPL")
    page.evaluate("window.__sameDocument = true")

    own_server.stop()
    conn = page.locator("#conn")
    expect(conn).to_have_attribute("data-state", re.compile("reconnecting|offline"), timeout=15_000)
    expect(conn).to_contain_text("Reconnecting")
    expect(page.locator("#conn-banner")).to_be_visible()
    # Nothing is shown as live while the link is down.
    expect(row(page, "AAPL").locator(".badge")).to_have_text("No link")
    assert page.locator('#wl-body .wl-row[data-fresh="live"]').count() == 0
    stale_price = row(page, "AAPL").locator(".px").inner_text()
    page.screenshot(path=str(artifacts / "reconnecting.png"))

    sockets_before = log.sockets
    own_server.start()
    wait_live(page, timeout=45_000)
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    expect(page.locator("#conn-banner")).to_be_hidden()
    expect(row(page, "AAPL").locator(".badge")).to_have_text("Live")
    expect(row(page, "AAPL").locator(".px")).not_to_have_text(stale_price, timeout=20_000)
    wait_price_change(page, "AAPL")
    assert log.sockets > sockets_before

    resubscribes = [f for f in log.sent() if f.get("action") == "subscribe" and f.get("since")]
    assert resubscribes, "the reconnect did not resubscribe with since"
    resubscribed = {s for f in resubscribes for s in f["symbols"]}
    assert set(DEFAULT_WATCHLIST) <= resubscribed

    assert [e for e in console.errors if not OUTAGE_NOISE.search(e)] == []


def test_feed_outage_marks_rows_stale_until_it_recovers(own_server, page_and_console, artifacts):
    page, console = page_and_console
    page.goto(own_server.url)
    wait_live(page)
    wait_price_change(page, "MSFT")
    good_url = own_server.feed_url("demo-market")
    own_server.set_feed_url("demo-market", "http://127.0.0.1:1/api/v3/ticker/price")  # nothing listens

    msft = row(page, "MSFT")
    expect(msft.locator(".badge")).to_have_text("Stale", timeout=30_000)
    expect(msft).to_have_attribute("data-fresh", "stale")
    for symbol in DEFAULT_WATCHLIST:  # every symbol of the market feed
        expect(row(page, symbol).locator(".badge")).to_have_text("Stale")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")  # the link itself is fine
    expect(page.locator("#chart-fresh")).to_have_text("Stale")
    page.screenshot(path=str(artifacts / "feed-stale.png"))

    own_server.set_feed_url("demo-market", good_url)
    expect(msft.locator(".badge")).to_have_text("Live", timeout=30_000)
    wait_price_change(page, "MSFT")
    assert console.errors == []


def test_scores_view_shows_live_games_and_score_changes(ticker_server, page_and_console, artifacts):
    page, console = page_and_console
    page.goto(ticker_server.url + "#scores")
    wait_live(page)
    expect(page.locator("#view-scores")).to_be_visible()
    expect(page.locator("#view-markets")).to_be_hidden()
    games = page.locator(".game")
    expect(games.first).to_be_visible(timeout=45_000)  # a fresh server finds its games on its first polls
    expect(page.locator(".league-name").first).not_to_have_text("")
    live = page.locator('.game[data-status="in"]')
    expect(live.first).to_be_visible(timeout=30_000)
    expect(live.first.locator(".game-detail")).to_have_text(re.compile(r"\S"))

    read_scores = """() => Object.fromEntries([...document.querySelectorAll('.game[data-status="in"]')]
        .map(c => [c.dataset.symbol, [...c.querySelectorAll('.team-score')].map(s => s.textContent).join('-')]))"""
    first = page.evaluate(read_scores)
    changed = page.wait_for_function(
        f"""(first) => {{
            const now = ({read_scores})();
            const moved = Object.keys(now).filter(s => s in first && now[s] !== first[s]);
            return moved.length ? moved[0] : null;
        }}""",
        arg=first,
        timeout=60_000,
    ).json_value()
    card = page.locator(f'.game[data-symbol="{changed}"]')
    sides = card.locator(".team").evaluate_all(
        "rows => rows.map(r => [Number(r.querySelector('.team-score').textContent),"
        " r.classList.contains('scored')])"
    )
    before = [int(x) for x in first[changed].split("-")]
    rose = [now > then for (now, _), then in zip(sides, before, strict=True)]
    assert any(rose), (before, sides)
    # A side that just scored is highlighted.
    assert all(scored for (_, scored), up in zip(sides, rose, strict=True) if up), (before, sides)
    page.screenshot(path=str(artifacts / "scores.png"), full_page=True)
    assert console.errors == []


def test_phone_layout_fits_the_screen(ticker_server, browser, artifacts):
    page, console = open_page(browser, viewport={"width": 390, "height": 844})
    try:
        page.goto(ticker_server.url)
        wait_live(page)
        wait_price_change(page, "BTCUSDT")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
        for symbol in DEFAULT_WATCHLIST:
            expect(row(page, symbol).locator(".px")).to_be_visible()
        page.screenshot(path=str(artifacts / "markets-phone.png"))
        page.locator("#tab-scores").click()
        expect(page.locator(".game").first).to_be_visible(timeout=20_000)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        page.screenshot(path=str(artifacts / "scores-phone.png"))
        assert console.errors == []
    finally:
        page.context.close()
