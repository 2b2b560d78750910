"""The learned preference as an objective: :class:`PreferenceTask` wraps any task.

The wrapped task evaluates its own objectives; the ranker scores the metrics it was trained on
(matched by name among them) and the score becomes a maximized objective, either the only one
(``mode="single"``: search for what the user prefers) or one more next to the task's own
(``mode="extra"``: LaMOO keeps the trade-offs *and* pulls towards the user's taste). Failed
evaluations stay failed.

Constraints (for example "the learned score must exceed that of a reference network") are not
supported yet: lamoo's driver has no constraint handling so far; they come with a later issue.
Meanwhile a constraint can be expressed by a synthetic or real preference that scores violating
networks low.
"""
from __future__ import annotations

import numpy as np

from lamoo.checks import check_choice
from lamoo.exceptions import InvalidInputError
from lamoo.task import ObjectiveSpec, check_ref_point

MODES = ("single", "extra")


class PreferenceTask:
    """``task`` with the learned preference score of ``ranker`` as an objective.

    Args:
        task: the base task; its objectives must include every metric the ranker scores.
        ranker: a fitted :class:`~nas_tasks.preference.ranker.RankNet`.
        mode: ``"single"`` (the score is the objective) or ``"extra"`` (the task's objectives,
            then the score).
        name: the score objective's name.
        ref_point: the score's reference value (``single``) or a full reference point
            (``extra``), raw units. Default for the score: on a finite task whose table is known
            (``task.Y``, such as :class:`~nas_tasks.nb201.table_task.NB201TableTask`), 1% of the
            score range below the worst cell's score; otherwise one score range below the
            lowest score of the ranker's own pool.

    Attributes: ``space``, ``objectives``, ``ref_point``, ``max_hypervolume`` (``single`` mode on a
    known table: the best cell's score minus the reference), ``columns`` (the task's columns the
    ranker reads).
    """

    def __init__(self, task, ranker, *, mode: str = "single", name: str = "preference", ref_point=None):
        self.task = task
        self.ranker = ranker
        self.mode = check_choice(mode, "mode", MODES)
        ranker._check_fitted()
        names = [o.name for o in task.objectives]
        if name in names:
            raise InvalidInputError(f"the score objective's name {name!r} is already an objective of the task; "
                                    f"pass another name=")
        missing = [m for m in ranker.metric_names if m not in names]
        if missing:
            raise InvalidInputError(f"the ranker scores {list(ranker.metric_names)} but the task's objectives are "
                                    f"{names}: {missing} missing")
        self.columns = [names.index(m) for m in ranker.metric_names]
        self.space = task.space
        score = ObjectiveSpec(name, "maximize")
        self.objectives = (score,) if self.mode == "single" else tuple(task.objectives) + (score,)
        table = getattr(task, "Y", None)
        self._table_scores = None if table is None else self.ranker.score(np.asarray(table)[:, self.columns])
        self.ref_point = check_ref_point(self._default_ref_point() if ref_point is None else ref_point,
                                         self.objectives)
        self.max_hypervolume = None
        if self.mode == "single" and self._table_scores is not None:
            self.max_hypervolume = max(float(self._table_scores.max() - self.ref_point[0]), 0.0)

    def _default_ref_point(self) -> np.ndarray:
        if self._table_scores is not None:
            lo, hi = self._table_scores.min(), self._table_scores.max()
            score_ref = lo - 0.01 * max(hi - lo, 1e-12)
        else:
            pool_scores = self.ranker.score(_pool_corners(self.ranker))
            lo, hi = pool_scores.min(), pool_scores.max()
            score_ref = lo - max(hi - lo, 1e-12)
        if self.mode == "single":
            return np.array([score_ref])
        return np.append(np.asarray(self.task.ref_point, dtype=float), score_ref)

    def scores(self, Y) -> np.ndarray:
        """``(n,)`` the learned score of raw task values ``Y`` (``n x m``; NaN rows give NaN)."""
        Y = np.asarray(Y, dtype=float)
        out = np.full(len(Y), np.nan)
        ok = np.isfinite(Y[:, self.columns]).all(axis=1)
        if ok.any():
            out[ok] = self.ranker.score(Y[ok][:, self.columns])
        return out

    def _with_score(self, Y) -> np.ndarray:
        Y = np.asarray(Y, dtype=float).reshape(-1, len(self.task.objectives))
        s = self.scores(Y)[:, None]
        return s if self.mode == "single" else np.hstack([Y, s])

    def evaluate(self, X) -> np.ndarray:
        """``(n x d)`` points -> ``(n x m')`` raw values: the score, or the task's values and the score."""
        return self._with_score(self.task.evaluate(X))

    def evaluate_with_errors(self, X):
        """As :meth:`evaluate`, with the base task's per-row errors when it reports them."""
        from lamoo.task import evaluate_safely

        Y, errors = evaluate_safely(self.task, X)
        return self._with_score(Y), errors

    def describe(self) -> dict:
        base = getattr(self.task, "describe", None)
        return {"task": "preference", "mode": self.mode, "objectives": [o.name for o in self.objectives],
                "base": base() if callable(base) else repr(self.task), "ranker": self.ranker.settings(),
                "ranker_metrics": list(self.ranker.metric_names), "n_judgments": self.ranker.n_judgments_}

    def __repr__(self) -> str:
        return f"PreferenceTask({self.task!r}, mode={self.mode!r}, objectives={[o.name for o in self.objectives]})"


def _pool_corners(ranker) -> np.ndarray:
    """Metrics spanning the ranker's pool: each metric at the pool's worst and best value (raw
    units, every combination of the two for up to 10 metrics; else the two all-worst / all-best
    corners). A monotone ranker's scores of the pool lie between those of the two corners."""
    signs = np.array([1.0 if m.direction == "maximize" else -1.0 for m in ranker.metrics])
    lo, hi = ranker.lo_ * signs, ranker.hi_ * signs  # back to raw units
    k = len(lo)
    if k <= 10:
        grid = np.array(np.meshgrid(*[[0, 1]] * k, indexing="ij")).reshape(k, -1).T
    else:
        grid = np.array([[0] * k, [1] * k])
    return np.where(grid == 1, hi, lo)


__all__ = ["MODES", "PreferenceTask"]
