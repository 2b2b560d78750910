"""How one node of the partition tree splits its samples in two.

Labelling: every sample gets its *dominance number* among the node's samples (how many of them
dominate it); samples ranked by it, the better half is labelled good (1), the rest bad (0), as in
LaMOO. With outcome constraints samples are ranked by constraint-domination instead: feasible
ones by dominance number among the feasible, then infeasible ones by violation (the smaller the
better; :func:`lamoo.constraints.constraint_rank`). Classification: a classifier (by default scikit-learn's ``SVC`` on standardized inputs) is
fitted on these labels; its *predictions* define the two children, so that the region membership
test and the tree agree exactly. The split is degenerate, and the node a leaf, when the labels have
one class or the classifier predicts one class for every sample.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from lamoo.constraints import constraint_rank
from lamoo.pareto import dominance_number

GOOD, BAD = 1, 0


def dominance_labels(F: np.ndarray, violation: np.ndarray | None = None) -> np.ndarray:
    """``(n,)`` int labels for canonical values ``F`` (``n x m``, minimized, no NaN): 1 for the
    ``ceil(n/2)`` samples with the smallest dominance numbers, 0 for the others. With
    ``violation`` (``n,``, 0 for feasible samples) the ranking is by constraint-domination. Ties
    are broken by order in the archive, so labels are deterministic."""
    order = np.argsort(constraint_rank(F, violation, dominance_number), kind="stable")
    labels = np.full(len(F), BAD, dtype=np.int64)
    labels[order[: (len(F) + 1) // 2]] = GOOD
    return labels


@dataclass(frozen=True)
class SVMConfig:
    """Parameters of the default classifier: ``SVC(kernel, C, gamma, degree)`` after a
    ``StandardScaler``."""

    kernel: str = "rbf"
    C: float = 1.0
    gamma: str | float = "scale"
    degree: int = 3

    def make(self):
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVC

        return make_pipeline(StandardScaler(), SVC(kernel=self.kernel, C=self.C, gamma=self.gamma, degree=self.degree))


ClassifierFactory = Callable[[], Any]


def fit_split(features: np.ndarray, F: np.ndarray, make_classifier: ClassifierFactory,
              violation: np.ndarray | None = None):
    """Fit a classifier separating good from bad samples of one node.

    Args:
        features: ``(n x p)`` model inputs of the node's samples.
        F: ``(n x m)`` their canonical objective values.
        make_classifier: returns a fresh estimator with ``fit(X, y)`` and ``predict(X)``.
        violation: ``(n,)`` their constraint violations (None: no constraints).

    Returns:
        ``(classifier, predicted_labels)``, or ``(None, None)`` when the split is degenerate.
    """
    labels = dominance_labels(F, violation)
    if len(np.unique(labels)) < 2:
        return None, None
    clf = make_classifier()
    clf.fit(features, labels)
    predicted = np.asarray(clf.predict(features))
    if len(np.unique(predicted)) < 2:
        return None, None
    return clf, predicted
