// The WebSocket to /ws/ticker/: connect, keep the server's subscriptions equal to the
// wanted set, notice a dead link, and reconnect with exponential backoff and jitter.
//
// States: "connecting" (first attempt), "live" (open and the subscription answered),
// "reconnecting" (lost; a retry is scheduled or under way), "offline" (the browser has no
// network, or the server refused us with 4003 and retrying would not help).
//
// Events: "state" {state, reason, retryAt}, "message" (server frames for the app),
// "server-error" {code, message, symbols}, "live" {resumed}.

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
const STABLE_MS = 10_000; // a link this old is healthy: the backoff starts over after it
const PING_AFTER_MS = 20_000;
const DEAD_AFTER_MS = 45_000;
const ANSWER_WITHIN_MS = 15_000;
const PROBE_MS = 4000;

const MAX_FRAME_CHARS = 3500; // the server refuses client frames over 4096 bytes
const MAX_PER_REQUEST = 100;

const CLOSE_FORBIDDEN = 4003;
const CLOSE_POLICY = 1008;
const CLOSE_GOING_AWAY = 1001;
const CLOSE_RESTART = 1012;

/** Delay before retry number `attempt` (0-based): doubling, capped, half of it random. */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(attempt, 16));
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * Split a subscribe into requests that each stay under the server's frame limit:
 * `[{symbols, since}]`. Symbols are ASCII, so characters are bytes.
 */
export function chunkSubscribe(symbols, since, maxChars = MAX_FRAME_CHARS) {
  const chunks = [];
  let current = { symbols: [], since: {} };
  let size = 80; // {"action":"subscribe","symbols":[],"since":{},"id":123456}
  for (const symbol of symbols) {
    const seq = since[symbol];
    const cost = symbol.length + 3 + (seq === undefined ? 0 : symbol.length + String(seq).length + 4);
    if (current.symbols.length && (size + cost > maxChars || current.symbols.length >= MAX_PER_REQUEST)) {
      chunks.push(current);
      current = { symbols: [], since: {} };
      size = 80;
    }
    current.symbols.push(symbol);
    if (seq !== undefined) current.since[symbol] = seq;
    size += cost;
  }
  if (current.symbols.length) chunks.push(current);
  return chunks;
}

export class TickerConnection extends EventTarget {
  constructor({ url, since }) {
    super();
    this.url = url;
    this.sinceFor = since;
    this.desired = new Set();
    this.sent = new Set();
    this.pending = new Map(); // request id -> {action, symbols}
    this.awaiting = new Set(); // ids of the resubscribe requests not answered yet
    this.ws = null;
    this.epoch = 0;
    this.state = "connecting";
    this.attempt = 0;
    this.timer = null;
    this.retryAt = 0;
    this.nextId = 1;
    this.lastRx = 0;
    this.liveSince = 0;
    this.everLive = false;
    this.plannedRestart = false;
    this.syncQueued = false;
  }

  start() {
    window.addEventListener("online", () => this.retryNow());
    window.addEventListener("offline", () => (this.isOpen() ? this.probe() : this.goOffline("network")));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.timer && this.retryAt - Date.now() > 2000) {
        this.schedule(Math.random() * 1000, "reconnecting");
      }
    });
    setInterval(() => this.watchdog(), 5000);
    this.connect();
  }

  isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Make the server's subscriptions equal to `symbols` (sent at the end of this task). */
  setDesired(symbols) {
    this.desired = new Set(symbols);
    if (this.syncQueued) return;
    this.syncQueued = true;
    queueMicrotask(() => {
      this.syncQueued = false;
      this.sync();
    });
  }

  /** The browser says the network went away: a link that cannot answer a ping soon is lost. */
  probe() {
    const ws = this.ws;
    const sentAt = Date.now();
    this.send({ action: "ping" });
    setTimeout(() => {
      if (this.ws === ws && !(this.lastPong >= sentAt)) this.lost(0, "network offline");
    }, PROBE_MS);
  }

  retryNow() {
    if (this.ws) return;
    this.attempt = 0;
    this.connect();
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.ws) return;
    this.setState(this.everLive ? "reconnecting" : "connecting", "connecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.lost(0, String(err));
      return;
    }
    this.ws = ws;
    this.epoch += 1;
    this.connectStartedAt = Date.now();
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.lastRx = Date.now();
      this.resubscribe();
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.lastRx = Date.now();
      this.receive(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws === ws) this.lost(ev.code, ev.reason);
    };
  }

  send(message) {
    if (!this.isOpen()) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  request(action, symbols, extra = {}) {
    const id = this.nextId++;
    this.pending.set(id, { action, symbols });
    this.send({ action, symbols, id, ...extra });
    return id;
  }

  /** On a fresh socket: ask for everything, with `since` so only moved values come. */
  resubscribe() {
    const symbols = [...this.desired];
    this.sent = new Set(symbols);
    this.awaiting = new Set(this.subscribe(symbols));
    this.resubscribed = true;
    if (this.awaiting.size === 0) this.setLive();
  }

  subscribe(symbols) {
    return chunkSubscribe(symbols, this.sinceFor(symbols)).map((chunk) =>
      this.request("subscribe", chunk.symbols, { since: chunk.since }),
    );
  }

  sync() {
    if (!this.isOpen() || !this.resubscribed) return;
    const adds = [...this.desired].filter((s) => !this.sent.has(s));
    const removes = [...this.sent].filter((s) => !this.desired.has(s));
    if (removes.length) {
      removes.forEach((s) => this.sent.delete(s));
      for (const chunk of chunkSubscribe(removes, {})) this.request("unsubscribe", chunk.symbols);
    }
    if (adds.length) {
      adds.forEach((s) => this.sent.add(s));
      this.subscribe(adds);
    }
  }

  receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (!msg || typeof msg !== "object") return;
    const req = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
    if (req) this.pending.delete(msg.id);
    switch (msg.type) {
      case "pong":
        this.lastPong = Date.now();
        return;
      case "heartbeat":
        return;
      case "shutdown":
        this.plannedRestart = msg.reconnect !== false;
        this.setState("reconnecting", "server restarting");
        return;
      case "subscribed":
        this.answered(msg.id);
        break;
      case "error":
        this.answered(msg.id);
        if (req && req.action === "subscribe") {
          // The request was refused whole: none of its symbols is subscribed.
          req.symbols.forEach((s) => this.sent.delete(s));
          if (msg.code === "rate_limited") setTimeout(() => this.sync(), 2000 + Math.random() * 2000);
        }
        this.dispatchEvent(
          new CustomEvent("server-error", {
            detail: { code: msg.code, message: msg.message, symbols: req ? req.symbols : [] },
          }),
        );
        return;
      default:
        break;
    }
    this.dispatchEvent(new CustomEvent("message", { detail: msg }));
  }

  answered(id) {
    if (this.awaiting.delete(id) && this.awaiting.size === 0) this.setLive();
  }

  setLive() {
    if (this.state === "live") return;
    const resumed = this.everLive;
    this.everLive = true;
    this.liveSince = Date.now();
    this.setState("live", "");
    this.dispatchEvent(new CustomEvent("live", { detail: { resumed } }));
  }

  lost(code, reason) {
    const ws = this.ws;
    this.ws = null;
    this.resubscribed = false;
    this.awaiting.clear();
    this.sent.clear();
    this.pending.clear();
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
        try {
          ws.close(4000, "client gave up");
        } catch {
          /* already closing */
        }
      }
    }
    if (this.liveSince && Date.now() - this.liveSince > STABLE_MS) this.attempt = 0;
    this.liveSince = 0;
    if (code === CLOSE_FORBIDDEN) {
      this.goOffline("forbidden");
      return;
    }
    if (!navigator.onLine) {
      this.goOffline("network");
      return;
    }
    let delay;
    if (this.plannedRestart || code === CLOSE_GOING_AWAY || code === CLOSE_RESTART) {
      this.plannedRestart = false;
      delay = 250 + Math.random() * 1500; // spread the herd of clients over the restart
    } else {
      if (code === CLOSE_POLICY) this.attempt = Math.max(this.attempt, 4);
      delay = backoffDelay(this.attempt);
      this.attempt += 1;
    }
    this.schedule(delay, describeClose(code, reason));
  }

  schedule(delay, reason) {
    clearTimeout(this.timer);
    this.retryAt = Date.now() + delay;
    this.timer = setTimeout(() => this.connect(), delay);
    this.setState("reconnecting", reason);
  }

  goOffline(reason) {
    clearTimeout(this.timer);
    this.timer = null;
    this.retryAt = 0;
    this.setState("offline", reason);
  }

  watchdog() {
    if (!this.ws) return;
    const now = Date.now();
    const waiting = this.awaiting.size > 0;
    if (this.ws.readyState === WebSocket.CONNECTING && now - this.connectStartedAt > ANSWER_WITHIN_MS) {
      this.lost(0, "connect timed out");
    } else if (!this.isOpen()) {
      return;
    } else if (now - this.lastRx > DEAD_AFTER_MS || (waiting && now - this.lastRx > ANSWER_WITHIN_MS)) {
      this.lost(0, "no answer from server");
    } else if (now - this.lastRx > PING_AFTER_MS) {
      this.send({ action: "ping" });
    }
  }

  setState(state, reason) {
    if (state === this.state && reason === this.reason) return;
    this.state = state;
    this.reason = reason;
    this.dispatchEvent(
      new CustomEvent("state", { detail: { state, reason, retryAt: this.retryAt } }),
    );
  }
}

function describeClose(code, reason) {
  if (code === CLOSE_POLICY) return "too many messages; backing off";
  if (code === 4001) return "connection too slow; resyncing";
  if (reason) return reason;
  return "connection lost";
}
