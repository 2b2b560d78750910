"""Phylogeny of a run (XNAS Fig. 3): which evaluated cells each cell was bred from.

Samplers that mate or mutate archive members report, per proposed point, the archive indices of
its parents in their proposal report (``NSGA2Sampler``: two parents, ``EvolutionSampler``: the
mutated winner, as ``info["parents"]``; wrapped in LaMOO: ``info["inner"]["parents"]``), and the
journal keeps every ask with its report. This module reads
them back (:func:`run_parents`, through :func:`lamoo.journal.read_values`), collects the ancestry
of one evaluation (:func:`ancestry`) and draws it as a tree with accuracy and introspectability
along the way (:func:`plot_ancestry`). Cells of the initial design and uniform fills have no
parents.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np


def _report_parents(report) -> list | None:
    """The per-point parent list of a proposal report (nested samplers searched depth-first)."""
    if not isinstance(report, dict):
        return None
    if isinstance(report.get("parents"), list):
        return report["parents"]
    return _report_parents(report.get("inner"))


def run_parents(journal) -> dict[int, tuple[int, ...]]:
    """``{evaluation number: (parent evaluation numbers)}`` for every evaluation whose proposal
    reported its parents, read from the journal at ``journal``."""
    from lamoo.journal import read_values

    _, values = read_values(journal)
    by_point: dict[tuple, tuple[int, ...]] = {}
    out: dict[int, tuple[int, ...]] = {}
    for _, v in values:
        if v.get("type") == "ask":
            pairs = _report_parents(v.get("proposal")) or []
            for x, pair in zip(v["x"], pairs):  # the sampler's rows come first in an ask
                by_point[(v["batch"], tuple(x))] = tuple(int(i) for i in pair)
        elif v.get("type") == "eval":
            pair = by_point.get((v["batch"], tuple(v["x"])))
            if pair is not None:
                out[int(v["i"])] = pair
    return out


def ancestry(parents: dict[int, tuple[int, ...]], index: int, max_depth: int = 8) -> list[tuple[int, int, int]]:
    """Edges ``(depth, child, parent)`` of the ancestry of evaluation ``index``, breadth first,
    down to ``max_depth`` generations (an ancestor reached twice is expanded once)."""
    edges, seen, frontier = [], {index}, [index]
    for depth in range(1, max_depth + 1):
        nxt = []
        for child in frontier:
            for parent in parents.get(child, ()):
                edges.append((depth, child, parent))
                if parent not in seen:
                    seen.add(parent)
                    nxt.append(parent)
        frontier = nxt
        if not frontier:
            break
    return edges


def plot_ancestry(result, parents: dict, index: int, path, max_depth: int = 6) -> Path:
    """The ancestry tree of evaluation ``index`` of ``result`` (a :class:`lamoo.Result` with two
    objectives): one column per generation back, each node labelled with its evaluation number
    and objective values and coloured by the second objective."""
    from nas_tasks.xnas.plots import _save
    from lamoo.plotting import pyplot as _pyplot

    plt = _pyplot()
    edges = ancestry(parents, index, max_depth)
    depth = {index: 0}
    for d, _, p in edges:
        depth.setdefault(p, d)
    layers: dict[int, list[int]] = {}
    for node, d in sorted(depth.items(), key=lambda kv: (kv[1], kv[0])):
        layers.setdefault(d, []).append(node)
    pos = {n: (-d, (i + 0.5) / len(ns) - 0.5) for d, ns in layers.items() for i, n in enumerate(ns)}
    fig, ax = plt.subplots(figsize=(2.2 * (len(layers) + 1), 1.8 + 0.6 * max(len(ns) for ns in layers.values())))
    for _, child, parent in edges:
        (x0, y0), (x1, y1) = pos[child], pos[parent]
        ax.plot([x0, x1], [y0, y1], c="0.6", lw=0.8, zorder=1)
    nodes = list(pos)
    Y = result.Y[nodes]
    sc = ax.scatter([pos[n][0] for n in nodes], [pos[n][1] for n in nodes], c=Y[:, 1], cmap="viridis", s=60, zorder=2)
    names = [o.name for o in result.objectives]
    for n, y in zip(nodes, Y):
        ax.annotate(f"#{n}\n{y[0]:.4g} / {y[1]:.3g}", pos[n], xytext=(4, 4), textcoords="offset points", fontsize=6)
    fig.colorbar(sc, ax=ax, label=names[1])
    ax.set_xticks(sorted({-d for d in layers}))
    ax.set_xlabel("generations back")
    ax.set_yticks([])
    ax.margins(x=0.15, y=0.2)
    ax.set_title(f"ancestry of evaluation {index} (labels: {names[0]} / {names[1]})", fontsize=9)
    return _save(plt, fig, path)


def ancestry_table(result, parents: dict, index: int, max_depth: int = 8):
    """The ancestry of ``index`` as a DataFrame: ``depth``, ``child``, ``parent`` and the
    parent's objective values."""
    import pandas as pd

    rows = [{"depth": d, "child": c, "parent": p, **{o.name: float(result.Y[p, j]) for j, o in
                                                      enumerate(result.objectives)}}
            for d, c, p in ancestry(parents, index, max_depth)]
    return pd.DataFrame(rows, columns=["depth", "child", "parent", *[o.name for o in result.objectives]])


def most_bred(parents: dict, candidates) -> int | None:
    """The candidate evaluation with the deepest recorded ancestry (None when none has parents)."""
    depths = {int(c): max((d for d, _, _ in ancestry(parents, int(c))), default=0) for c in np.asarray(candidates)}
    best = max(depths, key=lambda c: (depths[c], c), default=None)
    return best if best is not None and depths[best] > 0 else None
