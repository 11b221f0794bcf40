// The chart of one symbol: its history from /api/history, continued live by the socket's
// records. Uses TradingView lightweight-charts v5 (chart.addSeries(AreaSeries, ...)),
// loaded on first use so the rest of the page works even if the chart cannot.

import { fetchHistory } from "./api.js";
import { priceDecimals } from "./format.js";
import { byTime, quotePoint } from "./store.js";

const LIB_URL = new URL(
  "../vendor/lightweight-charts/lightweight-charts.standalone.production.mjs",
  import.meta.url,
);
const HISTORY_LIMIT = 500;

const fullTime = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});
const tickFormats = {
  year: new Intl.DateTimeFormat(undefined, { year: "numeric" }),
  month: new Intl.DateTimeFormat(undefined, { month: "short" }),
  day: new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" }),
  time: new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hour12: false }),
  seconds: new Intl.DateTimeFormat(undefined, {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  }),
};
const TICK_KIND = ["year", "month", "day", "time", "seconds"]; // by TickMarkType value

/**
 * Chart points from quote records: one per second (the last of that second wins, as the
 * chart needs strictly increasing times), in time order.
 */
export function toPoints(records) {
  const bySecond = new Map();
  const sorted = records
    .map(quotePoint)
    .filter((p) => p && Number.isFinite(p.ms))
    .sort(byTime);
  for (const p of sorted) bySecond.set(Math.floor(p.ms / 1000), p.value);
  return [...bySecond].map(([time, value]) => ({ time, value }));
}

export class PriceChart {
  constructor({ container, message, apiBase = "/api/" }) {
    this.container = container;
    this.apiBase = apiBase;
    this.message = message;
    this.symbol = null;
    this.generation = 0;
    this.loading = null; // records received while the history request is out
    this.lastTime = -Infinity;
    this.decimals = null;
    this.ready = this.load();
    this.ready.catch(() => {}); // reported by show()
  }

  async load() {
    const lib = await import(LIB_URL.href);
    const css = getComputedStyle(document.documentElement);
    const color = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
    this.chart = lib.createChart(this.container, {
      autoSize: true,
      layout: {
        background: { type: lib.ColorType.Solid, color: color("--panel", "#121821") },
        textColor: color("--muted", "#8592a3"),
        fontFamily: getComputedStyle(document.body).fontFamily,
        attributionLogo: true,
      },
      grid: {
        vertLines: { color: color("--grid", "#1b2330") },
        horzLines: { color: color("--grid", "#1b2330") },
      },
      rightPriceScale: { borderColor: color("--border", "#243040") },
      timeScale: {
        borderColor: color("--border", "#243040"),
        timeVisible: true,
        secondsVisible: true,
        tickMarkFormatter: (time, type) => tickFormats[TICK_KIND[type] || "time"].format(time * 1000),
      },
      localization: { timeFormatter: (time) => fullTime.format(time * 1000) },
      crosshair: { mode: lib.CrosshairMode.Magnet },
    });
    this.series = this.chart.addSeries(lib.AreaSeries, {
      lineColor: color("--accent", "#3b82f6"),
      topColor: "rgba(59, 130, 246, 0.35)",
      bottomColor: "rgba(59, 130, 246, 0.02)",
      lineWidth: 2,
      priceLineVisible: true,
      lastValueVisible: true,
    });
  }

  /** Show `symbol`: load its history, then keep adding its live records. */
  async show(symbol) {
    const generation = ++this.generation;
    this.symbol = symbol;
    this.loading = [];
    this.lastTime = -Infinity;
    this.decimals = null;
    this.say("Loading history…");
    let history = [];
    let problem = "";
    try {
      await this.ready;
      this.series.setData([]);
      history = await fetchHistory(symbol, HISTORY_LIMIT, this.apiBase);
    } catch (err) {
      problem = this.chart ? `History unavailable (${err.message}); showing live values` : "Chart unavailable";
    }
    if (generation !== this.generation) return;
    const points = toPoints([...history, ...this.loading]);
    this.loading = null;
    if (!this.chart) {
      this.say(problem);
      return;
    }
    this.setPrecision(points);
    this.series.setData(points);
    this.lastTime = points.length ? points[points.length - 1].time : -Infinity;
    this.chart.timeScale().fitContent();
    this.say(problem || (points.length ? "" : "No values yet"));
  }

  /** A record for any symbol; the chart takes those of its own. */
  onRecord(record) {
    if (record.symbol !== this.symbol || typeof record.price !== "number") return;
    if (this.loading) {
      this.loading.push(record);
      return;
    }
    if (!this.series) return;
    const time = Math.floor(Date.parse(record.ts) / 1000);
    if (!Number.isFinite(time) || time < this.lastTime) return; // older than the chart's end
    if (this.decimals === null) this.setPrecision([{ value: record.price }]);
    this.series.update({ time, value: record.price });
    if (this.lastTime === -Infinity) this.say("");
    this.lastTime = time;
  }

  setPrecision(points) {
    if (!points.length) return;
    const decimals = priceDecimals(points[points.length - 1].value);
    if (decimals === this.decimals) return;
    this.decimals = decimals;
    this.series.applyOptions({ priceFormat: { type: "price", precision: decimals, minMove: 10 ** -decimals } });
  }

  say(text) {
    this.message.textContent = text;
    this.message.hidden = !text;
  }
}
