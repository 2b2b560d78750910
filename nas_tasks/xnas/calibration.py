"""Activation-based calibration and identifying mispredictions (XNAS §4.3, Figs. 7 and 8 top).

A trained network's class-mean activations ``mu_c`` (``k x D``, the Eq. 1 activation vector: stem,
every block and the pooled features) come from its training split. A held-out sample's activation
vector ``a`` is compared with each class mean by cosine distance ``d_c = 1 - cos(a, mu_c)``; the
predicted class's distance, read as a probability ``1 - d_pred / 2`` (1: on the class mean, 0:
opposite to it), is the sample's *activation confidence*. Calibration quality is the Pearson and
Spearman correlation, over 50 equal-width confidence bins on [0, 1], of each bin's mean confidence
against its accuracy (non-empty bins only); the softmax's top probability is scored the same way
beside it. Both scores also rank samples for removal: the accuracy gained by dropping the
lowest-scoring percentiles says how well a score identifies mispredictions.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lamoo.exceptions import InvalidInputError

N_BINS = 50
PERCENTILES = (5, 10, 20, 30, 40, 50)


@torch.no_grad()
def class_mean_activations(model: torch.nn.Module, data, part: str = "train", layers="all") -> torch.Tensor:
    """``(k x D)`` float64 class means of the activation vectors on split ``part`` (true labels);
    rows of classes absent from the split are NaN."""
    from nas_tasks.objectives.introspectability import class_sums

    sums, counts = class_sums(model, data, part, layers, "label")
    means = sums / counts.clamp(min=1)[:, None]
    means[counts == 0] = float("nan")
    return means


@torch.no_grad()
def activation_distances(model: torch.nn.Module, data, means: torch.Tensor, part: str = "test", layers="all",
                         batch_size: int = 256) -> dict[str, np.ndarray]:
    """Cosine distances of each sample of ``part`` to each class mean.

    Returns ``{"distances": (N x k), "logits": (N x k), "labels": (N,)}`` as NumPy arrays; the
    activation vectors themselves are never stored (memory independent of ``N``)."""
    from nas_tasks.objectives.introspectability import ActivationRecorder, resolve_layers

    unit = means / means.norm(dim=1, keepdim=True)
    out = {"distances": [], "logits": [], "labels": []}
    model.eval()
    with ActivationRecorder(model, resolve_layers(model, layers)) as rec:
        for x, y in data.batches(part, batch_size):
            logits = model(x).float()
            a = torch.cat([v.to(torch.float64) for v in rec.vectors()], dim=1)
            a = a / a.norm(dim=1, keepdim=True)
            out["distances"].append((1.0 - a @ unit.T).cpu().numpy())
            out["logits"].append(logits.cpu().numpy())
            out["labels"].append(y.cpu().numpy())
    return {k: np.concatenate(v) for k, v in out.items()}


def activation_confidence(distances: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """``(N,)`` probabilities ``1 - d_pred / 2`` from ``(N x k)`` cosine distances and the
    ``(N,)`` predicted classes (NaN where a distance is undefined)."""
    d = np.asarray(distances, float)[np.arange(len(predicted)), np.asarray(predicted, int)]
    return np.clip(1.0 - d / 2.0, 0.0, 1.0)


def softmax_confidence(logits: np.ndarray) -> np.ndarray:
    """``(N,)`` top softmax probability of ``(N x k)`` logits."""
    z = np.asarray(logits, float)
    p = np.exp(z - z.max(1, keepdims=True))
    return (p / p.sum(1, keepdims=True)).max(1)


def calibration_bins(confidence: np.ndarray, correct: np.ndarray, n_bins: int = N_BINS) -> dict[str, np.ndarray]:
    """Per equal-width bin of ``confidence`` on [0, 1]: ``count``, mean ``confidence`` and
    ``accuracy`` (``(n_bins,)`` arrays; NaN in empty bins)."""
    c = np.asarray(confidence, float)
    ok = np.isfinite(c)
    c, hit = c[ok], np.asarray(correct, float)[ok]
    idx = np.clip((c * n_bins).astype(int), 0, n_bins - 1)
    count = np.bincount(idx, minlength=n_bins).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_c = np.bincount(idx, weights=c, minlength=n_bins) / count
        acc = np.bincount(idx, weights=hit, minlength=n_bins) / count
    return {"count": count, "confidence": mean_c, "accuracy": acc}


def calibration_correlation(confidence: np.ndarray, correct: np.ndarray, n_bins: int = N_BINS) -> dict[str, float]:
    """Pearson and Spearman correlation of bin confidence against bin accuracy over the
    non-empty of ``n_bins`` bins (higher: better calibrated); NaN with fewer than 3 bins or a
    constant side. Also ``bins``: how many bins were non-empty."""
    from scipy.stats import pearsonr, spearmanr

    b = calibration_bins(confidence, correct, n_bins)
    used = b["count"] > 0
    x, y = b["confidence"][used], b["accuracy"][used]
    if used.sum() < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return {"pearson": float("nan"), "spearman": float("nan"), "bins": int(used.sum())}
    return {"pearson": float(pearsonr(x, y)[0]), "spearman": float(spearmanr(x, y)[0]), "bins": int(used.sum())}


def misprediction_gain(score: np.ndarray, correct: np.ndarray, percentiles=PERCENTILES) -> np.ndarray:
    """``(len(percentiles),)`` accuracy gain in percentage points from removing the samples whose
    ``score`` lies in the lowest ``p`` percent (ties broken by sample order)."""
    s, hit = np.asarray(score, float), np.asarray(correct, bool)
    if s.shape != hit.shape or s.ndim != 1 or len(s) == 0:
        raise InvalidInputError(f"score and correct must be two (N,) arrays of the same length, got shapes "
                                f"{s.shape} and {hit.shape}")
    order = np.argsort(np.nan_to_num(s, nan=-np.inf), kind="stable")
    base = hit.mean()
    gains = []
    for p in percentiles:
        keep = order[int(np.floor(len(s) * p / 100.0)):]
        gains.append(100.0 * (hit[keep].mean() - base) if len(keep) else float("nan"))
    return np.array(gains)


@dataclass
class ModelCalibration:
    """One network's held-out scores: ``(N,)`` ``activation`` and ``softmax`` confidences,
    ``correct`` predictions, ``labels`` and ``predicted`` classes, and its class ``means``."""

    activation: np.ndarray
    softmax: np.ndarray
    correct: np.ndarray
    labels: np.ndarray
    predicted: np.ndarray
    means: np.ndarray

    def correlations(self, n_bins: int = N_BINS) -> dict[str, float]:
        """``activation_pearson``, ``activation_spearman``, ``softmax_pearson``, ``softmax_spearman``."""
        out = {}
        for name in ("activation", "softmax"):
            r = calibration_correlation(getattr(self, name), self.correct, n_bins)
            out[f"{name}_pearson"], out[f"{name}_spearman"] = r["pearson"], r["spearman"]
        return out


def calibrate(model: torch.nn.Module, data, layers="all", held_out: str = "test") -> ModelCalibration:
    """Class means from the training split, scores on ``held_out``."""
    means = class_mean_activations(model, data, "train", layers)
    r = activation_distances(model, data, means, held_out, layers)
    pred = r["logits"].argmax(1)
    return ModelCalibration(activation_confidence(r["distances"], pred), softmax_confidence(r["logits"]),
                            pred == r["labels"], r["labels"], pred, means.cpu().numpy())
