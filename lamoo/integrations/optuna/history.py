"""A study's trials as a lamoo :class:`~lamoo.Archive` (the evaluated points) and pending points.

Storage is the single source of truth: the archive is rebuilt from the trials every time LaMOO
proposes. Finished trials (complete, failed, pruned) are the archive's rows in trial-number order;
failed and pruned trials are failed rows (NaN values with the state as error), so their points
are not proposed again. Running and waiting trials are pending points. Trials whose parameters do
not fit the search space (missing parameters, values outside a distribution: a define-by-run
objective with conditional parameters, say) are left out.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lamoo.archive import NO_LEAF, Archive
from lamoo.task import ObjectiveSpec

# the user attributes LaMOOSampler writes on the trials it samples and reads back here
BATCH, SOURCE, LEAF = "lamoo_batch", "lamoo_source", "lamoo_leaf"


def objectives_of(study) -> tuple[ObjectiveSpec, ...]:
    """The study's objectives: its metric names (``objective_j`` without them) and directions."""
    from optuna.study import StudyDirection

    names = study.metric_names or [f"objective_{j}" for j in range(len(study.directions))]
    return tuple(ObjectiveSpec(str(name), "maximize" if d == StudyDirection.MAXIMIZE else "minimize")
                 for name, d in zip(names, study.directions))


@dataclass
class History:
    """What the trials of a study say, for one search space.

    Attributes:
        archive: the finished trials that fit the space, in trial-number order.
        pending: ``(p x d)`` points of running or waiting trials.
        claimed: the keys (``row.tobytes()``) of every point in ``archive`` or ``pending``.
        last_batch: the largest batch number LaMOOSampler recorded on a trial (-1: none).
        n_init_used: trials that took a row of lamoo's initial design.
    """

    archive: Archive
    pending: np.ndarray
    claimed: set
    last_batch: int
    n_init_used: int


def read_history(trials, codec, objectives, ref_point, exclude_number: int | None = None) -> History:
    """The :class:`History` of ``trials`` (Optuna ``FrozenTrial``), leaving out the trial
    ``exclude_number`` (the one being sampled)."""
    from optuna.trial import TrialState

    finished = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)
    rows, values, errors, sources, leaves, batches, pending = [], [], [], [], [], [], []
    last_batch, n_init = -1, 0
    space, m = codec.space, len(objectives)
    for trial in sorted(trials, key=lambda t: t.number):
        attrs = trial.user_attrs
        last_batch = max(last_batch, int(attrs.get(BATCH, -1)))
        n_init += attrs.get(SOURCE) == "init"
        if trial.number == exclude_number:
            continue
        x = codec.to_point(trial.params)
        if x is None or not space.contains(x[None])[0]:
            continue
        if trial.state in finished:
            rows.append(x)
            ok = trial.state == TrialState.COMPLETE and trial.values is not None and len(trial.values) == m \
                and bool(np.isfinite(trial.values).all())
            values.append(list(trial.values) if ok else [np.nan] * m)
            errors.append(None if ok else f"optuna trial {trial.number}: {trial.state.name}"
                          + ("" if trial.state != TrialState.COMPLETE else " with non-finite values"))
            sources.append(attrs.get(SOURCE, "user"))
            leaves.append(int(attrs.get(LEAF, NO_LEAF)))
            batches.append(int(attrs.get(BATCH, -1)))
        elif trial.state in (TrialState.RUNNING, TrialState.WAITING):
            pending.append(x)
    archive = Archive(space, objectives, ref_point)
    if rows:
        archive.append(np.array(rows), np.array(values, dtype=float), errors=errors, leaf_ids=leaves,
                       sources=sources, batch=batches)
    pending_arr = np.array(pending, dtype=float).reshape(-1, space.n_dims) + 0.0
    claimed = {row.tobytes() for row in archive.X} | {row.tobytes() for row in pending_arr}
    return History(archive, pending_arr, claimed, last_batch, n_init)
