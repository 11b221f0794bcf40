// The scoreboard: one card per game, grouped by league; live games first, then
// scheduled, then final. A side whose score went up is highlighted for a few seconds.

import { el, reducedMotion } from "./dom.js";
import { formatStart, parseTime } from "./format.js";

const SCORED_MS = 4000;
const STATUS_ORDER = { in: 0, pre: 1, post: 2 };
const STATUS_TEXT = { in: "Live", pre: "Scheduled", post: "Final" };
const FRESH_TEXT = {
  stale: "Stale — feed down",
  offline: "No link",
  waiting: "Waiting for data",
  unknown: "Unknown game",
  limit: "Paused — too many symbols",
};
const QUARTERS = new Set(["NBA", "WNBA", "NFL", "NCAAF", "NCAAM", "NCAAW"]);
const HALVES = new Set(["PREM", "EPL", "MLS", "LALIGA", "BUND", "SERIEA", "LIGUE1", "UCL", "SOCCER"]);

/** How a league names its periods: Q3 / OT, 2H, P2 (hockey and anything else). */
function periodLabel(league, period) {
  if (QUARTERS.has(league)) return period > 4 ? (period === 5 ? "OT" : `${period - 4}OT`) : `Q${period}`;
  if (HALVES.has(league)) return period <= 2 ? `${period}H` : period <= 4 ? `ET${period - 2}` : "Pens";
  if (league === "MLB") return `Inning ${period}`;
  return `P${period}`;
}

/** "Q3 · 04:12", "2H · 67'" and the like from a live game's period and clock. */
export function periodText(rec) {
  const parts = [];
  const atBreak = typeof rec.clock === "string" && /^0+([:.]0+)?$/.test(rec.clock.trim());
  if (Number.isInteger(rec.period) && rec.period > 0) {
    const label = periodLabel((rec.league || "").toUpperCase(), rec.period);
    parts.push(atBreak ? `End of ${label}` : label);
  }
  if (rec.clock && !atBreak) parts.push(rec.clock);
  return parts.join(" · ");
}

export class Scoreboard {
  constructor({ root, empty, store }) {
    this.root = root;
    this.empty = empty;
    this.store = store;
    this.cards = new Map(); // symbol -> card refs
    this.leagues = new Map(); // league -> {section, grid}
    this.symbols = [];
  }

  /** The games to show: every score symbol of the catalog. */
  setSymbols(symbols) {
    for (const [symbol, card] of this.cards) {
      if (!symbols.includes(symbol)) {
        card.el.remove();
        this.cards.delete(symbol);
      }
    }
    this.symbols = [...symbols];
    for (const symbol of symbols) if (!this.cards.has(symbol)) this.cards.set(symbol, this.buildCard(symbol));
    this.render(new Set(), true);
  }

  buildCard(symbol) {
    const card = el("article", "game");
    card.dataset.symbol = symbol;
    card.tabIndex = 0;
    const head = el("header", "game-head");
    const status = el("span", "game-status");
    const detail = el("span", "game-detail");
    const fresh = el("span", "badge");
    head.append(status, detail, fresh);
    const away = this.buildSide("away");
    const home = this.buildSide("home");
    const title = el("div", "game-name");
    card.append(head, away.el, home.el, title);
    return { el: card, status, detail, fresh, away, home, title, shown: {}, league: null };
  }

  buildSide(side) {
    const row = el("div", `team team-${side}`);
    const name = el("span", "team-name", "—");
    const where = el("span", "team-where", side === "home" ? "home" : "away");
    const score = el("span", "team-score num", "–");
    row.append(name, where, score);
    return { el: row, name, score, anim: null };
  }

  leagueGrid(league) {
    let group = this.leagues.get(league);
    if (!group) {
      const section = el("section", "league");
      const heading = el("h2", "league-name", league);
      const grid = el("div", "league-grid");
      section.append(heading, grid);
      group = { section, grid };
      this.leagues.set(league, group);
      const names = [...this.leagues.keys()].sort((a, b) => a.localeCompare(b));
      const next = names[names.indexOf(league) + 1];
      this.root.insertBefore(section, next ? this.leagues.get(next).section : null);
    }
    return group.grid;
  }

  render(dirty, all) {
    const symbols = all ? this.symbols : [...dirty].filter((s) => this.cards.has(s));
    const regroup = new Set();
    for (const symbol of symbols) {
      const league = this.renderCard(symbol);
      if (league) regroup.add(league);
    }
    for (const league of regroup) this.sortLeague(league);
    if (regroup.size) this.dropEmptyLeagues();
    this.empty.hidden = this.cards.size > 0;
  }

  /** Writes one card; returns its league when the card's place in the order may have changed. */
  renderCard(symbol) {
    const card = this.cards.get(symbol);
    const shown = card.shown;
    const rec = this.store.records.get(symbol);
    const fresh = this.store.freshness(symbol);
    if (shown.fresh !== fresh) {
      card.el.dataset.fresh = fresh;
      card.fresh.textContent = FRESH_TEXT[fresh] || "";
      card.fresh.className = fresh === "live" ? "badge" : `badge badge-${fresh}`;
      shown.fresh = fresh;
    }
    const league = (rec && rec.league) || this.store.entry(symbol)?.feed || "Games";
    let moved = false;
    if (card.league !== league) {
      card.league = league;
      this.leagueGrid(league).appendChild(card.el);
      moved = true;
    }
    if (!rec || rec.kind !== "score" || shown.seq === rec.seq) {
      if (!rec) card.title.textContent = this.store.name(symbol) || symbol;
      return moved ? league : null;
    }
    shown.seq = rec.seq;

    if (shown.status !== rec.status) {
      card.el.dataset.status = rec.status;
      card.status.textContent = STATUS_TEXT[rec.status] || rec.status;
      shown.status = rec.status;
      moved = true;
    }
    let detail = "";
    if (rec.status === "in") detail = periodText(rec);
    else if (rec.status === "pre") detail = formatStart(rec.start);
    card.detail.textContent = detail;
    card.title.textContent = rec.name || this.store.name(symbol) || "";

    this.renderSide(card, "away", rec.away, rec.away_score, rec.status);
    this.renderSide(card, "home", rec.home, rec.home_score, rec.status);
    const lead = rec.home_score === rec.away_score ? "" : rec.home_score > rec.away_score ? "home" : "away";
    card.el.dataset.lead = rec.status === "pre" ? "" : lead;
    card.el.setAttribute(
      "aria-label",
      `${rec.away} ${rec.away_score}, ${rec.home} ${rec.home_score}, ${STATUS_TEXT[rec.status] || ""} ${detail}`,
    );
    return moved ? league : null;
  }

  renderSide(card, side, team, score, status) {
    const ref = card[side];
    const shownKey = `${side}Score`;
    const before = card.shown[shownKey];
    if (card.shown[`${side}Team`] !== team) {
      ref.name.textContent = team || "—";
      card.shown[`${side}Team`] = team;
    }
    const text = status === "pre" ? "–" : String(score);
    if (ref.score.textContent !== text) ref.score.textContent = text;
    if (Number.isInteger(before) && Number.isInteger(score) && score > before) this.scored(ref);
    card.shown[shownKey] = score;
  }

  scored(ref) {
    ref.el.classList.add("scored");
    clearTimeout(ref.timer);
    ref.timer = setTimeout(() => ref.el.classList.remove("scored"), SCORED_MS);
    if (reducedMotion.matches || typeof ref.el.animate !== "function") return;
    if (ref.anim) ref.anim.cancel();
    ref.anim = ref.el.animate(
      [{ backgroundColor: "rgba(250, 204, 21, 0.28)" }, { backgroundColor: "rgba(250, 204, 21, 0)" }],
      { duration: SCORED_MS, easing: "ease-out" },
    );
  }

  sortLeague(league) {
    const grid = this.leagues.get(league)?.grid;
    if (!grid) return;
    const cards = [...grid.children];
    const key = (node) => {
      const rec = this.store.records.get(node.dataset.symbol);
      const order = rec ? (STATUS_ORDER[rec.status] ?? 3) : 4;
      const start = rec && rec.status === "pre" ? parseTime(rec.start) || 0 : 0;
      return [order, start, node.dataset.symbol];
    };
    const sorted = cards
      .map((node) => [key(node), node])
      .sort(([a], [b]) => a[0] - b[0] || a[1] - b[1] || a[2].localeCompare(b[2]));
    if (sorted.every(([, node], i) => node === cards[i])) return;
    for (const [, node] of sorted) grid.appendChild(node);
  }

  dropEmptyLeagues() {
    for (const [name, group] of this.leagues) {
      if (!group.grid.children.length) {
        group.section.remove();
        this.leagues.delete(name);
      }
    }
  }
}
