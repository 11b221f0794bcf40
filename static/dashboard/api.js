// The two HTTP endpoints the page reads. Errors carry what failed so a toast can say it.

const TIMEOUT_MS = 10_000;

async function getJSON(path) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), TIMEOUT_MS);
  try {
    const res = await fetch(path, { signal: ctrl.signal, headers: { Accept: "application/json" } });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return await res.json();
  } catch (err) {
    if (err.name === "AbortError") throw new Error(`${path}: no answer in ${TIMEOUT_MS / 1000}s`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The catalog: `[{symbol, name, kind, feed, state}]`. */
export async function fetchSymbols(base = "/api/") {
  const body = await getJSON(`${base}symbols`);
  return Array.isArray(body.symbols) ? body.symbols : [];
}

/** The last `limit` updates of `symbol`, oldest first. */
export async function fetchHistory(symbol, limit, base = "/api/") {
  const body = await getJSON(`${base}history/${encodeURIComponent(symbol)}?limit=${limit}`);
  return Array.isArray(body.updates) ? body.updates : [];
}
