"""Pareto tools on canonical (minimization) values ``F`` of shape ``(n x m)``.

Rows containing NaN (failed evaluations) are never non-dominated, never dominate anything and add
nothing to a hypervolume. Hypervolumes are computed by ``moocore`` (exact algorithms in C).
"""
from __future__ import annotations

import numpy as np

from lamoo.checks import as_real_array
from lamoo.exceptions import InvalidInputError


def _as_F(F) -> np.ndarray:
    """``F`` as a float64 ``(n x m)`` array of real values; NaN (failed rows) allowed, infinities not."""
    F = as_real_array(F, "objective values F")
    if F.ndim != 2:
        raise InvalidInputError(f"objective values must have shape (n x m), got shape {F.shape}")
    if np.isinf(F).any():
        raise InvalidInputError(f"objective values must be finite or NaN (failed rows), got infinite values in rows "
                                f"{np.flatnonzero(np.isinf(F).any(axis=1))[:10].tolist()}")
    return F


def _as_ref(ref_point, m: int) -> np.ndarray:
    """``ref_point`` as a finite ``(m,)`` float64 array."""
    ref = as_real_array(ref_point, "ref_point")
    if ref.shape != (m,):
        raise InvalidInputError(f"ref_point must have shape ({m},), got {ref.shape}")
    if not np.isfinite(ref).all():
        raise InvalidInputError(f"ref_point must be finite, got {ref.tolist()}")
    return ref


def non_dominated_mask(F) -> np.ndarray:
    """``(n,)`` bool: rows of ``F`` (``n x m``, minimized) that no other row dominates.
    Duplicated non-dominated rows are all kept."""
    import moocore

    F = _as_F(F)
    valid = ~np.isnan(F).any(axis=1)
    mask = np.zeros(len(F), dtype=bool)
    if valid.any():
        mask[valid] = moocore.is_nondominated(F[valid], keep_weakly=True)
    return mask


def dominance_number(F, chunk: int = 1024) -> np.ndarray:
    """``(n,)`` int: for each row of ``F`` (``n x m``, minimized), how many rows dominate it
    (are no worse in every objective and better in at least one). Failed (NaN) rows get ``n``."""
    F = _as_F(F)
    n = len(F)
    valid = ~np.isnan(F).any(axis=1)
    G = F[valid]
    counts = np.full(n, n, dtype=np.int64)
    out = np.empty(len(G), dtype=np.int64)
    for s in range(0, len(G), chunk):
        b = G[s:s + chunk]  # the rows whose dominators are counted
        no_worse = np.ones((len(b), len(G)), dtype=bool)
        better = np.zeros((len(b), len(G)), dtype=bool)
        for j in range(G.shape[1]):  # 2-D comparisons per objective: much faster than 3-D reductions
            no_worse &= G[None, :, j] <= b[:, j, None]
            better |= G[None, :, j] < b[:, j, None]
        out[s:s + chunk] = np.count_nonzero(no_worse & better, axis=1)
    counts[valid] = out
    return counts


def _inside(F: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return ~np.isnan(F).any(axis=1) & (F < ref).all(axis=1)


def hypervolume(F, ref_point) -> float:
    """Hypervolume dominated by the rows of ``F`` (``n x m``, minimized) and bounded by
    ``ref_point`` (``m,``, minimized). Rows that do not strictly dominate the reference add 0."""
    import moocore

    F = _as_F(F)
    ref = _as_ref(ref_point, F.shape[1])
    pts = F[_inside(F, ref)]
    if len(pts) == 0:
        return 0.0
    if pts.shape[1] == 1:  # a length; moocore before 0.3 crashes on one objective
        return float(ref[0] - pts[:, 0].min())
    return float(moocore.hypervolume(pts, ref=ref))


def hypervolume_trace(F, ref_point) -> np.ndarray:
    """``(n,)`` hypervolume of the first ``i + 1`` rows of ``F`` for every ``i``.

    Recomputes only when a row enters the running front, so long traces stay cheap."""
    F = _as_F(F)
    ref = _as_ref(ref_point, F.shape[1])
    inside = _inside(F, ref)
    trace = np.zeros(len(F))
    front = np.empty((0, F.shape[1]))
    hv = 0.0
    for i, f in enumerate(F):
        if inside[i] and not (front <= f).all(axis=1).any():
            front = np.vstack([front[~(f <= front).all(axis=1)], f])
            hv = hypervolume(front, ref)
        trace[i] = hv
    return trace


def hypervolume_contributions(F, ref_point) -> np.ndarray:
    """``(n,)`` exclusive hypervolume contribution of each row of ``F`` (``n x m``, minimized);
    0 for dominated, failed or out-of-reference rows."""
    import moocore

    F = _as_F(F)
    ref = _as_ref(ref_point, F.shape[1])
    out = np.zeros(len(F))
    inside = np.flatnonzero(_inside(F, ref))
    if len(inside):
        out[inside] = moocore.hv_contributions(F[inside], ref=ref)
    return out


def hypervolume_gradient(F, ref_point) -> np.ndarray:
    """``(n x m)`` how fast the hypervolume of ``F`` (``n x m``, minimized) grows as one value
    improves: entry ``[i, j]`` is the one-sided derivative ``-dHV / dF[i, j]`` for a decrease of
    ``F[i, j]`` alone (>= 0, in hypervolume per unit of objective ``j``).

    Exact, not a finite difference: it is the ``(m - 1)``-dimensional volume of the face of row
    ``i``'s box at ``F[i, j]`` that rows strictly better in objective ``j`` leave uncovered. On a
    front of two objectives sorted by objective 0, row ``i``'s entries are the height of its
    step (``F[i - 1, 1] - F[i, 1]``, from the reference for the first row) and its width
    (``F[i + 1, 0] - F[i, 0]``, up to the reference for the last row): the extremes of a front
    carry the largest entries, unlike their exclusive contributions. Strictly dominated, failed and
    out-of-reference rows get 0; duplicated rows each get the derivative of moving alone.
    """
    F = _as_F(F)
    n, m = F.shape
    ref = _as_ref(ref_point, m)
    out = np.zeros((n, m))
    inside = np.flatnonzero(_inside(F, ref))
    for j in range(m):
        rest = [k for k in range(m) if k != j]
        for i in inside:
            if m == 1:
                out[i, j] = float(not (F[inside, j] < F[i, j]).any())
                continue
            better = inside[F[inside, j] < F[i, j]]
            # the better rows' boxes, clipped to row i's: the part of its face they cover
            covering = np.maximum(F[np.ix_(better, rest)], F[i, rest])
            face = hypervolume(F[i:i + 1, rest], ref[rest])
            open_part = face - hypervolume(covering, ref[rest])
            out[i, j] = open_part if open_part > 1e-12 * face else 0.0  # rounding of a covered face
    return out


REF_SCALE = 0.1
"""The margin of an inferred reference point, as a fraction of each objective's range (BoTorch's
default, after Ishibuchi et al. 2011)."""
MIN_RANGE = 1e-7
"""The smallest range an inferred reference point is widened by (BoTorch's ``MIN_Y_RANGE``)."""


def infer_reference_point(F, scale: float = REF_SCALE) -> np.ndarray:
    """``(m,)`` a reference point inferred from the points ``F`` (``n x m``, minimized, NaN rows
    ignored) as BoTorch's ``infer_reference_point`` does: the nadir of their Pareto front widened
    by ``scale`` times the front's range in each objective (``scale * |value|`` for a front of one
    point; never less than ``scale * 1e-7``), so every point of the front dominates it.

    Raises:
        InvalidInputError: when ``F`` has no successful row, or ``scale`` is not a positive number.
    """
    F = _as_F(F)
    if not (isinstance(scale, (int, float)) and not isinstance(scale, bool) and np.isfinite(scale) and scale > 0):
        raise InvalidInputError(f"scale must be a positive number, got {scale!r}")
    front = F[non_dominated_mask(F)]
    if len(front) == 0:
        raise InvalidInputError(f"a reference point is inferred from successful evaluations; the {len(F)} given all "
                                f"failed")
    nadir = front.max(axis=0)
    spread = np.abs(nadir) if len(front) == 1 else nadir - front.min(axis=0)
    return nadir + scale * np.maximum(spread, MIN_RANGE)


def nadir_reference(F) -> np.ndarray:
    """``(m,)`` a reference point for runs without one: the worst value of each objective of ``F``
    (``n x m``, minimized, no NaN) plus 10% of its range (zeros when ``F`` is empty)."""
    F = _as_F(F)
    if len(F) == 0:
        return np.zeros(F.shape[1])
    lo, hi = F.min(axis=0), F.max(axis=0)
    return hi + 0.1 * np.maximum(hi - lo, 1e-12)
