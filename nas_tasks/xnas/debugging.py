"""Debugging data and debugging models with class-mean activations (XNAS Fig. 8 bottom, Appendix K).

*Debugging data*: corrupt a fraction of the training labels (each to a uniformly drawn other
class), train the cell on them, and score every training sample by the activation confidence of
its *given* label, ``1 - d_cos(a, mu_label) / 2`` with class means from the corrupted labels (the
softmax probability of the given label beside it). The detection rate at percentile ``p`` is the
share of the corrupted samples found among the ``p`` % lowest scores (chance: ``p`` %).

*Debugging models*: class pairs whose means lie close should be the pairs the model confuses.
:func:`confusion_vs_distance` is the Spearman correlation between the negated pairwise cosine
distances of the class means and the folded confusion matrix (``C + C^T`` above the diagonal);
:func:`repair_pair` then fine-tunes a copy of the model for a few epochs with the Eq. 5
regularizer weighted on the most confused pair only (``omega[a, b] = omega[b, a] = 1``, else 0)
and reports that pair's confusion before and after.
"""
from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import torch

from lamoo.exceptions import InvalidInputError
from nas_tasks.xnas.calibration import (PERCENTILES, activation_confidence, activation_distances,
                                        class_mean_activations)


def corrupt_labels(y: np.ndarray, num_classes: int, fraction: float, rng: np.random.Generator):
    """``(labels, corrupted)``: ``(N,)`` labels with ``round(fraction * N)`` of them moved to a
    uniformly drawn other class, and the ``(N,)`` bool mask of those."""
    if not 0 < fraction < 1:
        raise InvalidInputError(f"the corrupted fraction must lie in (0, 1), got {fraction!r}")
    y = np.asarray(y).copy()
    idx = rng.choice(len(y), size=int(round(fraction * len(y))), replace=False)
    y[idx] = (y[idx] + rng.integers(1, num_classes, size=len(idx))) % num_classes
    mask = np.zeros(len(y), dtype=bool)
    mask[idx] = True
    return y, mask


def detection_rates(score: np.ndarray, corrupted: np.ndarray, percentiles=PERCENTILES) -> np.ndarray:
    """``(len(percentiles),)`` percent of the ``corrupted`` samples among the lowest-``score``
    ``p`` percent."""
    order = np.argsort(np.nan_to_num(np.asarray(score, float), nan=-np.inf), kind="stable")
    corrupted = np.asarray(corrupted, bool)
    return np.array([100.0 * corrupted[order[:int(np.floor(len(order) * p / 100.0))]].sum() / max(corrupted.sum(), 1)
                     for p in percentiles])


def label_noise_detection(run, codes, fraction: float = 0.2, seed: int = 0, percentiles=PERCENTILES) -> dict:
    """Train cell ``codes`` of :class:`~nas_tasks.xnas.run.TrainedRun` ``run`` (its settings) on
    training labels with ``fraction`` corrupted; returns ``{"percentiles", "activation",
    "softmax"}``: detection rates (%) of the corrupted samples by each score."""
    from nas_tasks.training import loop
    from nas_tasks.training.cell_job import build_model

    data = run.data()
    x, y = data.parts["train"]
    noisy_y, corrupted = corrupt_labels(y.cpu().numpy(), data.num_classes, fraction, np.random.default_rng(seed))
    noisy = copy.copy(data)
    noisy.parts = {**data.parts, "train": (x, torch.as_tensor(noisy_y, device=y.device))}
    model = build_model(codes, run.task.network, run.task.splits, run.task.seed)
    loop.train_model(model, noisy, run.task.training, run.task.seed)
    model.eval()
    r = activation_distances(model, noisy, class_mean_activations(model, noisy, "train"), "train")
    given = r["labels"]
    z = r["logits"] - r["logits"].max(1, keepdims=True)
    p_given = np.exp(z[np.arange(len(given)), given]) / np.exp(z).sum(1)
    return {"percentiles": list(percentiles),
            "activation": detection_rates(activation_confidence(r["distances"], given), corrupted, percentiles),
            "softmax": detection_rates(p_given, corrupted, percentiles)}


def folded_confusion(labels: np.ndarray, predicted: np.ndarray, k: int) -> np.ndarray:
    """``(k x k)`` symmetric confusion counts ``C + C^T`` with a zero diagonal."""
    C = np.zeros((k, k))
    np.add.at(C, (np.asarray(labels, int), np.asarray(predicted, int)), 1)
    F = C + C.T
    np.fill_diagonal(F, 0)
    return F


def confusion_vs_distance(means: np.ndarray, labels, predicted) -> dict:
    """Spearman rho between ``-d_cos(mu_i, mu_j)`` and the folded confusion over pairs ``i < j``
    (``means``: ``k x D``), and the most confused pair."""
    from scipy.stats import spearmanr

    M = np.asarray(means, float)
    k = len(M)
    U = M / np.linalg.norm(M, axis=1, keepdims=True)
    D = 1.0 - U @ U.T
    F = folded_confusion(labels, predicted, k)
    iu = np.triu_indices(k, 1)
    ok = np.isfinite(D[iu])
    rho = float(spearmanr(-D[iu][ok], F[iu][ok])[0]) if ok.sum() >= 3 else float("nan")
    a, b = np.unravel_index(np.argmax(np.triu(F, 1)), F.shape)
    return {"spearman": rho, "pair": (int(a), int(b)), "pair_confusions": int(F[a, b])}


def repair_pair(run, model: torch.nn.Module, pair: tuple[int, int], epochs: int = 3, weight: float = 0.5,
                lr: float = 0.01) -> dict:
    """Fine-tune a copy of ``model`` for ``epochs`` with the Eq. 5 regularizer weighted on
    ``pair`` only; returns the pair's test confusions and the test accuracy before and after."""
    from nas_tasks.objectives.introspectability import IntrospectionRegularizer
    from nas_tasks.training import loop
    from nas_tasks.training.device import predict_logits

    data, k = run.data(), run.data().num_classes
    a, b = pair
    omega = np.zeros((k, k))
    omega[a, b] = omega[b, a] = 1.0
    labels = data.parts["test"][1].cpu().numpy()

    def measure(m):
        pred = predict_logits(m, data, "test").argmax(1).cpu().numpy()
        return int(folded_confusion(labels, pred, k)[a, b]), 100.0 * float((pred == labels).mean())

    before = measure(model)
    fixed = copy.deepcopy(model)
    recipe = replace(run.task.training, epochs=int(epochs), lr=float(lr), warmup_epochs=0.0,
                     introspection_weight=0.0, introspection_pair_weights=None)
    with IntrospectionRegularizer(fixed, weight, pair_weights=omega, num_classes=k) as reg:
        loop.train_model(fixed, data, recipe, run.task.seed, regularizer=reg)
    after = measure(fixed.eval())
    return {"pair": [a, b], "confusions_before": before[0], "confusions_after": after[0],
            "accuracy_before": before[1], "accuracy_after": after[1], "epochs": int(epochs)}
