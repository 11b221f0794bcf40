// The connection indicator and the banner that says prices are not current while the
// link is down. Shows the retry countdown and offers "Retry now".

const LABELS = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting",
  offline: "Offline",
};

const OFFLINE_REASONS = {
  network: "No network connection. Values shown are not current.",
  forbidden: "The server refused this session (sign in required). Values shown are not current.",
};

export class ConnectionStatus {
  constructor({ pill, label, countdown, banner, bannerText, retry, onRetry }) {
    this.pill = pill;
    this.label = label;
    this.countdown = countdown;
    this.banner = banner;
    this.bannerText = bannerText;
    this.retry = retry;
    this.state = null;
    this.retryAt = 0;
    this.ticker = null;
    retry.addEventListener("click", () => onRetry());
  }

  show({ state, reason, retryAt }) {
    this.state = state;
    this.reason = reason;
    this.retryAt = state === "reconnecting" ? retryAt : 0;
    this.pill.dataset.state = state;
    this.pill.title = reason || LABELS[state];
    clearInterval(this.ticker);
    this.ticker = null;
    if (state === "reconnecting") this.ticker = setInterval(() => this.paint(), 1000);
    this.paint();
  }

  paint() {
    const { state } = this;
    // The state is announced once; the countdown beside it is for the eye only.
    const text = LABELS[state] || state;
    if (this.label.textContent !== text) this.label.textContent = text;
    const wait = Math.ceil((this.retryAt - Date.now()) / 1000);
    const countdown = state === "reconnecting" && wait >= 1 && this.reason !== "connecting" ? `in ${wait}s` : "";
    if (this.countdown.textContent !== countdown) this.countdown.textContent = countdown;

    const down = state === "reconnecting" || state === "offline";
    this.banner.hidden = !down;
    this.retry.hidden = !down;
    if (down) {
      const why = OFFLINE_REASONS[this.reason];
      const detail = this.reason && !/^(connection lost|connecting)$/.test(this.reason) ? ` (${this.reason})` : "";
      const msg = state === "offline" && why ? why : `Connection lost${detail}. Values shown are not current.`;
      if (this.bannerText.textContent !== msg) this.bannerText.textContent = msg;
    }
  }
}
