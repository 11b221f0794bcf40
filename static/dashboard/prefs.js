// What the page remembers across reloads, in localStorage. Reads are validated: a value
// from an older page version or another tool must not break the page.

const WATCHLIST_KEY = "ticker.watchlist.v1";
const CHART_KEY = "ticker.chart.v1";
const UNSYNCED_KEY = "ticker.watchlist.unsynced.v1";
const SYMBOL_RE = /^[A-Z0-9][A-Z0-9._-]{0,39}$/;

export const DEFAULT_WATCHLIST = ["AAPL", "MSFT", "TSLA", "BTCUSDT", "ETHUSDT"];

function read(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage disabled (private mode, policy)
  }
}

function write(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    /* storage full or disabled: the page still works, it just forgets */
  }
}

function forget(key) {
  try {
    window.localStorage.removeItem(key);
  } catch {
    /* storage disabled: nothing was kept */
  }
}

export function isSymbol(value) {
  return typeof value === "string" && SYMBOL_RE.test(value);
}

/** The saved watchlist, or `null` on a first visit. */
export function loadWatchlist() {
  const raw = read(WATCHLIST_KEY);
  if (raw === null) return null;
  try {
    const list = JSON.parse(raw);
    if (!Array.isArray(list)) return null;
    return [...new Set(list.filter(isSymbol))];
  } catch {
    return null;
  }
}

export function saveWatchlist(symbols) {
  write(WATCHLIST_KEY, JSON.stringify(symbols));
}

export function loadChartSymbol() {
  const raw = read(CHART_KEY);
  return isSymbol(raw) ? raw : null;
}

export function saveChartSymbol(symbol) {
  write(CHART_KEY, symbol);
}

/**
 * Whose edits this browser holds that the server has not confirmed (a reload or a lost
 * link cut the save short): for that user the local list is newer than the server's.
 */
export function unsyncedUser() {
  return read(UNSYNCED_KEY);
}

/** Mark `user`'s local list as newer than the server's; `null` once the server has it. */
export function markUnsynced(user) {
  if (user) write(UNSYNCED_KEY, user);
  else forget(UNSYNCED_KEY);
}
