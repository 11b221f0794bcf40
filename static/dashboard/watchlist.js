// The markets watchlist: one persistent row per symbol, written only in animation frames
// and only where a shown value changed. Rows are keyboard-operable (roving focus):
// Up/Down move focus, Alt+Up/Down reorder, Enter charts, Delete removes.

import {
  direction,
  formatClock,
  formatPercent,
  formatPrice,
  formatSigned,
  isNumber,
  parseTime,
  priceDecimals,
} from "./format.js";
import { el, reducedMotion } from "./dom.js";
import { createSparkline, drawSparkline } from "./sparkline.js";

const FLASH_MS = 700;
// Opacity only, on an overlay of its own: the compositor runs it, not the main thread.
const FLASH_FRAMES = [{ opacity: 1 }, { opacity: 0 }];
export const BADGES = {
  live: ["Live", "Receiving live updates"],
  stale: ["Stale", "The feed for this symbol is down; the value shown is old"],
  offline: ["No link", "Not connected to the server; the value shown may be old"],
  waiting: ["Waiting", "No value received yet"],
  unknown: ["Unknown", "The server does not know this symbol"],
  limit: ["Paused", "Not subscribed: more symbols than one connection may follow"],
};

/** Change and % change: the feed's own when given, else derived from the previous close. */
export function changeOf(rec) {
  const price = rec.price;
  let change = isNumber(rec.change) ? rec.change : null;
  if (change === null && isNumber(rec.prev_close) && isNumber(price)) change = price - rec.prev_close;
  let pct = isNumber(rec.change_pct) ? rec.change_pct : null;
  if (pct === null && change !== null && isNumber(rec.prev_close) && rec.prev_close !== 0) {
    pct = (change / rec.prev_close) * 100;
  }
  return { change, pct };
}

function button(action, label, glyph) {
  const b = el("button", `icon-btn act-${action}`, glyph);
  b.type = "button";
  b.tabIndex = -1;
  b.dataset.action = action;
  b.setAttribute("aria-label", label);
  b.title = label;
  return b;
}

export class Watchlist extends EventTarget {
  /** Emits "change" {symbols} when the list changes and "select" {symbol} to chart one. */
  constructor({ body, empty, store }) {
    super();
    this.body = body;
    this.empty = empty;
    this.store = store;
    this.symbols = [];
    this.rows = new Map();
    this.selected = null;
    this.focused = null;
    this.dragging = null;
    // Flashes are only worth their per-frame cost on rows someone can see.
    this.visible = new WeakSet();
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) this.visible.add(entry.target);
        else this.visible.delete(entry.target);
      }
    });
    body.addEventListener("click", (e) => this.onClick(e));
    body.addEventListener("keydown", (e) => this.onKey(e));
    body.addEventListener("focusin", (e) => {
      const row = e.target.closest(".wl-row");
      if (row) this.setFocused(row.dataset.symbol);
    });
    body.addEventListener("dragstart", (e) => this.onDragStart(e));
    body.addEventListener("dragover", (e) => this.onDragOver(e));
    body.addEventListener("drop", (e) => e.preventDefault());
    body.addEventListener("dragend", () => this.onDragEnd());
  }

  has(symbol) {
    return this.rows.has(symbol);
  }

  /** Show exactly `symbols`, in that order; rows already shown are kept and moved. */
  setSymbols(symbols) {
    const wanted = [...new Set(symbols)];
    for (const symbol of [...this.symbols]) if (!wanted.includes(symbol)) this.dropRow(symbol);
    this.symbols = [];
    for (const symbol of wanted) {
      const row = this.rows.get(symbol);
      if (!row) {
        this.addRow(symbol);
        continue;
      }
      this.symbols.push(symbol);
      this.body.appendChild(row.el);
    }
    this.afterChange();
  }

  add(symbol) {
    if (this.rows.has(symbol)) return false;
    this.addRow(symbol);
    this.afterChange();
    return true;
  }

  remove(symbol) {
    const index = this.symbols.indexOf(symbol);
    if (index < 0) return;
    const hadFocus = this.body.contains(document.activeElement) && this.focused === symbol;
    this.dropRow(symbol);
    this.afterChange();
    const next = this.symbols[Math.min(index, this.symbols.length - 1)];
    if (next) {
      this.setFocused(next);
      if (hadFocus) this.rows.get(next).el.focus();
    }
  }

  move(symbol, delta) {
    const from = this.symbols.indexOf(symbol);
    const to = from + delta;
    if (from < 0 || to < 0 || to >= this.symbols.length) return;
    this.moveTo(symbol, to);
  }

  moveTo(symbol, to) {
    const from = this.symbols.indexOf(symbol);
    if (from < 0 || from === to) return;
    this.symbols.splice(from, 1);
    this.symbols.splice(to, 0, symbol);
    const row = this.rows.get(symbol).el;
    const after = this.symbols[to + 1];
    this.body.insertBefore(row, after ? this.rows.get(after).el : null);
    this.afterChange();
  }

  setSelected(symbol) {
    if (this.selected && this.rows.has(this.selected)) {
      this.rows.get(this.selected).el.removeAttribute("aria-current");
    }
    this.selected = symbol;
    if (symbol && this.rows.has(symbol)) this.rows.get(symbol).el.setAttribute("aria-current", "true");
  }

  setFocused(symbol) {
    if (this.focused === symbol) return;
    if (this.focused && this.rows.has(this.focused)) this.rows.get(this.focused).el.tabIndex = -1;
    this.focused = symbol;
    if (symbol && this.rows.has(symbol)) this.rows.get(symbol).el.tabIndex = 0;
  }

  addRow(symbol) {
    const row = this.buildRow(symbol);
    this.rows.set(symbol, row);
    this.symbols.push(symbol);
    this.body.appendChild(row.el);
    this.observer.observe(row.el);
    if (!this.focused) this.setFocused(symbol);
    if (symbol === this.selected) row.el.setAttribute("aria-current", "true");
    this.renderRow(symbol);
  }

  dropRow(symbol) {
    const row = this.rows.get(symbol);
    if (!row) return;
    this.observer.unobserve(row.el);
    row.el.remove();
    this.rows.delete(symbol);
    this.symbols = this.symbols.filter((s) => s !== symbol);
    if (this.focused === symbol) this.focused = null;
  }

  afterChange() {
    this.empty.hidden = this.symbols.length > 0;
    if (!this.focused && this.symbols.length) this.setFocused(this.symbols[0]);
    this.dispatchEvent(new CustomEvent("change", { detail: { symbols: [...this.symbols] } }));
  }

  buildRow(symbol) {
    const row = el("div", "wl-row");
    row.setAttribute("role", "row");
    row.tabIndex = -1;
    row.dataset.symbol = symbol;
    row.setAttribute("aria-label", symbol);

    const grip = el("span", "grip", "⠿");
    grip.draggable = true;
    grip.title = "Drag to reorder (or Alt+↑/↓)";
    grip.setAttribute("aria-hidden", "true");
    const sym = el("span", "sym", symbol);
    const name = el("span", "name");
    const tick = el("span", "tick");
    tick.setAttribute("aria-hidden", "true");
    const price = el("span", "px", "—");
    const flash = el("span", "flash");
    flash.setAttribute("aria-hidden", "true");
    const change = el("span", "", "—");
    const pct = el("span", "", "—");
    const spark = createSparkline();
    const time = el("span", "", "—");
    const badge = el("span", "badge");

    const cells = [
      ["c-grip", [grip]],
      ["c-sym", [sym, name]],
      ["c-price num", [flash, tick, price]],
      ["c-chg num", [change]],
      ["c-pct num", [pct]],
      ["c-spark", [spark]],
      ["c-time num", [time]],
      ["c-state", [badge]],
      [
        "c-act",
        [
          button("up", `Move ${symbol} up`, "↑"),
          button("down", `Move ${symbol} down`, "↓"),
          button("remove", `Remove ${symbol}`, "✕"),
        ],
      ],
    ];
    const refs = {};
    for (const [cls, children] of cells) {
      const cell = el("div", `c ${cls}`);
      cell.setAttribute("role", "cell");
      cell.append(...children);
      row.appendChild(cell);
      refs[cls.split(" ")[0]] = cell;
    }
    return {
      el: row,
      name,
      tick,
      price,
      priceCell: refs["c-price"],
      flash,
      change,
      changeCell: refs["c-chg"],
      pct,
      pctCell: refs["c-pct"],
      spark,
      time,
      badge,
      shown: {},
      anim: null,
    };
  }

  /** Write the dirty rows; `all` after page-wide changes (connection, catalog). */
  render(dirty, all) {
    if (all) {
      for (const symbol of this.symbols) this.renderRow(symbol);
      return;
    }
    for (const symbol of dirty) if (this.rows.has(symbol)) this.renderRow(symbol);
  }

  renderRow(symbol) {
    const row = this.rows.get(symbol);
    const shown = row.shown;
    const store = this.store;
    const rec = store.records.get(symbol);

    const name = store.name(symbol);
    if (shown.name !== name) {
      row.name.textContent = name;
      row.name.title = name;
      shown.name = name;
    }

    const fresh = store.freshness(symbol);
    if (shown.fresh !== fresh) {
      row.el.dataset.fresh = fresh;
      row.badge.textContent = BADGES[fresh][0];
      row.badge.title = BADGES[fresh][1];
      row.badge.className = `badge badge-${fresh}`;
      shown.fresh = fresh;
    }

    const points = store.spark.get(symbol) || [];
    const sparkKey = points.length ? `${points.length}:${points[0].seq}:${points[points.length - 1].seq}` : "";
    if (shown.sparkKey !== sparkKey) {
      drawSparkline(
        row.spark,
        points.map((p) => p.value),
      );
      shown.sparkKey = sparkKey;
    }

    if (!rec || rec.kind !== "quote" || shown.seq === rec.seq) return;
    shown.seq = rec.seq;

    const price = rec.price;
    const decimals = priceDecimals(price);
    const text = formatPrice(price, decimals);
    if (shown.priceText !== text) {
      const moved = isNumber(shown.price) && isNumber(price) ? direction(price - shown.price) : "";
      row.price.textContent = text;
      shown.priceText = text;
      if (moved === "up" || moved === "down") {
        row.priceCell.dataset.tick = moved;
        row.tick.textContent = moved === "up" ? "▲" : "▼";
        this.flash(row, moved);
      }
    }
    shown.price = price;

    const { change, pct } = changeOf(rec);
    const changeText = formatSigned(change, decimals);
    if (shown.changeText !== changeText) {
      row.change.textContent = changeText;
      row.changeCell.dataset.dir = direction(change);
      shown.changeText = changeText;
    }
    const pctText = formatPercent(pct);
    if (shown.pctText !== pctText) {
      row.pct.textContent = pctText;
      row.pctCell.dataset.dir = direction(pct ?? change);
      shown.pctText = pctText;
    }

    const timeText = formatClock(parseTime(rec.ts));
    if (shown.timeText !== timeText) {
      row.time.textContent = timeText;
      row.time.title = rec.ts;
      shown.timeText = timeText;
    }
  }

  flash(row, dir) {
    if (reducedMotion.matches || !this.visible.has(row.el)) return;
    if (row.anim) row.anim.cancel();
    row.flash.dataset.dir = dir;
    row.anim = row.flash.animate(FLASH_FRAMES, { duration: FLASH_MS, easing: "ease-out" });
  }

  onClick(e) {
    const row = e.target.closest(".wl-row");
    if (!row) return;
    const symbol = row.dataset.symbol;
    const action = e.target.closest("button")?.dataset.action;
    if (action === "remove") this.remove(symbol);
    else if (action === "up") this.move(symbol, -1);
    else if (action === "down") this.move(symbol, 1);
    else this.select(symbol);
  }

  select(symbol) {
    this.dispatchEvent(new CustomEvent("select", { detail: { symbol } }));
  }

  focusRow(index) {
    const symbol = this.symbols[Math.max(0, Math.min(index, this.symbols.length - 1))];
    if (!symbol) return;
    this.setFocused(symbol);
    this.rows.get(symbol).el.focus();
  }

  onKey(e) {
    const row = e.target.closest(".wl-row");
    if (!row || e.target.closest("button")) return;
    const symbol = row.dataset.symbol;
    const index = this.symbols.indexOf(symbol);
    let handled = true;
    if (e.altKey && e.key === "ArrowUp") {
      this.move(symbol, -1);
      row.focus();
    } else if (e.altKey && e.key === "ArrowDown") {
      this.move(symbol, 1);
      row.focus();
    } else if (e.key === "ArrowUp") this.focusRow(index - 1);
    else if (e.key === "ArrowDown") this.focusRow(index + 1);
    else if (e.key === "Home") this.focusRow(0);
    else if (e.key === "End") this.focusRow(this.symbols.length - 1);
    else if (e.key === "Enter" || e.key === " ") this.select(symbol);
    else if (e.key === "Delete" || e.key === "Backspace") this.remove(symbol);
    else handled = false;
    if (handled) e.preventDefault();
  }

  onDragStart(e) {
    const row = e.target.closest?.(".wl-row");
    if (!row) return;
    this.dragging = row.dataset.symbol;
    row.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", this.dragging);
  }

  onDragOver(e) {
    if (!this.dragging) return;
    e.preventDefault();
    const over = e.target.closest?.(".wl-row");
    if (!over || over.dataset.symbol === this.dragging) return;
    const box = over.getBoundingClientRect();
    let to = this.symbols.indexOf(over.dataset.symbol);
    const from = this.symbols.indexOf(this.dragging);
    const lowerHalf = e.clientY > box.top + box.height / 2;
    if (from < to && !lowerHalf) to -= 1;
    if (from > to && lowerHalf) to += 1;
    this.moveTo(this.dragging, to);
  }

  onDragEnd() {
    if (this.dragging && this.rows.has(this.dragging)) {
      this.rows.get(this.dragging).el.classList.remove("dragging");
    }
    this.dragging = null;
  }
}
