// The "add symbol" search: an ARIA combobox over the catalog from /api/symbols.
// Typing filters by symbol then name; Up/Down choose, Enter adds, Escape closes.

import { el } from "./dom.js";

const MAX_OPTIONS = 50;

/** Catalog entries of `kind` matching `query`, best first: symbol prefix, symbol, name. */
export function searchCatalog(entries, query, kind, exclude) {
  const q = query.trim().toUpperCase();
  const ranked = [];
  for (const entry of entries) {
    if (entry.kind !== kind || exclude(entry.symbol)) continue;
    let rank;
    if (!q) rank = 0;
    else if (entry.symbol.startsWith(q)) rank = 0;
    else if (entry.symbol.includes(q)) rank = 1;
    else if ((entry.name || "").toUpperCase().includes(q)) rank = 2;
    else continue;
    ranked.push([rank, entry]);
  }
  ranked.sort((a, b) => a[0] - b[0] || a[1].symbol.localeCompare(b[1].symbol));
  return ranked.slice(0, MAX_OPTIONS).map(([, entry]) => entry);
}

export class CatalogPicker extends EventTarget {
  /** Emits "pick" {symbol}. `exclude(symbol)` hides symbols already on the list. */
  constructor({ input, listbox, store, exclude }) {
    super();
    this.input = input;
    this.listbox = listbox;
    this.store = store;
    this.exclude = exclude;
    this.options = [];
    this.active = -1;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    listbox.setAttribute("role", "listbox");
    input.addEventListener("input", () => this.open());
    input.addEventListener("focus", () => this.open());
    input.addEventListener("blur", () => this.close());
    input.addEventListener("keydown", (e) => this.onKey(e));
    listbox.addEventListener("mousedown", (e) => e.preventDefault()); // keep focus in the input
    listbox.addEventListener("click", (e) => {
      const li = e.target.closest("[role=option]");
      if (li && li.dataset.symbol) this.pick(li.dataset.symbol);
    });
  }

  open() {
    this.options = searchCatalog(this.store.catalog.values(), this.input.value, "quote", this.exclude);
    this.active = this.options.length && this.input.value.trim() ? 0 : -1;
    this.renderOptions();
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  }

  close() {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  }

  renderOptions() {
    const frag = document.createDocumentFragment();
    if (this.store.catalog.size === 0) {
      frag.appendChild(this.note("Loading the catalog…"));
    } else if (this.options.length === 0) {
      frag.appendChild(this.note("No matching symbols"));
    }
    this.options.forEach((entry) => {
      const li = el("li");
      li.setAttribute("role", "option");
      li.id = `opt-${entry.symbol}`;
      li.dataset.symbol = entry.symbol;
      const stale = entry.state === "stale";
      li.append(
        el("span", "opt-sym", entry.symbol),
        el("span", "opt-name", entry.name || ""),
        el("span", `opt-feed${stale ? " is-stale" : ""}`, stale ? `${entry.feed || ""} · stale` : entry.feed || ""),
      );
      frag.appendChild(li);
    });
    this.listbox.replaceChildren(frag);
    this.showActive(); // marks the active option (aria-selected)
  }

  note(text) {
    const li = el("li", "opt-note", text);
    li.setAttribute("role", "option");
    li.setAttribute("aria-disabled", "true");
    return li;
  }

  showActive() {
    const items = this.listbox.querySelectorAll("[role=option][data-symbol]");
    items.forEach((li, i) => li.setAttribute("aria-selected", String(i === this.active)));
    const current = items[this.active];
    if (current) {
      this.input.setAttribute("aria-activedescendant", current.id);
      current.scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  }

  onKey(e) {
    const n = this.options.length;
    if (e.key === "ArrowDown") {
      if (this.listbox.hidden) this.open();
      this.active = n ? (this.active + 1) % n : -1;
      this.showActive();
    } else if (e.key === "ArrowUp") {
      this.active = n ? (this.active - 1 + n) % n : -1;
      this.showActive();
    } else if (e.key === "Enter") {
      const exact = this.options.find((o) => o.symbol === this.input.value.trim().toUpperCase());
      const entry = this.options[this.active] || exact;
      if (entry) this.pick(entry.symbol);
    } else if (e.key === "Escape") {
      if (this.listbox.hidden) this.input.value = "";
      this.close();
    } else {
      return;
    }
    e.preventDefault();
  }

  /** Closes the list after a pick: left open, it would cover the rows being watched. */
  pick(symbol) {
    this.dispatchEvent(new CustomEvent("pick", { detail: { symbol } }));
    this.input.value = "";
    this.close();
  }
}
