// The page's state: catalog, latest record per symbol, feed states, recent values for
// sparklines, and the connection state. Views never hold truth; they read from here
// when told a symbol changed, so one update costs one notification, not one render.

import { isNumber } from "./format.js";

const SPARK_POINTS = 90;

/** A quote record as a sparkline or chart point, or `null` when it has no finite price. */
export function quotePoint(rec) {
  return rec && isNumber(rec.price) ? { seq: rec.seq, ms: Date.parse(rec.ts), value: rec.price } : null;
}

/** Points in time order; `seq` breaks ties. */
export const byTime = (a, b) => a.ms - b.ms || a.seq - b.seq;

export class Store {
  constructor() {
    this.catalog = new Map(); // symbol -> {symbol, name, kind, feed, state}
    this.records = new Map(); // symbol -> latest record
    this.epochs = new Map(); // symbol -> connection epoch the latest record came on
    this.feedStates = new Map(); // symbol -> "live" | "stale"
    this.unknown = new Set(); // symbols the server refused as unknown
    this.overLimit = new Set(); // symbols left unsubscribed: more than one connection may hold
    this.spark = new Map(); // symbol -> [{seq, ms, value}] oldest first
    this.connState = "connecting";
    this.listeners = new Set();
  }

  /** `fn(symbol, reason)` is called on every change; symbol is null for page-wide ones. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(symbol, reason) {
    for (const fn of this.listeners) fn(symbol, reason);
  }

  setCatalog(entries) {
    this.catalog.clear();
    for (const entry of entries) {
      if (!entry || typeof entry.symbol !== "string") continue;
      this.catalog.set(entry.symbol, entry);
      // No per-symbol notice: the "catalog" one below re-renders every symbol.
      if (entry.state === "live" || entry.state === "stale") this.feedStates.set(entry.symbol, entry.state);
      this.unknown.delete(entry.symbol);
    }
    this.emit(null, "catalog");
  }

  entry(symbol) {
    return this.catalog.get(symbol);
  }

  name(symbol) {
    return this.catalog.get(symbol)?.name || this.records.get(symbol)?.name || "";
  }

  setConnState(state) {
    if (state === this.connState) return;
    this.connState = state;
    this.emit(null, "connection");
  }

  /**
   * Take a snapshot or update. Within one connection (epoch) a seq at or below the one
   * held is a duplicate or reordered frame and is dropped; a new connection may follow a
   * server restart whose seqs start over, so its first record is taken as the new base.
   * Returns the previous record when accepted, `undefined` when it has none, `false` when dropped.
   */
  apply(record, epoch) {
    const symbol = record.symbol;
    const prev = this.records.get(symbol);
    if (prev && this.epochs.get(symbol) === epoch && !(record.seq > prev.seq)) return false;
    this.records.set(symbol, record);
    this.epochs.set(symbol, epoch);
    this.unknown.delete(symbol);
    // A fresh value means a working feed; a snapshot of a down feed says "stale".
    this.feedStates.set(symbol, record.state === "stale" ? "stale" : "live");
    if (record.kind === "quote") this.pushSpark(symbol, record);
    this.emit(symbol, "record");
    return prev;
  }

  pushSpark(symbol, record) {
    const point = quotePoint(record);
    if (!point) return;
    let points = this.spark.get(symbol);
    if (!points) this.spark.set(symbol, (points = []));
    const last = points[points.length - 1];
    if (last && last.seq === record.seq) return;
    points.push(point);
    if (points.length > SPARK_POINTS) points.splice(0, points.length - SPARK_POINTS);
  }

  /** Put history (oldest first) under the live values already held, without duplicates. */
  seedHistory(symbol, updates) {
    const held = this.spark.get(symbol) || [];
    const bySeq = new Map();
    for (const point of updates.map(quotePoint)) if (point) bySeq.set(point.seq, point);
    for (const point of held) bySeq.set(point.seq, point);
    const merged = [...bySeq.values()].sort(byTime);
    this.spark.set(symbol, merged.slice(-SPARK_POINTS));
    const latest = updates[updates.length - 1];
    if (latest && !this.records.has(symbol)) {
      this.records.set(symbol, latest);
      this.epochs.set(symbol, -1);
    }
    this.emit(symbol, "history");
  }

  setFeedState(symbol, state) {
    if (this.feedStates.get(symbol) === state) return;
    this.feedStates.set(symbol, state);
    this.emit(symbol, "status");
  }

  markUnknown(symbol) {
    this.unknown.add(symbol);
    this.emit(symbol, "unknown");
  }

  setOverLimit(symbols) {
    const next = new Set(symbols);
    for (const symbol of new Set([...this.overLimit, ...next])) {
      if (this.overLimit.has(symbol) !== next.has(symbol)) this.emit(symbol, "limit");
    }
    this.overLimit = next;
  }

  /**
   * What a row shows about freshness: "live", "stale" (feed down), "offline" (we are not
   * connected, so nothing on screen is known to be current), "waiting", "unknown" or
   * "limit" (not subscribed: over the server's per-connection limit).
   */
  freshness(symbol) {
    if (this.unknown.has(symbol)) return "unknown";
    if (this.overLimit.has(symbol)) return "limit";
    if (!this.records.has(symbol)) return this.connState === "live" ? "waiting" : "offline";
    if (this.connState !== "live") return "offline";
    return this.feedStates.get(symbol) === "stale" ? "stale" : "live";
  }

  /** `{symbol: seq}` for the symbols we hold a value of, for a resubscribe's `since`. */
  since(symbols) {
    const out = {};
    for (const symbol of symbols) {
      const rec = this.records.get(symbol);
      if (rec && Number.isInteger(rec.seq) && this.epochs.get(symbol) !== -1) out[symbol] = rec.seq;
    }
    return out;
  }
}
