"""Plots of the XNAS analyses (PNG, matplotlib's Agg back end): the front with its hypervolume
region (Fig. 2), the front coloured by convolution and pooling counts (Fig. 4), z-scored class-mean
activations per block (Fig. 5), the 2-D PCA of the class means (Fig. 6), calibration against
introspectability (Fig. 7) and identifying mispredictions (Fig. 8 top)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from lamoo.plotting import pyplot as _pyplot


def hypervolume_region(F: np.ndarray, ref_F: np.ndarray) -> np.ndarray:
    """``(p x 2)`` vertices of the region dominated by the rows of ``F`` (``n x 2``, minimized)
    and bounded by ``ref_F`` (``(2,)``): a staircase polygon (empty when no row dominates it)."""
    F = np.asarray(F, float)
    F = F[np.isfinite(F).all(1) & (F < ref_F).all(1)]
    if len(F) == 0:
        return np.zeros((0, 2))
    F = F[np.argsort(F[:, 0], kind="stable")]
    steps, best = [], np.inf
    for f1, f2 in F:
        if f2 < best:
            steps.append((f1, f2))
            best = f2
    verts = [(ref_F[0], ref_F[1]), (steps[0][0], ref_F[1])]
    for i, (f1, f2) in enumerate(steps):
        verts.append((f1, f2))
        verts.append((steps[i + 1][0] if i + 1 < len(steps) else ref_F[0], f2))
    return np.array(verts)


def plot_front(result, path, colour: np.ndarray | None = None, colour_label: str | None = None, ax=None) -> Path:
    """Two-objective front of ``result`` (a :class:`lamoo.Result`, raw units on the axes), the
    hypervolume region w.r.t. its reference point shaded; every evaluation drawn, coloured by
    ``colour`` (``(n,)``) when given."""
    plt = _pyplot()
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(5.5, 4.2))
    sign = np.array([1.0 if o.direction == "minimize" else -1.0 for o in result.objectives])
    ok, mask = ~result.failed, result.pareto_mask()
    region = hypervolume_region(result.F[mask], sign * np.asarray(result.ref_point, float)) * sign
    if len(region):
        ax.fill(region[:, 0], region[:, 1], color="C0", alpha=0.18, lw=0, label=f"HV {result.hypervolume():.4g}")
    Y = result.Y
    if colour is None:
        ax.scatter(Y[ok, 0], Y[ok, 1], s=10, c="0.7", label="evaluated")
    else:
        sc = ax.scatter(Y[ok, 0], Y[ok, 1], s=14, c=np.asarray(colour)[ok], cmap="viridis")
        plt.colorbar(sc, ax=ax, label=colour_label)
    ax.scatter(Y[mask, 0], Y[mask, 1], s=36, facecolors="none", edgecolors="C3", label="Pareto-optimal")
    ax.scatter(*result.ref_point[:2], marker="x", c="k", label="reference point")
    names = [f"{o.name} ({'min' if o.direction == 'minimize' else 'max'})" for o in result.objectives]
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.legend(loc="best", fontsize=7)
    return _save(plt, ax.figure, path) if own else Path(path)


def plot_front_by_ops(result, counts: dict[str, np.ndarray], path) -> Path:
    """Fig. 4: the front twice, coloured by each cell's convolution and pooling counts."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, (name, values) in zip(axes, counts.items()):
        plot_front(result, path, colour=values, colour_label=f"{name} edges", ax=ax)
        ax.set_title(f"coloured by {name} count")
    return _save(plt, fig, path)


@torch.no_grad()
def block_class_means(model: torch.nn.Module, data, part: str = "train") -> dict[str, np.ndarray]:
    """``{block name: (k x C_block)}``: per class, the mean over samples and positions of each
    channel of each block's output (``forward_features`` of an NB201 network)."""
    k = data.num_classes
    sums: dict[str, torch.Tensor] = {}
    counts = torch.zeros(k, dtype=torch.float64)
    for x, y in data.batches(part, 256):
        feats, _ = model.forward_features(x)
        for name, f in feats.items():
            v = (f.flatten(2).mean(2) if f.dim() > 2 else f).double().cpu()
            sums.setdefault(name, torch.zeros(k, v.shape[1], dtype=torch.float64)).index_add_(0, y.cpu(), v)
        counts.index_add_(0, y.cpu(), torch.ones(len(y), dtype=torch.float64))
    return {n: (s / counts.clamp(min=1)[:, None]).numpy() for n, s in sums.items()}


def plot_activation_heatmap(blocks: dict[str, np.ndarray], path, title: str = "") -> Path:
    """Fig. 5: class-mean channel activations per block, z-scored per channel across classes
    (rows: classes; columns: channels, block after block)."""
    plt = _pyplot()
    parts, edges = [], [0]
    for M in blocks.values():
        sd = M.std(0, keepdims=True)
        parts.append((M - M.mean(0, keepdims=True)) / np.where(sd > 0, sd, 1.0))
        edges.append(edges[-1] + M.shape[1])
    Z = np.concatenate(parts, axis=1)
    fig, ax = plt.subplots(figsize=(min(16, 3 + Z.shape[1] / 12), 0.3 * Z.shape[0] + 1.8))
    im = ax.imshow(Z, aspect="auto", cmap="RdBu_r", vmin=-3, vmax=3, interpolation="nearest")
    for e in edges[1:-1]:
        ax.axvline(e - 0.5, c="k", lw=0.6)
    ax.set_xticks([(a + b) / 2 for a, b in zip(edges[:-1], edges[1:])])
    ax.set_xticklabels(list(blocks), rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("class")
    ax.set_title(title or "z-scored class-mean activations per block")
    fig.colorbar(im, ax=ax, label="z")
    return _save(plt, fig, path)


def plot_class_mean_pca(means: np.ndarray, path, labels=None, title: str = "") -> Path:
    """Fig. 6: the ``(k x D)`` class means projected on their first two principal components."""
    plt = _pyplot()
    M = np.asarray(means, float)
    M = M[np.isfinite(M).all(1)]
    C = M - M.mean(0)
    U, S, _ = np.linalg.svd(C, full_matrices=False)
    P = U[:, :2] * S[:2]
    explained = S[:2] ** 2 / max((S ** 2).sum(), 1e-300)
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    ax.scatter(P[:, 0], P[:, 1], c=np.arange(len(P)), cmap="tab10", s=40)
    for i, (a, b) in enumerate(P):
        ax.annotate(str(labels[i]) if labels is not None else str(i), (a, b), fontsize=8)
    ax.set_xlabel(f"PC 1 ({100 * explained[0]:.0f} %)")
    ax.set_ylabel(f"PC 2 ({100 * explained[1]:.0f} %)" if len(explained) > 1 else "PC 2")
    ax.set_title(title or "class means, 2-D PCA")
    return _save(plt, fig, path)


def plot_calibration(table, path) -> Path:
    """Fig. 7: Pearson and Spearman calibration of activation and softmax confidences against
    introspectability, one point per Pareto-optimal model (``table``: :func:`calibration_table`)."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, stat in zip(axes, ("pearson", "spearman")):
        for score, marker in (("activation", "o"), ("softmax", "s")):
            ax.scatter(table["introspectability"], table[f"{score}_{stat}"], marker=marker, label=score)
        ax.set_xlabel("introspectability")
        ax.set_ylabel(f"calibration ({stat}, 50 bins)")
        ax.legend(fontsize=8)
    return _save(plt, fig, path)


def plot_mispredictions(table, path) -> Path:
    """Fig. 8 top: accuracy gain against the percentile removed, per model and score."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for (model, score), g in table.groupby(["model", "score"], sort=False):
        ax.plot(g["percentile"], g["accuracy_gain"], marker="o", ls="-" if score == "activation" else "--",
                label=f"{model}, {score}")
    ax.set_xlabel("lowest-score percentile removed")
    ax.set_ylabel("accuracy gain (percentage points)")
    ax.legend(fontsize=7)
    return _save(plt, fig, path)


def _save(plt, fig, path) -> Path:
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
