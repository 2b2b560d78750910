"""How one node of the partition tree splits its samples in two.

Labelling: every sample gets its *dominance number* among the node's samples (how many of them
dominate it); ranked by it, the best ``floor(n/2) + 1`` samples are labelled good (1), the rest
bad (0). This is the rule of the LaMOO reference code (``dominance_learn_clusters``: indices
``0 .. n // 2`` of the ranking are good); before issue 12 lamoo labelled ``ceil(n/2)``, which
differs for even ``n`` only. Over 20 seeds on the four NAS-Bench-201 tasks the two rules gave the
same samples-to-99% within noise (geometric-mean ratios X / LaMOO(X) 1.69 vs 1.78 for random
search, 1.08 vs 1.03 for NSGA-II; ``/work/wt/r12/research/FINDINGS.md``, "Extra checks"), so
lamoo follows the reference. With outcome constraints samples are ranked by constraint-domination
instead: feasible ones by dominance number among the feasible, then infeasible ones by violation
(the smaller the better; :func:`lamoo.constraints.constraint_rank`).

Classification: a classifier (by default an RBF SVM on standardized inputs, :class:`SVMClassifier`)
is fitted on these labels; its *predictions* define the two children, so that the region
membership test and the tree agree exactly. The split is degenerate, and the node a leaf, when the
labels have one class or the classifier predicts one class for every sample.

Scale: a node with more than ``max_fit`` samples labels and fits on a subsample of ``max_fit`` of
them (dominance numbers within the subsample) and predicts all of them to route them to its
children. Labelling and fitting then cost ``O(max_fit^2)`` per node instead of ``O(n^2)``; nodes at
or under ``max_fit`` samples are split exactly as without it. The subsample keeps the node's
non-dominated samples (moocore's filter, far cheaper than dominance numbers) and draws the rest
uniformly: a uniform subsample drops most of the front once it is a small share of the node, and
then the good region no longer follows the front (``benchmarks/results/lamoo-maxfit/``: at 3,000
samples on branin-currin the uniform subsample ended with a worse hypervolume than exact fits).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from lamoo.constraints import constraint_rank
from lamoo.pareto import dominance_number, non_dominated_mask

GOOD, BAD = 1, 0


def n_good(n: int) -> int:
    """How many of ``n`` samples are labelled good: ``floor(n/2) + 1`` (all of them for n <= 2,
    which makes such a split degenerate), as in the LaMOO reference code."""
    return min(n, n // 2 + 1)


def dominance_labels(F: np.ndarray, violation: np.ndarray | None = None) -> np.ndarray:
    """``(n,)`` int labels for canonical values ``F`` (``n x m``, minimized, no NaN): 1 for the
    :func:`n_good` samples with the smallest dominance numbers, 0 for the others. With
    ``violation`` (``n,``, 0 for feasible samples) the ranking is by constraint-domination. Ties
    are broken by order in the archive, so labels are deterministic."""
    order = np.argsort(constraint_rank(F, violation, dominance_number), kind="stable")
    labels = np.full(len(F), BAD, dtype=np.int64)
    labels[order[:n_good(len(F))]] = GOOD
    return labels


class SVMClassifier:
    """scikit-learn's ``SVC`` on standardized inputs (as ``make_pipeline(StandardScaler(),
    SVC(...))`` fits it), whose :meth:`predict` is computed with numpy: the kernel between the inputs and
    the support vectors as one matrix product (in chunks), instead of libsvm's loop over samples.

    The predictions are those of the scikit-learn pipeline except for decision values within
    float rounding of 0 (the tests check agreement on every kernel). Predicting is what the tree
    does most: every split routes its node's samples, and on finite spaces every region level
    classifies the remaining candidates (15,625 on NAS-Bench-201).

    Args:
        kernel: ``"rbf"``, ``"poly"``, ``"linear"`` or ``"sigmoid"``.
        C, gamma, degree, coef0: as in ``sklearn.svm.SVC``.
    """

    def __init__(self, kernel: str = "rbf", C: float = 1.0, gamma: str | float = "scale", degree: int = 3,
                 coef0: float = 0.0):
        self.kernel = kernel
        self.C = C
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0

    def fit(self, X: np.ndarray, y: np.ndarray) -> "SVMClassifier":
        """Fit on ``X`` (``n x p``) and labels ``y`` (``n,``, two classes)."""
        import sklearn
        from sklearn.svm import SVC

        X = np.asarray(X, dtype=float)
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        # StandardScaler's rule: a (numerically) constant feature is centred, not scaled
        self.scale_ = np.where(std < 10 * np.finfo(float).eps * np.maximum(1.0, np.abs(self.mean_)), 1.0, std)
        Z = self._standardize(X)
        self.svc_ = SVC(kernel=self.kernel, C=self.C, gamma=self.gamma, degree=self.degree, coef0=self.coef0)
        # the inputs were checked by lamoo: skip scikit-learn's per-call validation (most of a fit's time)
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            self.svc_.fit(Z, y)
        self.classes_ = self.svc_.classes_
        if self.gamma == "scale":  # as SVC resolves it
            var = Z.var()
            self.gamma_ = 1.0 / (Z.shape[1] * var) if var != 0 else 1.0
        else:
            self.gamma_ = 1.0 / Z.shape[1] if self.gamma == "auto" else float(self.gamma)
        self.support_vectors_ = self.svc_.support_vectors_
        self.sv_sq_ = (self.support_vectors_ ** 2).sum(axis=1)
        return self

    def _standardize(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, dtype=float) - self.mean_) / self.scale_

    def decision_function(self, X: np.ndarray, chunk_elems: int = 2_000_000) -> np.ndarray:
        """``(k,)`` signed distances to the boundary of the rows of ``X`` (``k x p``); positive
        means ``classes_[1]``, as in scikit-learn."""
        Z = self._standardize(X)
        coef, b = self.svc_.dual_coef_[0], float(self.svc_.intercept_[0])
        out = np.empty(len(Z))
        step = max(1, chunk_elems // max(len(self.support_vectors_), 1))
        for s in range(0, len(Z), step):
            out[s:s + step] = self._kernel(Z[s:s + step]) @ coef + b
        return out

    def _kernel(self, Z: np.ndarray) -> np.ndarray:
        dot = Z @ self.support_vectors_.T
        if self.kernel == "linear":
            return dot
        if self.kernel == "rbf":
            d2 = (Z ** 2).sum(axis=1)[:, None] + self.sv_sq_[None, :] - 2.0 * dot
            return np.exp(-self.gamma_ * np.maximum(d2, 0.0))
        if self.kernel == "poly":
            return (self.gamma_ * dot + self.coef0) ** self.degree
        return np.tanh(self.gamma_ * dot + self.coef0)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """``(k,)`` predicted labels of the rows of ``X`` (``k x p``)."""
        X = np.asarray(X, dtype=float)
        if len(X) == 0:
            return np.empty(0, dtype=self.classes_.dtype)
        return self.classes_[(self.decision_function(X) > 0).astype(np.int64)]

    def get_params(self, deep: bool = True) -> dict:
        """Constructor parameters (scikit-learn's convention, so ``sklearn.base.clone`` works)."""
        return {"kernel": self.kernel, "C": self.C, "gamma": self.gamma, "degree": self.degree, "coef0": self.coef0}

    def set_params(self, **params) -> "SVMClassifier":
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        return f"SVMClassifier(kernel={self.kernel!r}, C={self.C!r}, gamma={self.gamma!r}, degree={self.degree!r})"


@dataclass(frozen=True)
class SVMConfig:
    """Parameters of the default classifier: an SVM with ``kernel``, ``C``, ``gamma`` and
    ``degree`` on standardized inputs (:class:`SVMClassifier`)."""

    kernel: str = "rbf"
    C: float = 1.0
    gamma: str | float = "scale"
    degree: int = 3

    def make(self) -> SVMClassifier:
        return SVMClassifier(kernel=self.kernel, C=self.C, gamma=self.gamma, degree=self.degree)


ClassifierFactory = Callable[[], Any]


def fit_rows(F: np.ndarray, size: int, rng: np.random.Generator, violation: np.ndarray | None = None) -> np.ndarray:
    """Sorted indices of ``size`` of the ``n`` samples ``F`` (``n x m``, canonical) to label and
    fit on: the non-dominated ones (among the feasible when ``violation`` is given and some are
    feasible; else the least violating one), a uniform draw of them if they alone exceed
    ``size``, then a uniform draw of the others."""
    feasible = np.ones(len(F), dtype=bool) if violation is None else violation == 0
    if feasible.any():
        pool = np.flatnonzero(feasible)
        front = pool[non_dominated_mask(F[pool])]
    else:
        front = np.array([int(np.argmin(violation))])
    if len(front) >= size:
        return np.sort(rng.choice(front, size=size, replace=False))
    rest = np.setdiff1d(np.arange(len(F)), front)
    return np.sort(np.concatenate([front, rng.choice(rest, size=size - len(front), replace=False)]))


def fit_split(features: np.ndarray, F: np.ndarray, make_classifier: ClassifierFactory, *,
              max_fit: int | None = None, rng: np.random.Generator | None = None,
              violation: np.ndarray | None = None):
    """Fit a classifier separating good from bad samples of one node.

    Args:
        features: ``(n x p)`` model inputs of the node's samples.
        F: ``(n x m)`` their canonical objective values.
        make_classifier: returns a fresh estimator with ``fit(X, y)`` and ``predict(X)``.
        max_fit: above this many samples, label and fit on a subsample of ``max_fit`` of them
            (:func:`fit_rows`, drawn from ``rng``, required then); ``None``: always all of them.
        violation: ``(n,)`` their constraint violations (None: no constraints).

    Returns:
        ``(classifier, predicted_labels)`` with labels ``(n,)`` for every sample, or
        ``(None, None)`` when the split is degenerate.
    """
    rows = np.arange(len(F))
    if max_fit is not None and len(F) > max_fit:
        rows = fit_rows(F, max_fit, rng, violation)
    labels = dominance_labels(F[rows], None if violation is None else violation[rows])
    if len(np.unique(labels)) < 2:
        return None, None
    clf = make_classifier()
    clf.fit(features[rows], labels)
    predicted = np.asarray(clf.predict(features))
    if len(np.unique(predicted)) < 2:
        return None, None
    return clf, predicted
