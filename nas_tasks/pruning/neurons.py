"""Influential neurons of a Pareto front, and which image regions they respond to.

:func:`influential_units` counts, over the front's models, how often each *neuron* is kept: a
backbone feature for genomes over the sparse layer's inputs, a sparse-layer unit otherwise (for
connection genomes: a unit with an active connection). The units every model keeps, and the most
frequent ones, are the front's influential neurons (MO-EvoPruneDeepTL ranks by frequency in its
aggregated front and shows the top 10).

:func:`grad_cam` shows which input regions drive a unit: Grad-CAM (Selvaraju et al.) on the
backbone's last spatial feature map ``A`` (``C x h x w``): weights ``alpha_c = mean_ij dS/dA_cij``,
map ``ReLU(sum_c alpha_c A_c)``, upsampled to the image and scaled to ``[0, 1]``; or Grad-CAM++
(``method="gradcam++"``, what the released code uses, through tf-keras-vis). The score ``S`` is the
backbone feature itself (``"inputs"`` genomes, as the paper scores ResNet-50's pooled feature), or
the sparse-layer unit's activation in one model of the front (other levels: the unit exists only
with a head's weights; by default the most accurate model that keeps it).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from lamoo.checks import check_choice, check_int
from lamoo.exceptions import InvalidInputError


def influential_units(task, genomes, Y=None, top_k: int = 10) -> dict:
    """How often the front's models keep each neuron (see the module docstring).

    Args:
        task: the :class:`~nas_tasks.pruning.task.PruneTask`; genomes: ``(n x length)``.
        Y: ``(n x m)`` their objective values (raw units), for the mean values of the models
            keeping each top unit.
        top_k: how many of the most frequent units to list.

    Returns:
        ``{"unit_kind", "frequency" (U,), "kept_by_all", "kept_by_none", "top": [{"unit",
        "frequency", "mean_<objective>"...}]}`` (lists, JSON-able).
    """
    check_int(top_k, "top_k", 1)
    units = task.layout.units(genomes)
    freq = units.mean(axis=0)
    order = np.lexsort((np.arange(len(freq)), -freq))[:top_k]
    top = []
    for u in order:
        row = {"unit": int(u), "frequency": float(freq[u])}
        if Y is not None and units[:, u].any():
            for j, o in enumerate(task.objectives):
                row[f"mean_{o.name}"] = float(np.nanmean(np.asarray(Y, dtype=float)[units[:, u], j]))
        top.append(row)
    return {"unit_kind": "backbone feature" if task.layout.level == "inputs" else "sparse-layer unit",
            "n_models": int(len(units)), "frequency": freq.tolist(),
            "kept_by_all": np.flatnonzero(freq == 1.0).tolist(), "kept_by_none": np.flatnonzero(freq == 0.0).tolist(),
            "top": top}


def grad_cam(backbone, images: torch.Tensor, score: Callable[[torch.Tensor], torch.Tensor],
             method: str = "gradcam") -> np.ndarray:
    """``n x h x w`` maps in ``[0, 1]`` of where ``score(features)`` (``(n,)`` from ``n x p``
    features) comes from in ``images`` (``n x c x h x w`` intensities in ``[0, 1]``), at the
    images' size.

    Raises:
        InvalidInputError: the backbone has no spatial feature map.
    """
    check_choice(method, "method", ("gradcam", "gradcam++"))
    images = images.to(backbone.device).float()
    feats, A = backbone.features_and_map(images)
    with torch.enable_grad():
        grad, = torch.autograd.grad(score(feats).sum(), A, allow_unused=True)
    if grad is None:  # the score does not depend on the map
        return np.zeros((len(images), *images.shape[2:]))
    if method == "gradcam":
        alpha = grad.mean(dim=(2, 3))
    else:
        g2, g3 = grad ** 2, grad ** 3
        denom = 2 * g2 + (A.detach() * g3).sum(dim=(2, 3), keepdim=True)
        weights = torch.where(denom != 0, g2 / torch.where(denom != 0, denom, torch.ones_like(denom)), 0.0)
        alpha = (weights * torch.relu(grad)).sum(dim=(2, 3))
    cam = torch.relu((alpha[:, :, None, None] * A.detach()).sum(dim=1, keepdim=True))
    cam = F.interpolate(cam, size=tuple(images.shape[2:]), mode="bilinear", align_corners=False)[:, 0]
    top = cam.flatten(1).max(dim=1).values.clamp(min=1e-12)[:, None, None]
    return (cam / top).cpu().numpy()


def unit_score(task, unit: int, genomes=None, Y=None) -> Callable[[torch.Tensor], torch.Tensor]:
    """The Grad-CAM score of neuron ``unit``: the backbone feature (``"inputs"`` genomes), or the
    unit's activation in the most accurate of ``genomes`` (with values ``Y``) that keeps it."""
    layout = task.layout
    if layout.level == "inputs":
        if not 0 <= unit < layout.n_features:
            raise InvalidInputError(f"unit {unit} is not a backbone feature (0 .. {layout.n_features - 1})")
        return lambda f: f[:, unit]
    if genomes is None:
        raise InvalidInputError(f"a sparse-layer unit's activation needs the genomes of the models (level "
                                f"{layout.level!r})")
    keeps = np.flatnonzero(layout.units(genomes)[:, unit])
    if len(keeps) == 0:
        raise InvalidInputError(f"no model of the front keeps unit {unit}")
    names = [o.name for o in task.objectives]
    if Y is not None and "accuracy" in names:
        keeps = keeps[[int(np.nanargmax(np.asarray(Y)[keeps, names.index("accuracy")]))]]
    head = task.heads(np.asarray(genomes)[keeps[:1]]).head(0)
    return lambda f: head.hidden(f)[:, unit]


def gradcam_figure(task, genomes, Y, path, top_k: int = 5, n_images: int = 4, method: str = "gradcam",
                   part: str = "test") -> dict:
    """Plot Grad-CAM of the ``top_k`` most kept units (columns) on the first validation or test
    image of ``n_images`` classes (rows) to ``path`` (PNG); returns the units and images used."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    found = influential_units(task, genomes, Y, top_k)
    units = [row["unit"] for row in found["top"]]
    x, y = getattr(task.splits, part)
    rows = [int(np.flatnonzero(y == c)[0]) for c in np.unique(y)[:n_images]]
    images = torch.from_numpy(np.ascontiguousarray(x[rows])).float() * float(task.splits.dataset.scale)
    maps = [grad_cam(task.backbone, images, unit_score(task, u, genomes, Y), method) for u in units]
    fig, axes = plt.subplots(len(rows), len(units) + 1, figsize=(1.6 * (len(units) + 1), 1.6 * len(rows)),
                             squeeze=False)
    for r, img in enumerate(images.numpy()):
        picture = img[0] if img.shape[0] == 1 else np.transpose(img[:3], (1, 2, 0))
        axes[r, 0].imshow(picture, cmap="gray", vmin=0, vmax=1)
        axes[r, 0].set_ylabel(task.splits.dataset.classes[int(y[rows[r]])], fontsize=8)
        for c, cam in enumerate(maps):
            axes[r, c + 1].imshow(img.mean(axis=0), cmap="gray", vmin=0, vmax=1)
            axes[r, c + 1].imshow(cam[r], cmap="jet", alpha=0.5, vmin=0, vmax=1)
            if r == 0:
                axes[r, c + 1].set_title(f"unit {units[c]}", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"{method} on the backbone's {task.backbone.feature_map!r}: the {found['unit_kind']}s the front keeps "
                 f"most", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return {"units": units, "images": rows, "part": part, "method": method, "feature_map": task.backbone.feature_map}
