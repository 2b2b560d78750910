"""Quality indicators beyond hypervolume, against a known Pareto front, computed by ``moocore``.

All take canonical (minimization) values: the approximation ``F`` (``n x m``; failed NaN rows
and dominated rows are left out, as they do not belong to the approximation's front) and the
reference front ``R`` (``k x m``, e.g. a table task's exact front). Lower is better for every
one, and 0 means ``F``'s front covers ``R``:

- :func:`igd`: the mean over ``R`` of the distance to the nearest point of ``F`` (Coello and
  Sierra 2004);
- :func:`igd_plus`: the same with the distance counting only where ``F`` is worse (Ishibuchi et
  al. 2015): weakly Pareto compliant;
- :func:`epsilon_additive`: the smallest ``eps`` such that every point of ``R`` is weakly
  dominated by some point of ``F`` shifted by ``-eps`` (Zitzler et al. 2003); may be negative
  when ``F`` dominates ``R``.

With ``normalize=True`` (the default) each objective is first scaled by the reference front's
range (its ideal point to 0, its nadir to 1), so objectives in different units (accuracy in %,
FLOPs in millions) weigh alike; an objective on which the front has no spread is left unscaled.
"""
from __future__ import annotations

import numpy as np

from lamoo.exceptions import InvalidInputError
from lamoo.pareto import _as_F, non_dominated_mask

INDICATORS = ("igd", "igd_plus", "epsilon_additive")


def _prepare(F, front, normalize: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """The approximation's non-dominated rows and the reference front, both checked and (when
    ``normalize``) scaled by the front's range; None when the approximation has no successful row."""
    F, R = _as_F(F), _as_F(front)
    if R.shape[1] != F.shape[1]:
        raise InvalidInputError(f"the reference front has {R.shape[1]} objectives and the points {F.shape[1]}: they "
                                f"must describe the same objectives")
    R = R[~np.isnan(R).any(axis=1)]
    if len(R) == 0:
        raise InvalidInputError("the reference front must hold at least one point without NaN")
    A = F[non_dominated_mask(F)]
    if len(A) == 0:
        return None
    if normalize:
        lo, hi = R.min(axis=0), R.max(axis=0)
        scale = np.where(hi - lo > 0, hi - lo, 1.0)
        A, R = (A - lo) / scale, (R - lo) / scale
    return A, R


def igd(F, front, normalize: bool = True) -> float:
    """Inverted generational distance of ``F`` (``n x m``, minimized) to ``front`` (``k x m``,
    minimized); NaN when ``F`` has no successful row."""
    import moocore

    sets = _prepare(F, front, normalize)
    return float("nan") if sets is None else float(moocore.igd(sets[0], ref=sets[1]))


def igd_plus(F, front, normalize: bool = True) -> float:
    """IGD+ of ``F`` (``n x m``, minimized) to ``front`` (``k x m``, minimized); NaN when ``F``
    has no successful row."""
    import moocore

    sets = _prepare(F, front, normalize)
    return float("nan") if sets is None else float(moocore.igd_plus(sets[0], ref=sets[1]))


def epsilon_additive(F, front, normalize: bool = True) -> float:
    """Additive epsilon indicator of ``F`` (``n x m``, minimized) w.r.t. ``front`` (``k x m``,
    minimized); NaN when ``F`` has no successful row."""
    import moocore

    sets = _prepare(F, front, normalize)
    return float("nan") if sets is None else float(moocore.epsilon_additive(sets[0], ref=sets[1]))


def indicators(F, front, normalize: bool = True) -> dict[str, float]:
    """``{"igd": ..., "igd_plus": ..., "epsilon_additive": ...}`` of ``F`` w.r.t. ``front``."""
    return {"igd": igd(F, front, normalize), "igd_plus": igd_plus(F, front, normalize),
            "epsilon_additive": epsilon_additive(F, front, normalize)}


def known_front(task, objectives) -> np.ndarray | None:
    """``(k x m)`` raw objective values of ``task``'s exact Pareto front when it knows one
    (``task.exact_pareto_front()`` returning a DataFrame with a column per objective, or an
    array), else None."""
    exact = getattr(task, "exact_pareto_front", None)
    if not callable(exact):
        return None
    front = exact()
    if hasattr(front, "columns"):
        missing = [o.name for o in objectives if o.name not in front.columns]
        if missing:
            raise InvalidInputError(f"task.exact_pareto_front() has no column for objectives {missing}; its columns "
                                    f"are {list(front.columns)}")
        front = front[[o.name for o in objectives]].to_numpy(dtype=float)
    front = np.asarray(front, dtype=float)
    if front.ndim != 2 or front.shape[1] != len(objectives):
        raise InvalidInputError(f"task.exact_pareto_front() must be (k x {len(objectives)}), got shape {front.shape}")
    return front
