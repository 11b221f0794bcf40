// Wiring: the socket feeds the store, the store marks symbols dirty, one animation frame
// renders them. The wanted subscriptions are always watchlist + charted symbol + games.
// A signed-in viewer's watchlist is also kept on the server (sync.js).

import { fetchHistory, fetchSymbols } from "./api.js";
import { CatalogPicker } from "./catalog.js";
import { PriceChart } from "./chart.js";
import { backoffDelay, TickerConnection } from "./connection.js";
import { direction, formatPercent, formatPrice, formatSigned, priceDecimals } from "./format.js";
import { FrameBatcher } from "./frame.js";
import {
  DEFAULT_WATCHLIST,
  loadChartSymbol,
  loadWatchlist,
  markUnsynced,
  saveChartSymbol,
  saveWatchlist,
  unsyncedUser,
} from "./prefs.js";
import { Scoreboard } from "./scores.js";
import { ConnectionStatus } from "./status.js";
import { Store } from "./store.js";
import { sameList, WatchlistSync } from "./sync.js";
import { Toasts } from "./toast.js";
import { BADGES, changeOf, Watchlist } from "./watchlist.js";

const $ = (selector) => document.querySelector(selector);
const SPARK_HISTORY = 60;
const SEED_CONCURRENCY = 3;
// Games come and go and feed states change: the catalog is read again now and then,
// more often while the scoreboard is on screen.
const CATALOG_REFRESH_MS = 30_000;
const CATALOG_REFRESH_SCORES_MS = 10_000;
let catalogLoadedAt = 0;

function catalogRefreshMs() {
  return document.body.dataset.view === "scores" ? CATALOG_REFRESH_SCORES_MS : CATALOG_REFRESH_MS;
}

const apiBase = document.body.dataset.apiBase || "/api/";
const wsPath = document.body.dataset.wsPath || "/ws/ticker/";
const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${wsPath}`;

const store = new Store();
const toasts = new Toasts($("#toasts"));
const watchlist = new Watchlist({ body: $("#wl-body"), empty: $("#wl-empty"), store });
const scoreboard = new Scoreboard({ root: $("#scores-board"), empty: $("#scores-empty"), store });
const chart = new PriceChart({ container: $("#chart"), message: $("#chart-msg"), apiBase });
const conn = new TickerConnection({ url: wsUrl, since: (symbols) => store.since(symbols) });
const status = new ConnectionStatus({
  pill: $("#conn"),
  label: $("#conn-label"),
  countdown: $("#conn-countdown"),
  banner: $("#conn-banner"),
  bannerText: $("#conn-banner-text"),
  retry: $("#conn-retry"),
  onRetry: () => conn.retryNow(),
});
const picker = new CatalogPicker({
  input: $("#add-input"),
  listbox: $("#add-options"),
  store,
  exclude: (symbol) => watchlist.has(symbol),
});

const user = document.body.dataset.user || "";
const sync = user ? new WatchlistSync({ csrfToken, base: apiBase }) : null;

let chartSymbol = null;
let started = false;
let savedListLoaded = false;
let scoreSymbols = [];
let firstVisit = false;

// ---- rendering -------------------------------------------------------------------------

const legend = {
  panel: $(".chart-panel"),
  sym: $("#chart-sym"),
  name: $("#chart-name"),
  price: $("#chart-price"),
  change: $("#chart-change"),
  fresh: $("#chart-fresh"),
};

/** Write only what changed (reading these costs no layout): the legend renders on every
 * tick of the charted symbol. */
function put(target, prop, value) {
  if (target[prop] !== value) target[prop] = value;
}

function renderLegend() {
  const symbol = chartSymbol;
  put(legend.sym, "textContent", symbol || "No symbol");
  put(legend.name, "textContent", symbol ? store.name(symbol) : "Pick a row to chart it");
  const rec = symbol && store.records.get(symbol);
  const fresh = symbol ? store.freshness(symbol) : "";
  put(legend.fresh, "textContent", fresh && fresh !== "live" ? BADGES[fresh][0] : "");
  put(legend.fresh, "title", fresh ? BADGES[fresh][1] : "");
  put(legend.fresh, "className", fresh && fresh !== "live" ? `badge badge-${fresh}` : "badge");
  put(legend.panel.dataset, "fresh", fresh);
  if (!rec || rec.kind !== "quote") {
    put(legend.price, "textContent", "");
    put(legend.change, "textContent", "");
    return;
  }
  const decimals = priceDecimals(rec.price);
  const { change, pct } = changeOf(rec);
  put(legend.price, "textContent", formatPrice(rec.price, decimals));
  put(legend.change, "textContent", change === null ? "" : `${formatSigned(change, decimals)} (${formatPercent(pct)})`);
  put(legend.change.dataset, "dir", direction(change));
}

const batcher = new FrameBatcher((dirty, all) => {
  watchlist.render(dirty, all);
  scoreboard.render(dirty, all);
  if (all || dirty.has(chartSymbol)) renderLegend();
});
store.subscribe((symbol) => (symbol ? batcher.mark(symbol) : batcher.markAll()));

// ---- subscriptions ---------------------------------------------------------------------

let subscriptionLimit = 200; // the server's default; learnt from its error if different

/** Chart first, then the watchlist in order, then games; what the server allows of them. */
function syncSubscriptions() {
  const wanted = [];
  const seen = new Set();
  for (const symbol of [chartSymbol, ...watchlist.symbols, ...scoreSymbols]) {
    if (symbol && !seen.has(symbol) && !store.unknown.has(symbol)) {
      seen.add(symbol);
      wanted.push(symbol);
    }
  }
  store.setOverLimit(wanted.slice(subscriptionLimit));
  conn.setDesired(wanted.slice(0, subscriptionLimit));
}

function selectChart(symbol) {
  chartSymbol = symbol;
  watchlist.setSelected(symbol);
  if (symbol) {
    saveChartSymbol(symbol);
    chart.show(symbol);
  }
  syncSubscriptions();
  renderLegend();
}

// Sparklines start from recent history rather than empty; a few requests at a time.
const seedQueue = [];
const seeded = new Set();
let seeding = 0;

function seedSparklines(symbols) {
  for (const symbol of symbols) {
    if (seeded.has(symbol)) continue;
    seeded.add(symbol);
    seedQueue.push(symbol);
  }
  while (seeding < SEED_CONCURRENCY && seedQueue.length) {
    const symbol = seedQueue.shift();
    seeding += 1;
    fetchHistory(symbol, SPARK_HISTORY, apiBase)
      .then((updates) => store.seedHistory(symbol, updates))
      .catch(() => seeded.delete(symbol)) // the sparkline fills from live values instead
      .finally(() => {
        seeding -= 1;
        seedSparklines([]);
      });
  }
}

watchlist.addEventListener("change", (e) => {
  const symbols = e.detail.symbols;
  saveWatchlist(symbols);
  // Until the server's list is known, an edit only marks this browser's list as newer.
  if (sync && savedListLoaded) sync.save(symbols);
  else if (sync && started) markUnsynced(user);
  if (chartSymbol && !symbols.includes(chartSymbol)) selectChart(symbols[0] || null);
  else if (!chartSymbol && symbols.length) selectChart(symbols[0]);
  syncSubscriptions();
  seedSparklines(symbols);
});
watchlist.addEventListener("select", (e) => selectChart(e.detail.symbol));
picker.addEventListener("pick", (e) => {
  if (watchlist.add(e.detail.symbol)) toasts.show(`Added ${e.detail.symbol}`, "info");
});

// ---- the socket ------------------------------------------------------------------------

conn.addEventListener("message", (e) => {
  const msg = e.detail;
  if ((msg.type === "snapshot" || msg.type === "update") && typeof msg.symbol === "string") {
    if (store.apply(msg, conn.epoch) !== false) chart.onRecord(msg);
  } else if (msg.type === "status" && typeof msg.symbol === "string") {
    store.setFeedState(msg.symbol, msg.state === "stale" ? "stale" : "live");
  }
});

/** The symbols an unknown_symbol error names ("no enabled feed provides A, B"). */
function refusedSymbols(message, requested) {
  const words = new Set(String(message || "").split(/[\s,;:'"]+/));
  let refused = requested.filter((s) => words.has(s));
  if (!refused.length) refused = requested.filter((s) => !store.catalog.has(s));
  return refused.length ? refused : requested;
}

conn.addEventListener("server-error", (e) => {
  const { code, message, symbols } = e.detail;
  if (code === "unknown_symbol" && symbols.length) {
    // A subscribe is refused whole: mark the unknown ones and ask again for the rest.
    refusedSymbols(message, symbols).forEach((s) => store.markUnknown(s));
    syncSubscriptions();
  } else if (code === "too_many_symbols") {
    const limit = Number(/at most (\d+)/.exec(message || "")?.[1]);
    if (limit > 0 && limit < subscriptionLimit) {
      subscriptionLimit = limit;
      syncSubscriptions();
    }
  }
  toasts.show(message || `Server error: ${code}`);
});

conn.addEventListener("state", (e) => {
  store.setConnState(e.detail.state);
  status.show(e.detail);
});

conn.addEventListener("live", (e) => {
  if (!e.detail.resumed) return;
  loadCatalog(); // feed states may have changed while we were away
  loadSavedWatchlist(); // and the watchlist may have been edited on another device
  if (chartSymbol) chart.show(chartSymbol); // fill the chart's gap
});

// ---- catalog ---------------------------------------------------------------------------

let catalogRetry = 0;
let catalogTimer = null;

async function loadCatalog() {
  clearTimeout(catalogTimer);
  let entries;
  try {
    entries = await fetchSymbols(apiBase);
  } catch (err) {
    if (store.catalog.size && conn.state !== "live") {
      catalogTimer = setTimeout(loadCatalog, catalogRefreshMs()); // the link banner says enough
      return;
    }
    const wait = Math.min(60, 5 * 2 ** catalogRetry++);
    toasts.show(`Could not load the symbol list (${err.message}); retrying in ${wait}s`);
    catalogTimer = setTimeout(loadCatalog, wait * 1000);
    return;
  }
  catalogRetry = 0;
  catalogLoadedAt = Date.now();
  catalogTimer = setTimeout(loadCatalog, catalogRefreshMs());
  store.setCatalog(entries);
  scoreSymbols = entries.filter((x) => x.kind === "score").map((x) => x.symbol);
  scoreboard.setSymbols(scoreSymbols);
  if (firstVisit) {
    firstVisit = false;
    const known = watchlist.symbols.filter((s) => store.catalog.get(s)?.kind === "quote");
    if (known.length && known.length !== watchlist.symbols.length) watchlist.setSymbols(known);
  }
  syncSubscriptions();
}

// ---- the signed-in viewer's watchlist on the server ------------------------------------

function csrfToken() {
  const cookie = /(?:^|;\s*)csrftoken=([^;]+)/.exec(document.cookie);
  return cookie ? decodeURIComponent(cookie[1]) : document.querySelector('meta[name="csrf-token"]')?.content;
}

const SYNC_LABELS = {
  loading: "Loading…",
  saving: "Saving…",
  saved: "Saved",
  retrying: "Not saved, retrying",
  refused: "Not saved",
  "signed-out": "Not saved: signed out",
};

let loadAttempt = 0;
let loadTimer = null;
let loading = null;

/**
 * Show the server's list unless this browser holds newer edits: unsaved ones, or ones a
 * reload cut short. A user with no saved list yet keeps (and saves) this browser's.
 */
function loadSavedWatchlist() {
  if (!sync) return null;
  // Coming back into view and reconnecting often ask at once: one request serves both.
  loading ??= applySavedWatchlist().finally(() => (loading = null));
  return loading;
}

async function applySavedWatchlist() {
  clearTimeout(loadTimer);
  const localNewer = unsyncedUser() === user; // read first: a load that succeeds clears it
  let saved;
  try {
    saved = await sync.load();
  } catch (err) {
    if (sync.state === "loading") toasts.show(`Could not load your saved watchlist (${err.message})`);
    loadTimer = setTimeout(loadSavedWatchlist, backoffDelay(loadAttempt++ + 3));
    return;
  }
  loadAttempt = 0;
  savedListLoaded = true;
  if (sync.dirty) return;
  if (saved === null || localNewer) {
    sync.save(watchlist.symbols);
    return;
  }
  if (!sameList(saved, watchlist.symbols)) watchlist.setSymbols(saved);
}

sync?.addEventListener("state", (e) => {
  const { state, message } = e.detail;
  const label = $("#account-sync");
  label.dataset.state = state;
  label.textContent = SYNC_LABELS[state] || state;
  label.title = message || (state === "saved" ? "Your watchlist is saved on the server" : "");
  if (state === "saving" || state === "retrying") markUnsynced(user);
  else if (state === "saved" || state === "refused") markUnsynced(null);
  if (state === "refused" || state === "signed-out") toasts.show(`Watchlist not saved: ${message}`);
});

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") loadSavedWatchlist();
});

// ---- views -----------------------------------------------------------------------------

const views = ["markets", "scores"];

function showView(name) {
  const view = views.includes(name) ? name : "markets";
  for (const v of views) {
    const tab = $(`#tab-${v}`);
    const on = v === view;
    $(`#view-${v}`).hidden = !on;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
  }
  const changed = document.body.dataset.view !== view;
  document.body.dataset.view = view;
  if (changed && view === "scores" && catalogLoadedAt && Date.now() - catalogLoadedAt > 5000) loadCatalog();
}

for (const v of views) {
  $(`#tab-${v}`).addEventListener("click", (e) => {
    e.preventDefault();
    if (location.hash !== `#${v}`) history.replaceState(null, "", `#${v}`);
    showView(v);
  });
}
$("#tabs").addEventListener("keydown", (e) => {
  if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
  const current = views.indexOf(document.body.dataset.view);
  const next = views[(current + (e.key === "ArrowRight" ? 1 : views.length - 1)) % views.length];
  $(`#tab-${next}`).click();
  $(`#tab-${next}`).focus();
});
window.addEventListener("hashchange", () => showView(location.hash.slice(1)));

document.addEventListener("keydown", (e) => {
  const typing = e.target.closest?.("input, textarea, select, [contenteditable]");
  if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
    e.preventDefault();
    showView("markets");
    $("#add-input").focus();
  }
});

// ---- start -----------------------------------------------------------------------------

function start() {
  showView(location.hash.slice(1));
  const saved = loadWatchlist();
  firstVisit = saved === null && !sync; // a signed-in viewer's list comes from the server
  const symbols = saved ?? DEFAULT_WATCHLIST;
  const remembered = loadChartSymbol();
  selectChart(remembered && symbols.includes(remembered) ? remembered : symbols[0] || null);
  watchlist.setSymbols(symbols);
  started = true;
  conn.start();
  loadCatalog();
  loadSavedWatchlist();
}

start();
