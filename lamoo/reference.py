"""A run's hypervolume reference point: the task's, the caller's, or inferred from the run.

A run without a reference point (``ref_point=None`` and a task that declares none, or
``ref_point="infer"``) infers one as BoTorch recommends: once its first ``n_init`` evaluations
(the initial design) are told, the nadir of their Pareto front widened by 10% of its range
(:func:`lamoo.pareto.infer_reference_point`). If every one of them failed, the first successful
evaluations after them are used. The point is written to the journal (a ``reference`` record;
the header says ``"ref_point_source": "inferred"``) and never changes during the run: a resume
reads it back. Before it exists the run's hypervolumes are undefined (``Result.hypervolume``
asks for a ``ref_point``) and a sampler asked for points (possible only with ask/tell, before
the initial design is told) measures its own from the points it has.
"""
from __future__ import annotations

import numpy as np

from lamoo.exceptions import InvalidInputError
from lamoo.pareto import REF_SCALE, infer_reference_point
from lamoo.task import check_ref_point, from_minimization

INFER = "infer"
RULE = (f"the nadir of the Pareto front of the initial design widened by {REF_SCALE:g} x its range in each "
        f"objective (BoTorch's infer_reference_point)")


def resolve_ref_point(given, task_ref_point, objectives, ideal_point=None) -> tuple[np.ndarray | None, str]:
    """``(ref_point, source)`` of a new run: ``given`` (raw units, ``m,``), else the task's, else
    ``(None, "inferred")``; ``given == "infer"`` infers one even for a task that declares one."""
    if isinstance(given, str):
        if given != INFER:
            raise InvalidInputError(f"ref_point must be {len(objectives)} numbers (raw units), None (the task's, or "
                                    f"inferred when it has none) or {INFER!r}, got {given!r}")
        return None, "inferred"
    if given is not None:
        return check_ref_point(given, objectives, ideal_point), "given"
    if task_ref_point is not None:
        return check_ref_point(task_ref_point, objectives, ideal_point), "task"
    return None, "inferred"


def due_reference(archive, n_init: int) -> tuple[np.ndarray, int] | None:
    """``(ref_point, k)``: the reference point (raw units) inferred from the first ``k`` evaluations
    of ``archive``, once they are due (``k = n_init``, or up to the first success if all of those
    failed); None while fewer are told."""
    if archive.n < n_init:
        return None
    valid = archive.valid_indices
    if len(valid) == 0:
        return None
    k = max(n_init, int(valid[0]) + 1)
    return from_minimization(infer_reference_point(archive.F[:k]), archive.objectives), k


def max_hypervolume_for(ref_point, source: str, task_max, front, objectives) -> float | None:
    """The largest hypervolume w.r.t. a run's reference point: the task's ``task_max`` when the
    run uses the task's point, else the hypervolume of the task's exact ``front`` (``k x m`` raw)
    w.r.t. ``ref_point``, else None."""
    from lamoo.pareto import hypervolume
    from lamoo.task import to_minimization

    if source == "task":
        return task_max
    if ref_point is None or front is None or len(front) == 0:
        return None
    return hypervolume(to_minimization(np.asarray(front, dtype=float), objectives),
                       to_minimization(np.asarray(ref_point, dtype=float), objectives))


def describe_reference(ref_point, source: str, n_evaluations: int | None = None) -> str:
    """One line saying what a run's reference point is and where it comes from."""
    if ref_point is None:
        return f"reference point: not inferred yet (it will be {RULE})"
    values = "[" + ", ".join(f"{v:.6g}" for v in np.asarray(ref_point, dtype=float)) + "]"
    if source == "inferred":
        where = f"the first {n_evaluations} evaluations" if n_evaluations else "the initial design"
        return (f"reference point: {values}, inferred from {where} ({RULE}); it is fixed for the whole run: pass "
                f"ref_point= (--ref-point) to choose one")
    return f"reference point: {values} ({'the task' if source == 'task' else 'given'})"
