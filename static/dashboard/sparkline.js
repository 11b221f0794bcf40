// A sparkline as an SVG polyline in a fixed viewBox: drawing it only sets attributes,
// so it never reads layout and scales with its cell through CSS.

const SVG_NS = "http://www.w3.org/2000/svg";
const SPARK_W = 100;
const SPARK_H = 28;
const PAD = 2;

export function createSparkline() {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${SPARK_W} ${SPARK_H}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true");
  svg.classList.add("spark");
  const line = document.createElementNS(SVG_NS, "polyline");
  line.setAttribute("vector-effect", "non-scaling-stroke");
  svg.appendChild(line);
  return svg;
}

/** `points` string for values spread evenly across the width; "" for fewer than two. */
export function sparkPoints(values) {
  const n = values.length;
  if (n < 2) return "";
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min || 1;
  const flat = max === min;
  const step = SPARK_W / (n - 1);
  const usable = SPARK_H - 2 * PAD;
  let out = "";
  for (let i = 0; i < n; i++) {
    const y = flat ? SPARK_H / 2 : PAD + usable - ((values[i] - min) / span) * usable;
    out += `${(i * step).toFixed(1)},${y.toFixed(1)} `;
  }
  return out;
}

export function drawSparkline(svg, values) {
  const line = svg.firstChild;
  line.setAttribute("points", sparkPoints(values));
  const trend = values.length < 2 ? "" : values[values.length - 1] >= values[0] ? "up" : "down";
  svg.dataset.trend = trend;
}
