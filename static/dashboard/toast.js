// Short, polite notices (server errors, failed requests). Repeats of the same text are
// merged so a burst of identical errors shows once.

const SHOW_MS = 6000;
const MAX_TOASTS = 4;

export class Toasts {
  constructor(region) {
    this.region = region;
    this.live = new Map(); // text -> element
  }

  show(text, kind = "error") {
    const existing = this.live.get(text);
    if (existing) {
      clearTimeout(existing.timer);
      existing.timer = setTimeout(() => this.dismiss(text), SHOW_MS);
      return;
    }
    const node = document.createElement("div");
    node.className = `toast toast-${kind}`;
    node.setAttribute("role", kind === "error" ? "alert" : "status");
    node.textContent = text;
    node.timer = setTimeout(() => this.dismiss(text), SHOW_MS);
    this.region.appendChild(node);
    this.live.set(text, node);
    while (this.live.size > MAX_TOASTS) this.dismiss(this.live.keys().next().value);
  }

  dismiss(text) {
    const node = this.live.get(text);
    if (!node) return;
    clearTimeout(node.timer);
    node.remove();
    this.live.delete(text);
  }
}
