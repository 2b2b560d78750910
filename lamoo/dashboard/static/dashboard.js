"use strict";
// lamoo dashboard: polls /api/runs (JSON) and draws it with plotly.js; trees come from /api/tree.
const TOKEN = document.querySelector('meta[name="lamoo-token"]').content;
const POLL_MS = Number(document.querySelector('meta[name="lamoo-poll-ms"]').content) || 1000;
const NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"];
const OP_STYLE = {none: ["none", "#afb8c1"], skip_connect: ["skip", "#57606a"], nor_conv_1x1: ["conv 1×1", "#8250df"],
                  nor_conv_3x3: ["conv 3×3", "#1a7f37"], avg_pool_3x3: ["avg pool", "#bc4c00"]};
const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
const CONFIG = {displaylogo: false, responsive: true};
const $ = (id) => document.getElementById(id);
let state = {version: null, runs: []};
let current = 0, batchIndex = null, shownTree = null, treeRequest = 0, selectedPoint = null, clickBound = false;

async function api(path) {
  const res = await fetch(path, {headers: {"X-Lamoo-Token": TOKEN}});
  const data = await res.json().catch(() => ({error: res.statusText}));
  if (!res.ok) throw new Error(data.error || ("HTTP " + res.status));
  return data;
}
function showError(msg) { const box = document.querySelector('[data-testid="error"]'); box.textContent = msg || ""; box.style.display = msg ? "block" : "none"; }
function fmt(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v !== "number") return String(v);
  const a = Math.abs(v);
  return a === 0 ? "0" : a >= 1e4 || a < 1e-3 ? v.toExponential(3) : a >= 100 ? v.toFixed(1) : v.toPrecision(4);
}
function el(tag, attrs, ...kids) {
  const svg = ["svg", "path", "circle", "text", "rect"].includes(tag);
  const e = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) { if (k === "text") e.textContent = v; else e.setAttribute(k, v); }
  for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid);
  return e;
}
const run = () => state.runs[current];

// ------------------------------------------------------------------ configurations
function labels(r, x) {  // [[name, shown value]] of a point
  return r.space.names.map((name, j) => {
    const choices = r.space.choices && r.space.choices[j];
    return [name, choices ? choices[Math.round(x[j])] : r.space.kinds[j] === "continuous" ? fmt(x[j]) : String(x[j])];
  });
}
function isNB201(r) {
  const s = r.space;
  return s.names.length === 6 && s.kinds.every((k) => k === "categorical") &&
         (s.choices || []).every((c) => c && c.length === 5 && c.every((op, i) => op === NB201_OPS[i]));
}
function archString(ops) { return `|${ops[0]}~0|+|${ops[1]}~0|${ops[2]}~1|+|${ops[3]}~0|${ops[4]}~1|${ops[5]}~2|`; }
function cellSvg(ops) {  // the NB201 cell: nodes in, 1, 2, out; edges in arch-string order
  const svg = el("svg", {class: "cell", viewBox: "0 0 440 150", "data-testid": "cell"});
  const edges = [[0, 1], [0, 2], [1, 2], [0, 3], [1, 3], [2, 3]], bend = [0, -34, 0, -62, 34, 0];
  const x = (i) => 40 + i * 120, y = 86;
  edges.forEach(([a, b], k) => {
    const [name, color] = OP_STYLE[ops[k]] || [ops[k], "#57606a"];
    const mx = (x(a) + x(b)) / 2, my = y + bend[k];
    svg.append(el("path", {d: `M${x(a)},${y} Q${mx},${y + 2 * bend[k]} ${x(b)},${y}`, fill: "none", stroke: color,
                           "stroke-width": ops[k] === "none" ? 1 : 2.4, "stroke-dasharray": ops[k] === "none" ? "4 3" : ""}));
    svg.append(el("rect", {x: mx - 28, y: my - 8, width: 56, height: 15, rx: 3, fill: "#fff"}));
    svg.append(el("text", {x: mx, y: my + 3, "text-anchor": "middle", "font-size": 10.5, fill: color, text: name}));
  });
  ["in", "1", "2", "out"].forEach((name, i) => {
    svg.append(el("circle", {cx: x(i), cy: y, r: 14, fill: "#fff", stroke: "#1f2328"}));
    svg.append(el("text", {x: x(i), y: y + 4, "text-anchor": "middle", "font-size": 11, text: name}));
  });
  return svg;
}
function showDetails(i) {
  const r = run(), box = $("details");
  selectedPoint = i;
  if (!r || i === null || i >= r.n) { box.replaceChildren("Click a point of the Pareto front."); return; }
  const rows = labels(r, r.x[i]).map(([k, v]) => el("tr", {}, el("th", {text: k}), el("td", {text: v})));
  r.objectives.forEach((o, j) => rows.push(el("tr", {}, el("th", {text: `${o.name} (${o.direction === "minimize" ? "min" : "max"})`}),
                                                    el("td", {text: fmt(r.y[i][j])}))));
  const where = `evaluation ${i} · batch ${r.batch[i]} · ${r.source[i]}` + (r.leaf[i] >= 0 ? ` · region (node) ${r.leaf[i]}` : "") +
                (r.pareto[i] ? " · on the Pareto front" : "");
  box.replaceChildren(el("div", {class: "hint", text: where}), el("table", {}, ...rows));
  if (isNB201(r)) {
    const ops = labels(r, r.x[i]).map(([, v]) => v), arch = archString(ops);
    const input = el("input", {readonly: "", value: arch, "data-testid": "arch", "aria-label": "arch string"});
    const copy = el("button", {text: "copy", "data-testid": "copy-arch"});
    copy.addEventListener("click", async () => {
      input.select();
      try { await navigator.clipboard.writeText(arch); copy.textContent = "copied"; } catch (e) { copy.textContent = "selected: Ctrl+C"; }
    });
    box.append(cellSvg(ops), el("div", {class: "arch"}, input, copy));
  }
}

// ------------------------------------------------------------------ hypervolume and Pareto front
function renderHV() {
  const norm = state.runs.every((r) => r.hv_norm);
  const traces = state.runs.map((r, k) => ({x: r.hv.map((_, i) => i + 1), y: norm ? r.hv_norm : r.hv, name: `${r.name} · ${r.sampler}`,
                                            mode: "lines", line: {color: PALETTE[k % PALETTE.length], width: k === current ? 3 : 1.6}}));
  const why = [...new Set(state.runs.map((r) => r.hv_norm_by))].join("; ");
  $("hv-note").textContent = norm ? `divided by ${why}` : "raw (no common scale)";
  Plotly.react("hv", traces, {margin: {t: 10, r: 10, b: 40, l: 55}, xaxis: {title: {text: "evaluations"}},
                              yaxis: {title: {text: norm ? "normalized hypervolume" : "hypervolume"}},
                              legend: {orientation: "h", y: -0.22}}, CONFIG);
}
function axisOptions(r) {
  for (const id of ["obj-x", "obj-y"]) {
    const sel = $(id), names = r.objectives.map((o) => o.name);
    if ([...sel.options].map((o) => o.value).join() === names.join()) continue;
    sel.replaceChildren(...names.map((n, j) => el("option", {value: n, text: n})));
    sel.selectedIndex = id === "obj-x" ? 0 : Math.min(1, names.length - 1);
  }
}
function renderPareto() {
  const r = run();
  axisOptions(r);
  const i0 = $("obj-x").selectedIndex, i1 = $("obj-y").selectedIndex, m = r.objectives.length;
  const b = currentBatch(), inBatch = (i) => b !== null && r.batch[i] === b.batch;
  const idx = (keep) => r.y.map((_, i) => i).filter((i) => !r.failed[i] && keep(i));
  const hover = (i) => labels(r, r.x[i]).map(([k, v]) => `${k} = ${v}`).join("<br>") +
    `<br>—<br>${r.objectives.map((o, j) => `${o.name}: ${fmt(r.y[i][j])}`).join("<br>")}<br>#${i} · batch ${r.batch[i]} · ${r.source[i]}` +
    (r.leaf[i] >= 0 ? ` · node ${r.leaf[i]}` : "");
  const trace = (ids, name, marker) => ({x: ids.map((i) => m > 1 ? r.y[i][i0] : i), y: ids.map((i) => r.y[i][m > 1 ? i1 : 0]),
                                         customdata: ids, text: ids.map(hover), hoverinfo: "text", mode: "markers", name, marker});
  const traces = [trace(idx((i) => !r.pareto[i]), "dominated", {color: "#8c959f", size: 6, opacity: 0.55}),
                  trace(idx((i) => r.pareto[i]), "Pareto front", {color: "#d62728", size: 9})];
  if (b !== null) traces.push(trace(idx(inBatch), `batch ${b.batch}`, {color: "rgba(0,0,0,0)", size: 15, line: {color: "#ff7f0e", width: 2.5}}));
  const title = (j) => `${r.objectives[j].name} (${r.objectives[j].direction === "minimize" ? "min" : "max"})`;
  Plotly.react("pareto", traces, {margin: {t: 10, r: 10, b: 45, l: 60}, hovermode: "closest", legend: {orientation: "h", y: -0.2},
                                  xaxis: {title: {text: m > 1 ? title(i0) : "evaluation"}}, yaxis: {title: {text: title(m > 1 ? i1 : 0)}}}, CONFIG);
  if (!clickBound) {  // plotly's own event, on the plot's div once it is drawn
    $("pareto").on("plotly_click", (ev) => { if (ev.points.length) showDetails(ev.points[0].customdata); });
    clickBound = true;
  }
}

// ------------------------------------------------------------------ LaMOO: tree, regions, boundaries
function currentBatch() { const r = run(); return r && r.lamoo && batchIndex !== null ? r.batches[batchIndex] || null : null; }
function treeLayout(nodes) {  // leaves left to right in depth-first order, parents above the middle of their children
  const kids = {}, pos = {};
  nodes.forEach((n) => { if (n.parent !== null) (kids[n.parent] = kids[n.parent] || []).push(n.id); });
  let next = 0;
  const place = (id) => { const c = kids[id] || []; c.forEach(place); pos[id] = c.length ? (pos[c[0]] + pos[c[c.length - 1]]) / 2 : next++; };
  place(0);
  return pos;
}
function renderTree(t) {
  const pos = treeLayout(t.nodes), byId = Object.fromEntries(t.nodes.map((n) => [n.id, n]));
  const edges = {x: [], y: []}, path = {x: [], y: []};
  t.nodes.filter((n) => n.parent !== null).forEach((n) => {
    const p = byId[n.parent], target = n.on_path && p.on_path ? path : edges;
    target.x.push(pos[p.id], pos[n.id], null); target.y.push(-p.depth, -n.depth, null);
  });
  const maxN = Math.max(...t.nodes.map((n) => n.n), 1);
  const nodeText = (n) => `node ${n.id} (${n.side}${n.leaf ? ", leaf" : ""})<br>samples: ${n.n}<br>hypervolume: ${fmt(n.hv)}<br>UCB: ${fmt(n.ucb)}` +
                          (n.on_path ? "<br>on the selected path" : "") + (n.searched ? "<br>the region searched" : "");
  const searched = t.nodes.filter((n) => n.searched);
  const traces = [
    {x: edges.x, y: edges.y, mode: "lines", line: {color: "#afb8c1", width: 1.5}, hoverinfo: "skip", name: "split"},
    {x: path.x, y: path.y, mode: "lines", line: {color: "#d62728", width: 4}, hoverinfo: "skip", name: "selected path"},
    {x: t.nodes.map((n) => pos[n.id]), y: t.nodes.map((n) => -n.depth), mode: "markers+text", name: "nodes",
     text: t.nodes.map((n) => String(n.id)), textposition: "top center", hovertext: t.nodes.map(nodeText), hoverinfo: "text",
     marker: {size: t.nodes.map((n) => 10 + 30 * Math.sqrt(n.n / maxN)), color: t.nodes.map((n) => n.hv), colorscale: "Viridis",
              showscale: true, colorbar: {title: {text: "HV"}, thickness: 10}, line: {color: "#1f2328", width: 1}}},
    {x: searched.map((n) => pos[n.id]), y: searched.map((n) => -n.depth), mode: "markers", name: "region searched", hoverinfo: "skip",
     marker: {symbol: "circle-open", size: 46, color: "#ff7f0e", line: {width: 3}}},
  ];
  Plotly.react("tree", traces, {margin: {t: 10, r: 10, b: 30, l: 40}, showlegend: true, legend: {orientation: "h", y: -0.08},
                                xaxis: {visible: false}, yaxis: {title: {text: "depth"}, tickvals: [0, -1, -2, -3, -4, -5, -6],
                                ticktext: ["0", "1", "2", "3", "4", "5", "6"], zeroline: false}}, CONFIG);
  const b = currentBatch();
  const match = t.path_matches ? el("span", {class: "ok", text: "matches the journal"}) : el("span", {class: "bad", text: `differs from the journal's ${JSON.stringify(t.journal_path)}`});
  $("tree-info").replaceChildren(`Tree of the ${t.n_samples} samples told before batch ${t.batch}: ${t.nodes.length} nodes, ` +
    `Cp ${fmt(t.cp)}, ${t.selection} selection. Selected path ${t.path.join(" → ")} (`, match,
    `); region searched: node ${t.searched}${t.relaxed ? ` (relaxed ${t.relaxed} level${t.relaxed > 1 ? "s" : ""} up)` : ""}` +
    (b ? `, ${b.n_members} samples = ${fmt(100 * (b.share || 0))}% of the valid ones.` : "."));
  renderBoundaries(t);
}
function renderBoundaries(t) {
  const box = $("boundaries"), m = t.boundaries;
  if (!m) { Plotly.purge(box); box.style.display = "none"; return; }
  box.style.display = "";
  const ids = [...new Set(m.leaf.flat())].sort((a, b) => a - b), rank = Object.fromEntries(ids.map((id, k) => [id, k]));
  const r = run(), b = currentBatch(), mine = r.x.filter((_, i) => b && r.batch[i] === b.batch);
  Plotly.react(box, [
    {type: "heatmap", x: m.x, y: m.y, z: m.leaf.map((row) => row.map((id) => rank[id])), colorscale: "Portland", showscale: false,
     opacity: 0.55, hovertemplate: "%{text}<extra></extra>", text: m.leaf.map((row) => row.map((id) => `leaf ${id}`))},
    {type: "contour", x: m.x, y: m.y, z: m.inside, showscale: false, hoverinfo: "skip", name: "region searched",
     contours: {start: 0.5, end: 0.5, size: 1, coloring: "none"}, line: {color: "#d62728", width: 3}},
    {x: m.points.map((p) => p[0]), y: m.points.map((p) => p[1]), mode: "markers", name: "samples", hoverinfo: "skip",
     marker: {color: "#1f2328", size: 4}},
    {x: mine.map((p) => p[0]), y: mine.map((p) => p[1]), mode: "markers", name: "batch's points", hoverinfo: "skip",
     marker: {color: "#ff7f0e", size: 9, line: {color: "#1f2328", width: 1}}},
  ], {margin: {t: 10, r: 10, b: 40, l: 50}, showlegend: false, xaxis: {title: {text: m.names[0]}}, yaxis: {title: {text: m.names[1]}}}, CONFIG);
}
function renderBatchPoints() {
  const r = run(), b = currentBatch(), box = $("batch-points");
  if (!b) { box.replaceChildren(); return; }
  const ids = r.batch.map((v, i) => (v === b.batch ? i : -1)).filter((i) => i >= 0);
  const head = el("tr", {}, ...["#", "from", "region (node)", ...r.objectives.map((o) => o.name)].map((h) => el("th", {text: h})));
  const rows = ids.map((i) => el("tr", {}, el("td", {text: String(i)}), el("td", {text: r.source[i]}), el("td", {text: String(r.leaf[i])}),
                                       ...r.objectives.map((_, j) => el("td", {text: fmt(r.y[i][j])}))));
  box.replaceChildren(el("div", {class: "hint", text: `The ${ids.length} points of batch ${b.batch} and the region each came from ` +
                                  `(sampler: proposed inside node ${b.leaf_id}; fill: a uniform top-up draw):`}), el("table", {}, head, ...rows));
}
function renderRegions() {
  const r = run(), bs = r.batches, x = bs.map((b) => b.batch), b = currentBatch();
  Plotly.react("regions", [
    {x, y: bs.map((v) => 100 * (v.share || 0)), name: "region share of samples (%)", mode: "lines+markers", marker: {size: 4}},
    {x, y: bs.map((v) => v.depth), name: "depth searched", mode: "lines", yaxis: "y2", line: {shape: "hv"}},
    {x, y: bs.map((v) => v.selected_depth), name: "depth selected", mode: "lines", yaxis: "y2", line: {shape: "hv", dash: "dot"}},
    {x, y: bs.map((v) => v.relaxed), name: "relaxations (levels)", type: "bar", yaxis: "y2", opacity: 0.5},
    {x, y: bs.map((v) => v.n_fill), name: "fill points", type: "bar", yaxis: "y2", opacity: 0.35},
  ], {margin: {t: 10, r: 50, b: 40, l: 55}, legend: {orientation: "h", y: -0.25}, barmode: "group",
      xaxis: {title: {text: "batch"}}, yaxis: {title: {text: "share (%)"}, rangemode: "tozero"},
      yaxis2: {title: {text: "depth / count"}, overlaying: "y", side: "right", rangemode: "tozero"},
      shapes: b ? [{type: "line", x0: b.batch, x1: b.batch, yref: "paper", y0: 0, y1: 1, line: {color: "#ff7f0e", width: 2}}] : []}, CONFIG);
}
async function loadTree() {
  const b = currentBatch();
  if (!b) return;
  const key = `${current}:${b.batch}`;
  if (shownTree === key) return;
  const ticket = ++treeRequest;
  try {
    const t = await api(`/api/tree?run=${current}&batch=${b.batch}`);
    if (ticket !== treeRequest) return;  // a later request superseded this one
    shownTree = key; renderTree(t);
  } catch (e) { $("tree-info").textContent = "The tree could not be rebuilt: " + e.message; Plotly.purge("tree"); shownTree = key; }
}
function renderLamoo() {
  const r = run(), section = $("lamoo-section"), slider = $("batch-slider");
  if (!r.lamoo || !r.batches.length) {
    $("tree-note").textContent = r.lamoo ? "(no LaMOO batch yet: the initial design is still being evaluated)" : "(this run's sampler is not LaMOO)";
    section.classList.add("empty"); return;
  }
  section.classList.remove("empty");
  $("tree-note").textContent = `${r.batches.length} batches proposed by LaMOO`;
  slider.max = r.batches.length - 1;
  if ($("follow").checked || batchIndex === null || batchIndex >= r.batches.length) batchIndex = r.batches.length - 1;
  slider.value = batchIndex;
  const shown = r.batches[batchIndex], waiting = shown.n_pending ? `, ${shown.n_pending} of its points being evaluated` : "";
  $("batch-label").textContent = `batch ${shown.batch} (${batchIndex + 1} of ${r.batches.length}${waiting})`;
  renderBatchPoints(); renderRegions(); loadTree();
}

// ------------------------------------------------------------------ the loop
function render() {
  if (!state.runs.length) return;
  current = Math.min(current, state.runs.length - 1);
  const sel = $("run-select");
  if (sel.options.length !== state.runs.length) {
    sel.replaceChildren(...state.runs.map((r, k) => el("option", {value: k, text: `${r.name} · ${r.sampler}`})));
    sel.value = current;
  }
  const total = state.runs.reduce((s, r) => s + r.n, 0);
  document.querySelector('[data-testid="status"]').textContent =
    `${state.runs.length} run${state.runs.length > 1 ? "s" : ""} · ${total} evaluations · updated ${new Date().toLocaleTimeString()}`;
  renderHV(); renderLamoo(); renderPareto();
  if (selectedPoint !== null) showDetails(selectedPoint);
}
async function poll() {
  try {
    const data = await api(`/api/runs?since=${state.version === null ? "" : state.version}`);
    if (data.changed !== false) { state = data; shownTree = null; render(); }
    showError("");
  } catch (e) { showError("Could not read the runs: " + e.message); }
  setTimeout(poll, POLL_MS);
}
$("run-select").addEventListener("change", (ev) => { current = Number(ev.target.value); batchIndex = null; selectedPoint = null; shownTree = null; render(); showDetails(null); });
$("obj-x").addEventListener("change", renderPareto);
$("obj-y").addEventListener("change", renderPareto);
$("batch-slider").addEventListener("input", (ev) => {
  $("follow").checked = false; batchIndex = Number(ev.target.value); renderLamoo(); renderPareto();
});
poll();
