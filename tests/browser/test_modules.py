"""The page's pure logic, run as the browser runs it: each ES module is imported from the
real server into Chromium and its functions are called there."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def js(ticker_server, browser):
    """`js(code)`: evaluate an async function body in a page of the real server."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(ticker_server.url + "static/dashboard/app.css")  # same origin, no app running

    def run(body: str):
        return page.evaluate(f"async () => {{ {body} }}")

    yield run
    context.close()


def test_subscribes_are_split_under_the_server_frame_limit(js):
    result = js(
        """
        const { chunkSubscribe } = await import('/static/dashboard/connection.js');
        const symbols = Array.from({ length: 200 }, (_, i) => `SYMBOL-${String(i).padStart(30, '0')}`);
        const since = Object.fromEntries(symbols.map((s, i) => [s, 1795616537313 + i]));
        const chunks = chunkSubscribe(symbols, since);
        const frames = chunks.map((c, i) => JSON.stringify(
            { action: 'subscribe', symbols: c.symbols, since: c.since, id: 100000 + i }));
        return {
            sizes: frames.map(f => new TextEncoder().encode(f).length),
            all: chunks.flatMap(c => c.symbols),
            sinceKept: chunks.every(c => c.symbols.every(s => c.since[s] === since[s])),
            symbols,
        };
        """
    )
    assert len(result["sizes"]) > 1
    assert max(result["sizes"]) <= 4096
    assert result["all"] == result["symbols"]
    assert result["sinceKept"]


def test_backoff_doubles_with_jitter_and_is_capped(js):
    delays = js(
        """
        const { backoffDelay } = await import('/static/dashboard/connection.js');
        return [0, 1, 2, 3, 10, 50].map(n => [backoffDelay(n, () => 0), backoffDelay(n, () => 0.999999)]);
        """
    )
    lows = [lo for lo, _ in delays]
    highs = [hi for _, hi in delays]
    assert lows[:4] == [250, 500, 1000, 2000]
    assert all(lo < hi <= 2 * lo for lo, hi in delays)
    assert highs[-1] <= 30_000 and highs[-2] <= 30_000


def test_store_drops_repeats_within_a_connection_but_not_across_one(js):
    result = js(
        """
        const { Store } = await import('/static/dashboard/store.js');
        const s = new Store();
        const rec = (seq, price) => ({ type: 'update', symbol: 'AAPL', kind: 'quote', seq, price,
                                       ts: new Date(1e12 + seq * 1000).toISOString() });
        const out = [];
        out.push(s.apply(rec(5, 1), 1) !== false);
        out.push(s.apply(rec(5, 2), 1) !== false);   // duplicate
        out.push(s.apply(rec(4, 3), 1) !== false);   // reordered
        out.push(s.apply(rec(6, 4), 1) !== false);
        out.push(s.apply(rec(2, 5), 2) !== false);   // new connection after a server restart
        s.setConnState('live');
        const live = s.freshness('AAPL');
        s.setFeedState('AAPL', 'stale');
        const stale = s.freshness('AAPL');
        s.setConnState('reconnecting');
        const down = s.freshness('AAPL');
        s.setConnState('live');
        s.apply({ ...rec(3, 6), type: 'snapshot', state: 'stale' }, 3);  // after a reconnect
        const staleSnapshot = s.freshness('AAPL');
        s.apply({ ...rec(4, 7), type: 'snapshot' }, 4);  // a snapshot of a working feed
        const liveSnapshot = s.freshness('AAPL');
        return { out, price: s.records.get('AAPL').price, spark: s.spark.get('AAPL').map(p => p.value),
                 live, stale, down, staleSnapshot, liveSnapshot, since: s.since(['AAPL', 'MSFT']) };
        """
    )
    assert result["out"] == [True, False, False, True, True]
    assert result["price"] == 7
    assert result["spark"] == [1, 4, 5, 6, 7]
    assert (result["live"], result["stale"], result["down"]) == ("live", "stale", "offline")
    assert (result["staleSnapshot"], result["liveSnapshot"]) == ("stale", "live")
    assert result["since"] == {"AAPL": 4}


def test_chart_points_are_one_per_second_in_time_order(js):
    points = js(
        """
        const { toPoints } = await import('/static/dashboard/chart.js');
        return toPoints([
            { seq: 3, ts: '2026-01-01T00:00:01.900Z', price: 12 },
            { seq: 1, ts: '2026-01-01T00:00:00.100Z', price: 10 },
            { seq: 2, ts: '2026-01-01T00:00:01.200Z', price: 11 },
            { seq: 4, ts: '2026-01-01T00:00:02.000Z', kind: 'score' },
        ]);
        """
    )
    t0 = 1767225600
    assert points == [{"time": t0, "value": 10}, {"time": t0 + 1, "value": 12}]


def test_catalog_search_ranks_symbol_prefix_then_name_and_hides_listed(js):
    found = js(
        """
        const { searchCatalog } = await import('/static/dashboard/catalog.js');
        const entries = [
            { symbol: 'AAPL', name: 'Apple Inc.', kind: 'quote' },
            { symbol: 'MAPL', name: 'Maple Corp', kind: 'quote' },
            { symbol: 'XYZ', name: 'Apple Growers', kind: 'quote' },
            { symbol: 'APLS', name: 'Apellis', kind: 'quote' },
            { symbol: 'NBA-1', name: 'Apple at Pear', kind: 'score' },
        ];
        return [
            searchCatalog(entries, 'ap', 'quote', () => false).map(e => e.symbol),
            searchCatalog(entries, 'apple', 'quote', s => s === 'AAPL').map(e => e.symbol),
        ];
        """
    )
    assert found[0] == ["APLS", "AAPL", "MAPL", "XYZ"]
    assert found[1] == ["XYZ"]


def test_sparkline_spans_the_box_and_puts_the_high_at_the_top(js):
    pts = js(
        """
        const { sparkPoints } = await import('/static/dashboard/sparkline.js');
        return [sparkPoints([1]), sparkPoints([1, 3, 2])];
        """
    )
    assert pts[0] == ""
    coords = [tuple(map(float, p.split(","))) for p in pts[1].split()]
    assert [x for x, _ in coords] == [0, 50, 100]
    ys = [y for _, y in coords]
    assert ys[1] == min(ys) and ys[0] == max(ys)


def test_period_text_names_quarters_halves_and_breaks(js):
    texts = js(
        """
        const { periodText } = await import('/static/dashboard/scores.js');
        return [
            periodText({ league: 'NBA', period: 3, clock: '4:12' }),
            periodText({ league: 'NBA', period: 5, clock: '1:00' }),
            periodText({ league: 'NBA', period: 2, clock: '0.0' }),
            periodText({ league: 'PREM', period: 2, clock: "67'" }),
            periodText({ league: 'NHL', period: 1, clock: '12:00' }),
        ];
        """
    )
    assert texts == ["Q3 · 4:12", "OT · 1:00", "End of Q2", "2H · 67'", "P1 · 12:00"]


def test_close_codes_decide_whether_and_when_to_reconnect(js):
    """TickerConnection with a stand-in WebSocket class: each close code's follow-up."""
    result = js(
        """
        const { TickerConnection } = await import('/static/dashboard/connection.js');
        const sockets = [];
        class FakeSocket {
            static OPEN = 1; static CONNECTING = 0;
            constructor(url) { this.url = url; this.readyState = 0; this.sent = []; sockets.push(this); }
            send(text) { this.sent.push(JSON.parse(text)); }
            close() { this.readyState = 3; }
            open() { this.readyState = 1; this.onopen(); }
            recv(msg) { this.onmessage({ data: JSON.stringify(msg) }); }
            drop(code) { this.readyState = 3; this.onclose({ code, reason: '' }); }
        }
        window.WebSocket = FakeSocket;
        const outcome = async (code, before) => {
            const c = new TickerConnection({ url: 'ws://x/ws/ticker/', since: () => ({ AAPL: 41 }) });
            c.setDesired(['AAPL']);
            c.connect();
            const ws = sockets[sockets.length - 1];
            await Promise.resolve();
            ws.open();
            const sub = ws.sent[0];
            ws.recv({ type: 'subscribed', symbols: ['AAPL'], subscriptions: ['AAPL'], id: sub.id });
            const live = c.state;
            if (before) ws.recv(before);
            const afterFrame = c.state;
            ws.drop(code);
            const r = { sub, live, afterFrame, state: c.state, reason: c.reason,
                        delay: c.timer ? c.retryAt - Date.now() : null };
            clearTimeout(c.timer);
            return r;
        };
        return {
            forbidden: await outcome(4003),
            flood: await outcome(1008),
            slow: await outcome(4001),
            away: await outcome(1001),
            shutdown: await outcome(1006, { type: 'shutdown', reconnect: true }),
        };
        """
    )
    sub = result["forbidden"]["sub"]
    assert sub["action"] == "subscribe" and sub["symbols"] == ["AAPL"] and sub["since"] == {"AAPL": 41}
    assert all(r["live"] == "live" for r in result.values())

    forbidden = result["forbidden"]
    assert (forbidden["state"], forbidden["reason"], forbidden["delay"]) == ("offline", "forbidden", None)

    flood = result["flood"]
    assert flood["state"] == "reconnecting" and flood["delay"] >= 3900  # backed off hard
    slow = result["slow"]
    assert slow["state"] == "reconnecting" and 0 < slow["delay"] <= 500
    away = result["away"]
    assert away["state"] == "reconnecting" and 0 < away["delay"] <= 1750

    shutdown = result["shutdown"]
    assert shutdown["afterFrame"] == "reconnecting"  # told before the socket even closed
    assert shutdown["state"] == "reconnecting" and 0 < shutdown["delay"] <= 1750


def test_a_watchlist_save_the_server_refuses_is_reported_not_retried(js):
    """Against the real server, as an anonymous page: first without a CSRF token, then
    with the one the page carries (the server then says a sign-in is needed)."""
    result = js(
        """
        const { WatchlistSync } = await import('/static/dashboard/sync.js');
        const page = await (await fetch('/')).text();
        const token = /name="csrf-token" content="([^"]+)"/.exec(page)[1];
        const run = async (csrfToken) => {
            const sync = new WatchlistSync({ csrfToken: () => csrfToken, saveDelayMs: 0 });
            const states = [];
            sync.addEventListener('state', (e) => states.push([e.detail.state, e.detail.message]));
            sync.save(['AAPL']);
            await new Promise((r) => setTimeout(r, 1500));
            return { states };
        };
        return { noToken: await run(''), withToken: await run(token) };
        """
    )
    no_token, with_token = result["noToken"]["states"], result["withToken"]["states"]
    assert [s for s, _ in no_token] == ["saving", "refused"], no_token
    assert "CSRF check failed" in no_token[1][1]
    assert with_token == [
        ["saving", ""],
        ["signed-out", "/api/watchlist: sign in to keep a watchlist on the server"],
    ]
