"""Plots of a :class:`~lamoo.result.Result`: its Pareto front and its hypervolume trace (PNG)."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_pareto(result, path) -> Path:
    """Scatter of every successful evaluation (infeasible ones as crosses) with the non-dominated
    feasible ones highlighted; for three
    or more objectives, one panel per pair of the first three. Raw units on the axes."""
    plt = _pyplot()
    Y, mask = result.Y, result.pareto_mask()
    ok = ~result.failed
    names = [f"{o.name} ({'min' if o.direction == 'minimize' else 'max'})" for o in result.objectives]
    pairs = [(0, 1)] if Y.shape[1] == 2 else [(0, 1), (0, 2), (1, 2)][: max(1, Y.shape[1] * (Y.shape[1] - 1) // 2)]
    if Y.shape[1] == 1:
        pairs = []
    fig, axes = plt.subplots(1, max(1, len(pairs)), figsize=(5 * max(1, len(pairs)), 4), squeeze=False)
    for ax, (i, j) in zip(axes[0], pairs):
        feasible, infeasible = ok & result.feasible, ok & ~result.feasible
        ax.scatter(Y[feasible, i], Y[feasible, j], s=10, c="0.75", label="evaluated")
        if infeasible.any():  # outcome constraints: these do not count in the front
            ax.scatter(Y[infeasible, i], Y[infeasible, j], s=12, c="0.55", marker="x", lw=0.8, label="infeasible")
        order = np.argsort(Y[mask, i])
        ax.scatter(Y[mask, i][order], Y[mask, j][order], s=18, c="C3", label="non-dominated")
        ax.set_xlabel(names[i])
        ax.set_ylabel(names[j])
    if pairs:
        axes[0][0].legend(loc="best", fontsize=8)
    fig.suptitle(f"Pareto front: {int(mask.sum())} of {int(ok.sum())} points")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_hypervolume_trace(result, path) -> Path:
    """Hypervolume after each evaluation; with a known maximum, also log10 of the gap to it."""
    plt = _pyplot()
    trace = result.hypervolume_trace
    x = np.arange(1, len(trace) + 1)
    panels = 2 if result.max_hypervolume else 1
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 4), squeeze=False)
    ax = axes[0][0]
    ax.plot(x, trace, c="C0")
    if result.max_hypervolume:
        ax.axhline(result.max_hypervolume, ls="--", c="0.5", label="maximum")
        ax.legend(loc="lower right", fontsize=8)
        gap = np.maximum(result.max_hypervolume - trace, 1e-12)
        axes[0][1].plot(x, np.log10(gap), c="C1")
        axes[0][1].set_xlabel("evaluations")
        axes[0][1].set_ylabel("log10(max HV - HV)")
    ax.set_xlabel("evaluations")
    ax.set_ylabel("hypervolume")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
