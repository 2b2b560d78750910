"""Plots of a :class:`~lamoo.result.Result` that a reader can trust.

Every function returns the matplotlib ``Figure`` (saving is the caller's choice: pass ``path`` to
save it too). Axes are in raw units, labelled with the unit (``units=`` or guessed from the
objective's name: accuracy in %, ``flops`` in MFLOPs, ``params`` in M params, ``latency*_ms*``
in ms, ``energy*_mj*`` in mJ) and with the direction of improvement as an arrow (↑ maximized,
↓ minimized; never "(min)", which reads as minutes on a latency axis).

- :func:`plot_pareto`: every successful evaluation; the non-dominated ones that add
  hypervolume (they dominate the reference point) highlighted and joined by the front's
  staircase; non-dominated points outside the reference box drawn hollow, as adding nothing; the
  reference point and the region the front dominates up to it drawn. Three or more objectives
  get one panel per pair, titled as projections, plus parallel coordinates.
- :func:`plot_parallel_coordinates`: each objective on its own axis, scaled so that up is better.
- :func:`plot_hypervolume_trace`: hypervolume after each evaluation, the end of the initial
  design marked, optionally as a fraction of the known maximum.
"""
from __future__ import annotations

import re
from itertools import combinations
from pathlib import Path

import numpy as np

from lamoo.exceptions import InvalidInputError

_UNITS = ((r"acc", "%"), (r"^m?flops$|flops", "MFLOPs"), (r"^params$|params", "M params"),
          (r"latency.*ms|_ms(_|$)", "ms"), (r"energy.*mj|_mj(_|$)", "mJ"))
ARROWS = {"maximize": "↑", "minimize": "↓"}


def pyplot():
    """``matplotlib.pyplot``, on the Agg backend unless an inline (notebook) backend is in use."""
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def guess_unit(name: str, values=None) -> str | None:
    """The unit of objective ``name`` guessed from its name (None when unknown); an accuracy
    whose ``values`` all lie in [0, 1] is a fraction, not a percentage."""
    low = name.lower()
    for pattern, unit in _UNITS:
        if re.search(pattern, low):
            if unit == "%" and values is not None and np.nanmax(np.abs(values), initial=0) <= 1:
                return "fraction"
            return unit
    return None


def axis_labels(result, units: dict | None = None) -> list[str]:
    """``"name [unit] ↑"`` per objective (``units`` maps names to units, overriding the guess)."""
    units = dict(units or {})
    unknown = set(units) - {o.name for o in result.objectives}
    if unknown:
        raise InvalidInputError(f"units names no objective: {sorted(unknown)}; the objectives are "
                                f"{[o.name for o in result.objectives]}")
    out = []
    for j, o in enumerate(result.objectives):
        unit = units[o.name] if o.name in units else guess_unit(o.name, result.Y[:, j])
        out.append(f"{o.name}{f' [{unit}]' if unit else ''} {ARROWS[o.direction]}")
    return out


def _finish(fig, path):
    fig.tight_layout()
    if path is not None:
        fig.savefig(Path(path), dpi=120)
    return fig


def _contributing(result) -> tuple[np.ndarray, np.ndarray]:
    """``(adds, outside)`` masks: non-dominated points that dominate the reference point (they add
    hypervolume), and non-dominated points that do not (they add none)."""
    mask = result.pareto_mask()
    if result.ref_point is None:
        return mask, np.zeros_like(mask)
    s = np.array([o.sign for o in result.objectives])
    inside = np.zeros(len(mask), dtype=bool)
    ok = ~result.failed
    inside[ok] = (result.Y[ok] * s < result.ref_point * s).all(axis=1)
    return mask & inside, mask & ~inside


def _staircase(P: np.ndarray, ref: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """The outline (raw units) of the region the 2-objective points ``P`` (raw, each dominating
    ``ref``) dominate up to ``ref``: a closed polygon, ``(2k + 2) x 2``."""
    F, r = P * signs, ref * signs
    F = F[np.argsort(F[:, 0])]
    xs, ys = [F[0, 0]], [r[1]]
    for i, (x, y) in enumerate(F):
        xs += [x, x if i + 1 == len(F) else F[i + 1, 0]]
        ys += [y, y]
    xs[-1] = r[0]
    xs.append(r[0])
    ys.append(r[1])
    return np.column_stack([xs, ys]) * signs


def _pair_panel(ax, result, i: int, j: int, labels: list[str], projection: bool) -> None:
    Y, ok = result.Y, ~result.failed
    adds, outside = _contributing(result)
    signs = np.array([result.objectives[i].sign, result.objectives[j].sign])
    ref = None if result.ref_point is None else result.ref_point[[i, j]]
    if ref is not None and not projection and adds.any():
        outline = _staircase(Y[adds][:, [i, j]], ref, signs)
        ax.fill(outline[:, 0], outline[:, 1], color="C3", alpha=0.12, lw=0, label="dominated region (up to ref)")
        ax.plot(outline[:-1, 0], outline[:-1, 1], color="C3", lw=0.8, alpha=0.6)
    ax.scatter(Y[ok, i], Y[ok, j], s=10, c="0.7", label="evaluated")
    ax.scatter(Y[adds, i], Y[adds, j], s=22, c="C3", zorder=3,
               label="non-dominated" if not projection else "non-dominated (in all objectives)")
    if outside.any():
        ax.scatter(Y[outside, i], Y[outside, j], s=22, facecolors="none", edgecolors="C3", zorder=3,
                   label="non-dominated, adds no HV (outside ref)")
    if ref is not None:
        ax.scatter([ref[0]], [ref[1]], marker="X", s=60, c="k", zorder=4, label="reference point")
        if projection:
            ax.axvline(ref[0], c="k", lw=0.6, ls=":")
            ax.axhline(ref[1], c="k", lw=0.6, ls=":")
    ax.set_xlabel(labels[i])
    ax.set_ylabel(labels[j])
    if projection:
        ax.set_title(f"projection on {result.objectives[i].name}, {result.objectives[j].name}", fontsize=9)


def plot_pareto(result, path=None, *, units: dict | None = None, max_pairs: int = 6):
    """The evaluated points and their Pareto front (see the module docstring). Returns the
    ``Figure``; ``path`` also saves it (PNG). ``units``: ``{objective name: unit}`` overriding
    the guess; ``max_pairs``: the most pairwise projections drawn for many objectives."""
    plt = pyplot()
    m = len(result.objectives)
    labels = axis_labels(result, units)
    adds, _ = _contributing(result)
    n_ok = int((~result.failed).sum())
    if m == 1:
        fig, ax = plt.subplots(figsize=(5, 4))
        ok = ~result.failed
        ax.plot(np.flatnonzero(ok) + 1, result.Y[ok, 0], ".", c="0.5")
        ax.set_xlabel("evaluation")
        ax.set_ylabel(labels[0])
        return _finish(fig, path)
    if m == 2:
        fig, ax = plt.subplots(figsize=(5.5, 4.5))
        _pair_panel(ax, result, 0, 1, labels, projection=False)
        ax.legend(loc="best", fontsize=7)
        fig.suptitle(f"Pareto front: {int(adds.sum())} non-dominated of {n_ok} points", fontsize=10)
        return _finish(fig, path)
    pairs = list(combinations(range(m), 2))[:max_pairs]
    fig, axes = plt.subplots(1, len(pairs) + 1, figsize=(4.6 * (len(pairs) + 1), 4.3), squeeze=False)
    for ax, (i, j) in zip(axes[0], pairs):
        _pair_panel(ax, result, i, j, labels, projection=True)
    axes[0][0].legend(loc="best", fontsize=7)
    _parallel(axes[0][-1], result, labels)
    fig.suptitle(f"{m} objectives: pairwise panels are 2-D projections (a point non-dominated in all "
                 f"{m} objectives may look dominated in one); {int(adds.sum())} non-dominated of {n_ok} points",
                 fontsize=10)
    return _finish(fig, path)


def _parallel(ax, result, labels: list[str]) -> None:
    ok = ~result.failed
    F = result.F[ok]
    if len(F) == 0:
        ax.set_title("parallel coordinates: no successful evaluation", fontsize=9)
        return
    lo, hi = F.min(axis=0), F.max(axis=0)
    goodness = 1 - (F - lo) / np.where(hi > lo, hi - lo, 1.0)  # 1 = best value seen, on every axis
    adds, _ = _contributing(result)
    front = adds[ok]
    x = np.arange(F.shape[1])
    for row in goodness[~front]:
        ax.plot(x, row, c="0.8", lw=0.5)
    for row in goodness[front]:
        ax.plot(x, row, c="C3", lw=1.2)
    ax.set_xticks(x, [f"{label}\n{lo_hi}" for label, lo_hi in zip(labels, _ranges(result, ok))],
                  fontsize=7)
    ax.set_ylabel("scaled: 1 = best seen, 0 = worst seen")
    ax.set_title("parallel coordinates (red: non-dominated)", fontsize=9)


def _ranges(result, ok) -> list[str]:
    """Per objective, its worst and best value seen (raw units), for the parallel axes."""
    out = []
    for j, o in enumerate(result.objectives):
        y = result.Y[ok, j]
        best, worst = (y.max(), y.min()) if o.direction == "maximize" else (y.min(), y.max())
        out.append(f"{worst:.3g} → {best:.3g}")
    return out


def plot_parallel_coordinates(result, path=None, *, units: dict | None = None):
    """Parallel coordinates of every successful evaluation: one axis per objective, scaled so
    that up is better (its worst and best raw values under its name), the non-dominated points
    in red. Returns the ``Figure``; ``path`` also saves it."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(max(5.0, 1.8 * len(result.objectives)), 4.2))
    _parallel(ax, result, axis_labels(result, units))
    return _finish(fig, path)


def plot_hypervolume_trace(result, path=None, *, normalized: bool = False):
    """Hypervolume after each evaluation with the end of the initial design marked; with a known
    maximum, also log10 of the gap to it. ``normalized``: as a fraction of the known maximum
    (:class:`InvalidInputError` without one). Returns the ``Figure``; ``path`` also saves it."""
    plt = pyplot()
    trace, best = np.asarray(result.hypervolume_trace, dtype=float), result.max_hypervolume
    if normalized and not best:
        raise InvalidInputError("normalized=True needs the task's maximum hypervolume (result.max_hypervolume), "
                                "which this run does not know")
    x = np.arange(1, len(trace) + 1)
    fig, axes = plt.subplots(1, 2 if best else 1, figsize=(10 if best else 5.5, 4), squeeze=False)
    ax = axes[0][0]
    ax.plot(x, trace / best if normalized else trace, c="C0", label="hypervolume")
    if best:
        ax.axhline(1.0 if normalized else best, ls="--", c="0.5", label="maximum")
        gap = np.maximum(best - trace, 1e-12 * best)
        axes[0][1].plot(x, np.log10(gap / best if normalized else gap), c="C1")
        axes[0][1].set_xlabel("evaluations")
        axes[0][1].set_ylabel("log10(1 - HV / max HV)" if normalized else "log10(max HV - HV)")
    n_init = result.n_init
    for a in axes[0]:
        if n_init and n_init < len(trace):
            a.axvline(n_init + 0.5, c="0.3", lw=0.8, ls=":", label="end of initial design")
    ax.set_xlabel("evaluations")
    ax.set_ylabel("hypervolume / maximum ↑" if normalized else "hypervolume ↑")
    if result.ref_point is None:
        ax.set_title("reference point not inferred yet", fontsize=9)
    ax.legend(loc="lower right", fontsize=7)
    return _finish(fig, path)
