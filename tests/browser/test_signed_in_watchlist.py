"""A signed-in viewer's watchlist is kept on the server: it follows the user to a browser
with nothing stored, an edit on one device reaches another without a reload, and an
edit made while the server is down is saved once it is back."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Console, TickerServer, open_page
from tests.browser.page import (
    DEFAULT_WATCHLIST,
    OUTAGE_NOISE,
    add,
    remove,
    row,
    wait_live,
    wait_price_change,
    watchlist_order,
)

pytestmark = pytest.mark.browser


def sign_in(page: Page, base: str, username: str, password: str, screenshot: Path | None = None) -> None:
    page.goto(f"{base}accounts/login/?next=/")
    if screenshot:
        page.screenshot(path=str(screenshot))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(base)
    wait_live(page)
    expect(page.locator(".account-name")).to_have_text(username)


def new_user_page(server: TickerServer, browser: Browser, username: str) -> tuple[Page, Console]:
    """A fresh browser signed in as a new viewer whose (default) list is saved."""
    server.create_user(username, f"{username}-pass-1")
    page, console = open_page(browser)
    sign_in(page, server.url, username, f"{username}-pass-1")
    wait_saved(page)
    return page, console


def wait_saved(page: Page, timeout: float = 10_000) -> None:
    expect(page.locator("#account-sync")).to_have_attribute("data-state", "saved", timeout=timeout)


def expect_order(page: Page, symbols: list[str], timeout: float = 10_000) -> None:
    """Wait until the rows are exactly ``symbols``, in order."""
    try:
        page.wait_for_function(
            "want => [...document.querySelectorAll('#wl-body .wl-row')].map(r => r.dataset.symbol).join() === want",
            arg=",".join(symbols),
            timeout=timeout,
        )
    except Exception:
        assert watchlist_order(page) == symbols  # says what the page shows instead
        raise


def server_list(page: Page, base: str) -> list[str] | None:
    """What the server holds, read with the page's own session."""
    response = page.request.get(f"{base}api/watchlist")
    assert response.ok, response.text()
    return response.json()["symbols"]


def test_the_watchlist_follows_a_signed_in_user_to_another_browser(ticker_server, browser, artifacts):
    base = ticker_server.url
    ticker_server.create_user("ann", "ann-pass-1")

    # Device one: ann's first sign-in keeps this browser's list and saves it.
    one, one_console = open_page(browser)
    one.goto(base)
    wait_live(one)
    expect(one.locator(".account-signin")).to_be_visible()
    sign_in(one, base, "ann", "ann-pass-1", screenshot=artifacts / "sign-in.png")
    wait_saved(one)
    assert server_list(one, base) == DEFAULT_WATCHLIST

    add(one, "nvid", "NVDA")
    remove(one, "TSLA")
    row(one, "NVDA").focus()
    one.keyboard.press("Alt+ArrowUp")
    edited = ["AAPL", "MSFT", "BTCUSDT", "NVDA", "ETHUSDT"]
    assert watchlist_order(one) == edited
    wait_saved(one)
    assert server_list(one, base) == edited

    # Device two: a browser with nothing stored shows the defaults until ann signs in.
    two, two_console = open_page(browser)
    two.goto(base)
    wait_live(two)
    assert watchlist_order(two) == DEFAULT_WATCHLIST
    sign_in(two, base, "ann", "ann-pass-1")
    expect_order(two, edited)
    wait_saved(two)
    wait_price_change(two, "NVDA")  # the adopted rows are subscribed and live
    two.screenshot(path=str(artifacts / "markets-signed-in.png"))

    # An edit on device two reaches device one when it comes back into view, no reload.
    remove(two, "AAPL")
    wait_saved(two)
    one.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect_order(one, edited[1:])
    one.reload()
    wait_live(one)
    assert watchlist_order(one) == edited[1:]

    # Signing out leaves an anonymous page that saves nothing on the server.
    two.get_by_role("button", name="Sign out").click()
    expect(two.locator(".account-signin")).to_be_visible()
    assert two.request.get(f"{base}api/watchlist").status == 403

    assert one_console.errors == [] and two_console.errors == []
    one.context.close()
    two.context.close()


def test_an_edit_made_while_the_server_is_down_is_saved_when_it_is_back(own_server, browser):
    base = own_server.url
    page, console = new_user_page(own_server, browser, "bob")

    own_server.stop()
    expect(page.locator("#conn")).not_to_have_attribute("data-state", "live", timeout=15_000)
    remove(page, "MSFT")
    sync = page.locator("#account-sync")
    expect(sync).to_have_attribute("data-state", "retrying", timeout=10_000)
    expect(sync).to_have_text("Not saved, retrying")

    own_server.start()
    wait_live(page, timeout=40_000)
    wait_saved(page, timeout=40_000)
    expected = [s for s in DEFAULT_WATCHLIST if s != "MSFT"]
    assert server_list(page, base) == expected
    page.reload()
    wait_live(page)
    assert watchlist_order(page) == expected
    assert [e for e in console.errors if not OUTAGE_NOISE.search(e)] == []
    page.context.close()


def test_an_edit_a_reload_cut_short_is_saved_after_the_reload(ticker_server, browser):
    base = ticker_server.url
    page, console = new_user_page(ticker_server, browser, "cy")

    # Saves fail (as if the link dropped), then the page is reloaded before any lands.
    page.route(
        f"{base}api/watchlist",
        lambda route: route.abort() if route.request.method == "PUT" else route.continue_(),
    )
    remove(page, "TSLA")
    expect(page.locator("#account-sync")).to_have_attribute("data-state", "retrying")
    assert server_list(page, base) == DEFAULT_WATCHLIST
    page.unroute(f"{base}api/watchlist")
    page.reload()
    wait_live(page)
    expected = [s for s in DEFAULT_WATCHLIST if s != "TSLA"]
    expect_order(page, expected)  # this browser's newer list, not the server's older one
    wait_saved(page)
    assert server_list(page, base) == expected
    assert [e for e in console.errors if "net::ERR_FAILED" not in e] == []  # the aborted saves
    page.context.close()
