"""The preference page: one self-contained HTML document (no network access, no external files).

It shows the two candidates side by side (metrics with units and a bar locating each value in the
pool's range, the Pareto front they are on, the NAS-Bench-201 cell drawn as a graph, sample
predictions when the session has them, the learned score once there is one), a scatter of the pool
with both candidates marked, and three answers: A, no preference, B (keys: left arrow or ``a``,
down arrow or ``n``, right arrow or ``b``). Every answer is posted at once; the server journals it
before it answers.
"""
from __future__ import annotations

import html

_PAGE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="lamoo-token" content="__TOKEN__">
<title>lamoo · which network do you prefer?</title>
<style>
:root { --a: #1f6feb; --b: #d9480f; --ink: #1f2328; --muted: #656d76; --line: #d0d7de; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; justify-content: space-between; align-items: baseline; padding: 14px 24px; background: #fff; border-bottom: 1px solid var(--line); }
header h1 { font-size: 18px; margin: 0; }
header .progress { color: var(--muted); }
main { max-width: 1180px; margin: 0 auto; padding: 18px 24px 40px; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
.card { background: #fff; border: 2px solid var(--line); border-radius: 10px; padding: 14px 16px; }
.card.a { border-color: var(--a); } .card.b { border-color: var(--b); }
.card h2 { margin: 0 0 2px; font-size: 17px; }
.card.a h2 { color: var(--a); } .card.b h2 { color: var(--b); }
.arch { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; color: var(--muted); word-break: break-all; margin-bottom: 6px; }
.front { font-size: 13px; margin: 4px 0 8px; }
.front .tag { display: inline-block; padding: 1px 7px; border-radius: 9px; background: #dafbe1; color: #116329; font-weight: 600; }
.front .tag.off { background: #eaeef2; color: var(--muted); }
table.metrics { width: 100%; border-collapse: collapse; }
table.metrics td { padding: 4px 2px; border-bottom: 1px solid #eaeef2; vertical-align: middle; }
table.metrics td.name { color: var(--muted); width: 38%; }
table.metrics td.value { font-variant-numeric: tabular-nums; font-weight: 600; text-align: right; width: 26%; padding-right: 10px; }
.bar { position: relative; height: 8px; background: #eaeef2; border-radius: 4px; }
.bar i { position: absolute; top: -3px; width: 4px; height: 14px; border-radius: 2px; }
.card.a .bar i { background: var(--a); } .card.b .bar i { background: var(--b); }
.better { font-size: 11px; color: var(--muted); }
svg.cell { width: 100%; height: 170px; display: block; }
.preds { display: flex; gap: 8px; flex-wrap: wrap; margin-top: 8px; }
.preds figure { margin: 0; text-align: center; font-size: 11px; }
.preds img { width: 48px; height: 48px; image-rendering: pixelated; border: 1px solid var(--line); }
.preds .wrong { color: #cf222e; }
.score { font-size: 13px; color: var(--muted); margin-top: 6px; }
.answers { display: grid; grid-template-columns: 1fr auto 1fr; gap: 14px; margin: 18px 0; }
button { font: inherit; font-weight: 600; padding: 12px 18px; border-radius: 8px; border: 1px solid var(--line); background: #fff; cursor: pointer; }
button:disabled { opacity: .5; cursor: wait; }
button.a { color: #fff; background: var(--a); border-color: var(--a); }
button.b { color: #fff; background: var(--b); border-color: var(--b); }
.error { display: none; background: #ffebe9; color: #82071e; border: 1px solid #ff818266; border-radius: 8px; padding: 10px 14px; margin-bottom: 14px; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 12px 16px; }
.panel h3 { margin: 0 0 6px; font-size: 15px; }
svg.scatter { width: 100%; height: 320px; display: block; }
.hint { color: var(--muted); font-size: 13px; }
.done { font-size: 17px; padding: 30px; text-align: center; }
kbd { font: 11px ui-monospace, monospace; border: 1px solid var(--line); border-bottom-width: 2px; border-radius: 4px; padding: 0 4px; background: #fff; }
</style>
</head>
<body>
<header>
  <h1>Which network do you prefer?</h1>
  <div class="progress" data-testid="progress">loading…</div>
</header>
<main>
  <div class="error" data-testid="error"></div>
  <div id="content"></div>
</main>
<script>
"use strict";
const TOKEN = document.querySelector('meta[name="lamoo-token"]').content;
const OPS = {none: ["none", "#afb8c1"], skip_connect: ["skip", "#57606a"], nor_conv_1x1: ["conv 1×1", "#8250df"],
             nor_conv_3x3: ["conv 3×3", "#1a7f37"], avg_pool_3x3: ["avg pool", "#bc4c00"]};
const EDGES = [[1, 0], [2, 0], [2, 1], [3, 0], [3, 1], [3, 2]];
let state = null, busy = false;

function el(tag, attrs, ...kids) {
  const ns = ["svg", "circle", "line", "path", "text", "rect", "g", "polyline"].includes(tag) ? "http://www.w3.org/2000/svg" : null;
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const kid of kids) if (kid != null) e.append(kid);
  return e;
}
function fmt(v) {
  const a = Math.abs(v);
  return a >= 1000 ? v.toFixed(0) : a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
}
function showError(msg) {
  const box = document.querySelector('[data-testid="error"]');
  box.textContent = msg || ""; box.style.display = msg ? "block" : "none";
}

async function api(path, body) {
  const opts = {headers: {"X-Lamoo-Token": TOKEN}};
  if (body !== undefined) {
    opts.method = "POST"; opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  const data = await res.json().catch(() => ({error: res.statusText}));
  if (!res.ok) throw new Error(data.error || ("HTTP " + res.status));
  return data;
}

function cellGraph(cell) {
  const svg = el("svg", {class: "cell", viewBox: "0 0 420 170", role: "img", "aria-label": "cell graph"});
  const x = (i) => 35 + i * 116, y = 98;
  const bend = {"1,0": 0, "2,1": 0, "3,2": 0, "2,0": -40, "3,1": 42, "3,0": -74};
  EDGES.forEach(([to, from], k) => {
    const [label, color] = OPS[cell[k]];
    const b = bend[to + "," + from], mx = (x(from) + x(to)) / 2, my = y + b;  // the curve's midpoint
    const none = cell[k] === "none";
    svg.append(el("path", {d: `M ${x(from)} ${y} Q ${mx} ${y + b * 2} ${x(to)} ${y}`, fill: "none", stroke: color,
                           "stroke-width": none ? 1.2 : 2.4, "stroke-dasharray": none ? "4 4" : ""}));
    svg.append(el("rect", {x: mx - 30, y: my - 9, width: 60, height: 16, rx: 4, fill: "#fff", opacity: 0.9}));
    svg.append(el("text", {x: mx, y: my + 3, "text-anchor": "middle", "font-size": 11, fill: color, text: label}));
  });
  ["in", "1", "2", "out"].forEach((name, i) => {
    svg.append(el("circle", {cx: x(i), cy: y, r: 15, fill: "#fff", stroke: "#1f2328", "stroke-width": 1.5}));
    svg.append(el("text", {x: x(i), y: y + 4, "text-anchor": "middle", "font-size": 11, text: name}));
  });
  return svg;
}

function card(side, c, span) {
  const node = el("div", {class: "card " + side, "data-testid": "candidate-" + side});
  node.append(el("h2", {text: (side === "a" ? "A" : "B") + " · candidate " + c.id}));
  node.append(el("div", {class: "arch", text: c.label}));
  const front = el("div", {class: "front"});
  front.append(c.pareto_rank === 0 ? el("span", {class: "tag", text: "on the Pareto front"})
               : el("span", {class: "tag off", text: "Pareto front " + (c.pareto_rank + 1) + " (dominated)"}));
  node.append(front);
  if (c.cell) node.append(cellGraph(c.cell));
  const table = el("table", {class: "metrics"});
  c.metrics.forEach((m) => {
    const [lo, hi] = span[m.name], pos = hi > lo ? (m.value - lo) / (hi - lo) : 0.5;
    const bar = el("div", {class: "bar", title: `pool range ${fmt(lo)} … ${fmt(hi)} ${m.unit}`});
    const tick = el("i"); tick.style.left = `calc(${(100 * pos).toFixed(1)}% - 2px)`; bar.append(tick);
    table.append(el("tr", {},
      el("td", {class: "name"}, m.name, el("div", {class: "better", text: m.direction === "maximize" ? "higher is better" : "lower is better"})),
      el("td", {class: "value", "data-metric": m.name, text: fmt(m.value) + (m.unit ? " " + m.unit : "")}),
      el("td", {}, bar)));
  });
  node.append(table);
  if (c.predictions && c.predictions.length) {
    const preds = el("div", {class: "preds", "data-testid": "predictions-" + side});
    c.predictions.forEach((p) => preds.append(el("figure", {}, el("img", {src: p.image, alt: "sample " + p.label}),
      el("figcaption", {class: p.predicted === p.label ? "" : "wrong", text: p.predicted + (p.predicted === p.label ? "" : " (" + p.label + ")")}))));
    node.append(preds);
  }
  if (c.learned_score !== undefined) node.append(el("div", {class: "score", text: "learned score so far: " + c.learned_score.toFixed(2)}));
  return node;
}

function robust(values, keep) {
  const v = [...values].sort((p, q) => p - q), q = (f) => v[Math.floor(f * (v.length - 1))];
  const iqr = q(0.75) - q(0.25);
  let lo = Math.max(v[0], q(0.25) - 3 * iqr), hi = Math.min(v[v.length - 1], q(0.75) + 3 * iqr);
  for (const k of keep) { lo = Math.min(lo, k); hi = Math.max(hi, k); }
  return [lo, hi];
}

function scatter(a, b) {
  const sc = state.scatter, pts = sc.points, W = 760, H = 320, L = 70, R = 16, T = 14, B = 44;
  // robust axes: far outliers (such as disconnected cells at 10% accuracy) are drawn at the edge
  // instead of squeezing every other point into a corner; A and B always lie inside
  const mine = pts.filter((p) => p[0] === a.id || p[0] === b.id);
  const [x0, x1] = robust(pts.map((p) => p[1]), mine.map((p) => p[1]));
  const [y0, y1] = robust(pts.map((p) => p[2]), mine.map((p) => p[2]));
  const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);
  const px = (v) => L + (x1 > x0 ? (clamp(v, x0, x1) - x0) / (x1 - x0) : 0.5) * (W - L - R);
  const py = (v) => H - B - (y1 > y0 ? (clamp(v, y0, y1) - y0) / (y1 - y0) : 0.5) * (H - T - B);
  const svg = el("svg", {class: "scatter", viewBox: `0 0 ${W} ${H}`, "data-testid": "scatter"});
  svg.append(el("line", {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#8c959f"}));
  svg.append(el("line", {x1: L, y1: T, x2: L, y2: H - B, stroke: "#8c959f"}));
  const unit = (name) => { const m = state.metrics.find((q) => q.name === name); return m && m.unit ? ` (${m.unit})` : ""; };
  svg.append(el("text", {x: (L + W - R) / 2, y: H - 8, "text-anchor": "middle", "font-size": 12, text: sc.x + unit(sc.x)}));
  svg.append(el("text", {x: 14, y: (T + H - B) / 2, "text-anchor": "middle", "font-size": 12, transform: `rotate(-90 14 ${(T + H - B) / 2})`, text: sc.y + unit(sc.y)}));
  [[x0, "start"], [x1, "end"]].forEach(([v, anchor]) => svg.append(el("text", {x: px(v), y: H - B + 16, "text-anchor": anchor, "font-size": 11, fill: "#656d76", text: fmt(v)})));
  [[y0, H - B], [y1, T + 10]].forEach(([v, yy]) => svg.append(el("text", {x: L - 6, y: yy, "text-anchor": "end", "font-size": 11, fill: "#656d76", text: fmt(v)})));
  pts.forEach((p) => {
    const out = p[1] < x0 || p[1] > x1 || p[2] < y0 || p[2] > y1;
    svg.append(el("circle", {cx: px(p[1]), cy: py(p[2]), r: p[3] === 0 ? 3.6 : 2.6, fill: p[3] === 0 ? "#1a7f37" : "#8c959f",
                             opacity: out ? 0.25 : p[3] === 0 ? 0.95 : 0.5}));
  });
  [[a, "var(--a)", "A"], [b, "var(--b)", "B"]].forEach(([c, color, name]) => {
    const p = pts.find((q) => q[0] === c.id);
    svg.append(el("circle", {cx: px(p[1]), cy: py(p[2]), r: 9, fill: "none", stroke: color, "stroke-width": 3}));
    svg.append(el("text", {x: px(p[1]) + 12, y: py(p[2]) - 10, "font-weight": 700, fill: color, text: name}));
  });
  return svg;
}

function render() {
  const progress = document.querySelector('[data-testid="progress"]');
  progress.textContent = `${state.n_judgments} judgment${state.n_judgments === 1 ? "" : "s"} saved · ${state.mode} pairs · ${state.n_candidates} candidates`;
  const root = document.getElementById("content");
  root.replaceChildren();
  if (!state.pair) {
    root.append(el("div", {class: "panel done", "data-testid": "done", text: "Every pair has been compared. Thank you!"}));
    return;
  }
  const {a, b} = state.pair, span = state.ranges;  // each metric's range over the whole pool
  root.append(el("div", {class: "pair"}, card("a", a, span), card("b", b, span)));
  const answers = el("div", {class: "answers"},
    el("button", {class: "a", "data-testid": "choose-a", "data-choice": "a", text: "A is better  ←"}),
    el("button", {"data-testid": "choose-none", "data-choice": "none", text: "No preference  ↓"}),
    el("button", {class: "b", "data-testid": "choose-b", "data-choice": "b", text: "→  B is better"}));
  answers.querySelectorAll("button").forEach((btn) => btn.addEventListener("click", () => answer(btn.dataset.choice)));
  root.append(answers);
  if (state.ranker) {
    const p = Math.round(100 * state.ranker.p_a_preferred);
    root.append(el("p", {class: "hint", "data-testid": "ranker-guess",
      text: `From your ${state.ranker.n_judgments} answer${state.ranker.n_judgments === 1 ? "" : "s"} so far, the learned preference gives A a ${p}% chance` +
            (state.mode === "active" ? " (active pairs ask where it is least sure)." : ".")}));
  }
  const panel = el("div", {class: "panel"}, el("h3", {text: "Where they stand among all candidates"}), scatter(a, b),
    el("div", {class: "hint", text: `Green: the candidates on the Pareto front of all ${state.metrics.length} metrics; grey: dominated ones; faint dots at an edge: outliers beyond the axes. Keys: ← or a, ↓ or n, → or b. Every answer is saved at once.`}));
  root.append(panel);
}

async function load() {
  try { state = await api("/api/state"); showError(""); render(); }
  catch (e) { showError("Could not load the comparison: " + e.message); }
}

async function answer(choice) {
  if (busy || !state || !state.pair) return;
  busy = true;
  document.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  try {
    state = await api("/api/judgment", {a: state.pair.a.id, b: state.pair.b.id, choice: choice});
    showError(""); render();
  } catch (e) { showError("Your answer was not saved: " + e.message); await load(); }
  finally { busy = false; document.querySelectorAll("button").forEach((b) => { b.disabled = false; }); }
}

document.addEventListener("keydown", (ev) => {
  const key = {ArrowLeft: "a", a: "a", ArrowRight: "b", b: "b", ArrowDown: "none", n: "none"}[ev.key];
  if (key) { ev.preventDefault(); answer(key); }
});
load();
</script>
</body>
</html>
"""


def render_page(token: str) -> str:
    """The page with the session token embedded (HTML-escaped)."""
    return _PAGE.replace("__TOKEN__", html.escape(token, quote=True))


__all__ = ["render_page"]
