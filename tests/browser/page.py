"""What the browser tests read off the dashboard page: rows, their order, live state."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

DEFAULT_WATCHLIST = ["AAPL", "MSFT", "TSLA", "BTCUSDT", "ETHUSDT"]
# What Chromium itself logs while the server is down; the page cannot silence these.
OUTAGE_NOISE = re.compile(r"WebSocket connection to .* failed|net::ERR_CONNECTION_REFUSED")


def row(page: Page, symbol: str):
    return page.locator(f'#wl-body .wl-row[data-symbol="{symbol}"]')


def watchlist_order(page: Page) -> list[str]:
    return page.locator("#wl-body .wl-row").evaluate_all("rows => rows.map(r => r.dataset.symbol)")


def wait_live(page: Page, timeout: float = 30_000) -> None:
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=timeout)


def wait_price_change(page: Page, symbol: str, timeout: float = 20_000) -> tuple[str, str]:
    """The symbol's shown price first, then a different one it changed to."""
    price = row(page, symbol).locator(".px")
    expect(price).not_to_have_text("—", timeout=timeout)
    before = price.inner_text()
    expect(price).not_to_have_text(before, timeout=timeout)
    return before, price.inner_text()


def add(page: Page, query: str, symbol: str) -> None:
    """Search the catalog for ``query`` and add ``symbol`` with Enter."""
    page.fill("#add-input", query)
    expect(page.locator(f'#add-options [role=option][data-symbol="{symbol}"]')).to_be_visible()
    page.press("#add-input", "Enter")
    expect(row(page, symbol)).to_have_count(1)


def remove(page: Page, symbol: str) -> None:
    """Remove ``symbol``'s row with its own button, as a mouse user would."""
    row(page, symbol).hover()
    row(page, symbol).get_by_role("button", name=f"Remove {symbol}").click()
    expect(row(page, symbol)).to_have_count(0)
