// A signed-in viewer's watchlist, kept on the server as well as in this browser, so it
// follows the user to another browser or device. Edits are saved after a short pause;
// a save that fails for want of a link is retried with backoff until it lands. States:
// loading, saving, saved, retrying, refused (the server said no for a reason that a
// retry would meet again), signed-out (the session ended: nothing more can be saved).

import { fetchWatchlist, putWatchlist } from "./api.js";
import { backoffDelay } from "./connection.js";

const SAVE_DELAY_MS = 400;

export function sameList(a, b) {
  return a.length === b.length && a.every((symbol, i) => symbol === b[i]);
}

export class WatchlistSync extends EventTarget {
  /** `csrfToken()` is asked at each save: the token rotates when the user signs in again. */
  constructor({ csrfToken, base = "/api/", saveDelayMs = SAVE_DELAY_MS }) {
    super();
    this.csrfToken = csrfToken;
    this.base = base;
    this.saveDelayMs = saveDelayMs;
    this.server = null; // the list the server is known to hold
    this.pending = null; // an edit not yet sent
    this.saving = false;
    this.attempt = 0;
    this.timer = null;
    this.state = "loading";
  }

  /** Edits here that the server has not confirmed: a server copy must not replace them. */
  get dirty() {
    return this.pending !== null || this.saving;
  }

  /** The server's list, or `null` when it has none yet. Throws `ApiError`. */
  async load() {
    const list = await fetchWatchlist(this.base);
    if (!this.dirty) {
      this.server = list;
      if (list !== null) this.setState("saved");
    }
    return list;
  }

  /** Save `symbols` soon, unless the server already holds exactly them. */
  save(symbols) {
    if (!this.dirty && this.server && sameList(symbols, this.server)) return;
    this.pending = [...symbols];
    this.setState("saving");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.saveDelayMs);
  }

  async flush() {
    if (this.saving || this.pending === null) return;
    const symbols = this.pending;
    this.pending = null;
    this.saving = true;
    try {
      await putWatchlist(symbols, this.csrfToken(), this.base);
      this.saving = false;
      this.server = symbols;
      this.attempt = 0;
      if (this.pending) this.flush();
      else this.setState("saved");
    } catch (err) {
      this.saving = false;
      if (err.status === 403 && err.code === "forbidden") {
        this.pending ??= symbols; // saved with the next edit once signed in again
        this.setState("signed-out", err.message);
      } else if (err.status >= 400 && err.status < 500) {
        this.setState("refused", err.message);
      } else {
        this.pending ??= symbols; // a newer edit, if any, supersedes this one
        const wait = backoffDelay(this.attempt++);
        this.setState("retrying", err.message, Date.now() + wait);
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.flush(), wait);
      }
    }
  }

  setState(state, message = "", retryAt = 0) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, message, retryAt } }));
  }
}
