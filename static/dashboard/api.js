// The HTTP endpoints the page reads and writes. Errors carry what failed (and the HTTP
// status, when there was an answer) so a toast can say it and a caller can decide.

const TIMEOUT_MS = 10_000;

export class ApiError extends Error {
  /**
   * `status` is the HTTP status, or 0 when no answer came (network down, timeout);
   * `code` is the server's `error` field when it sent one.
   */
  constructor(message, status, code = null) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function requestJSON(path, { method = "GET", body, csrfToken } = {}) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), TIMEOUT_MS);
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (csrfToken) headers["X-CSRFToken"] = csrfToken;
  try {
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal: ctrl.signal,
    });
    if (!res.ok) {
      const said = await res.json().catch(() => null);
      throw new ApiError(`${path}: ${said?.message || `HTTP ${res.status}`}`, res.status, said?.error ?? null);
    }
    return await res.json();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err.name === "AbortError") throw new ApiError(`${path}: no answer in ${TIMEOUT_MS / 1000}s`, 0);
    throw new ApiError(`${path}: ${err.message}`, 0);
  } finally {
    clearTimeout(timer);
  }
}

/** The catalog: `[{symbol, name, kind, feed, state}]`. */
export async function fetchSymbols(base = "/api/") {
  const body = await requestJSON(`${base}symbols`);
  return Array.isArray(body.symbols) ? body.symbols : [];
}

/** The last `limit` updates of `symbol`, oldest first. */
export async function fetchHistory(symbol, limit, base = "/api/") {
  const body = await requestJSON(`${base}history/${encodeURIComponent(symbol)}?limit=${limit}`);
  return Array.isArray(body.updates) ? body.updates : [];
}

/** The signed-in user's saved watchlist, or `null` if none was saved yet. */
export async function fetchWatchlist(base = "/api/") {
  const body = await requestJSON(`${base}watchlist`);
  return Array.isArray(body.symbols) ? body.symbols : null;
}

/** Replace the signed-in user's saved watchlist with `symbols`. */
export async function putWatchlist(symbols, csrfToken, base = "/api/") {
  return requestJSON(`${base}watchlist`, { method: "PUT", body: { symbols }, csrfToken });
}
