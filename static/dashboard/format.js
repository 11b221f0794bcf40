// Number and time formatting. Formatters are built once and cached: Intl objects are
// expensive to create and this runs for every visible update.

const numberFormats = new Map();

function numberFormat(decimals) {
  let fmt = numberFormats.get(decimals);
  if (!fmt) {
    fmt = new Intl.NumberFormat(undefined, {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    numberFormats.set(decimals, fmt);
  }
  return fmt;
}

/** Decimals that show a price's movement: cents for dollars, more for sub-unit coins. */
export function priceDecimals(value) {
  const abs = Math.abs(value);
  if (abs >= 1) return 2;
  if (abs >= 0.01) return 4;
  if (abs === 0) return 2;
  return 6;
}

export function isNumber(value) {
  return typeof value === "number" && Number.isFinite(value);
}

export function formatPrice(value, decimals = priceDecimals(value)) {
  return isNumber(value) ? numberFormat(decimals).format(value) : "—";
}

const MINUS = "\u2212";

export function formatSigned(value, decimals) {
  if (!isNumber(value)) return "—";
  const text = numberFormat(decimals).format(Math.abs(value));
  if (value > 0) return `+${text}`;
  if (value < 0) return `${MINUS}${text}`;
  return text;
}

export function formatPercent(value) {
  return isNumber(value) ? `${formatSigned(value, 2)}%` : "—";
}

const clockFormat = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});

const startFormat = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  hour: "2-digit",
  minute: "2-digit",
});

const startFarFormat = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

/** Epoch milliseconds of an ISO time, or NaN. */
export function parseTime(iso) {
  return typeof iso === "string" ? Date.parse(iso) : NaN;
}

export function formatClock(ms) {
  return Number.isFinite(ms) ? clockFormat.format(ms) : "—";
}

/** A game's start: weekday and time within a week, a date beyond it. */
export function formatStart(iso, now = Date.now()) {
  const ms = parseTime(iso);
  if (!Number.isFinite(ms)) return "Scheduled";
  const fmt = Math.abs(ms - now) < 6 * 86400e3 ? startFormat : startFarFormat;
  return fmt.format(ms);
}

/** "up" | "down" | "flat" for a signed number; "" when unknown. */
export function direction(value) {
  if (!isNumber(value)) return "";
  if (value > 0) return "up";
  if (value < 0) return "down";
  return "flat";
}
