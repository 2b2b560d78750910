"""Batch selection for the BoTorch samplers: sequential greedy maximization inside a region.

A batch of ``q`` points is built one point at a time; each new point maximizes the acquisition
with the points already chosen as pending (BoTorch's ``sequential=True``).

- Finite spaces (:func:`select_discrete`): exact maximization over the given candidates: every
  step scores every candidate not chosen yet. (A lazy greedy that re-scores only candidates whose
  previous value could still win is not exact here: qEHVI and qLogEHVI score a candidate jointly
  with the pending points, so values grow as points are chosen, and qLogNEHVI's Monte-Carlo values
  of weak candidates moved up by several log units between steps on the toy tasks.)
- Continuous and mixed spaces (:func:`select_continuous`): as BoTorch's ``optimize_acqf``, each
  step draws ``raw_samples`` new points (uniform in the region), scores them, picks
  ``num_restarts`` starts by BoTorch's Boltzmann heuristic (``initialize_q_batch``: the best draw
  and others with probability growing with their standardized score) and runs L-BFGS-B from them
  in the region's sampling box. Optimized points are rounded into the space; those that left the
  region are brought back to the last in-region point of their path (bisection on
  ``region.contains``), or dropped when ``pull_back_steps`` is 0. The step's pick is the best of
  the optimized points and the draws.
"""
from __future__ import annotations

import numpy as np

from lamoo.proposal import NewPoints
from lamoo.region import Region
from samplers._common import unit_to_space
from samplers.botorch_acq import score


def select_discrete(acq, U, n: int, pending_U=None) -> tuple[np.ndarray, dict]:
    """Indices (``k,``, ``k = min(n, len(U))``) of the greedy batch among candidates ``U``
    (``N x d`` tensor, unit scale): every step scores every candidate not chosen yet, with the
    chosen ones pending (BoTorch's ``optimize_acqf_discrete``), after the points in flight
    ``pending_U`` (``p x d`` tensor, or ``None``). Returns them with a report: ``n_candidates`` and
    ``n_scored`` (acquisition evaluations)."""
    import torch

    pending_U = U[:0] if pending_U is None else pending_U
    if len(pending_U):
        acq.set_X_pending(pending_U)
    N = len(U)
    available = np.ones(N, dtype=bool)
    chosen: list[int] = []
    n_scored = 0
    for _ in range(min(n, N)):
        idx = np.flatnonzero(available)
        values = score(acq, U[idx]).numpy()
        n_scored += len(idx)
        best = int(idx[int(np.argmax(values))])
        chosen.append(best)
        available[best] = False
        if len(chosen) < min(n, N):
            acq.set_X_pending(torch.cat([pending_U, U[torch.as_tensor(chosen)]]))
    return np.asarray(chosen, dtype=np.int64), {"n_candidates": N, "n_scored": n_scored}


def select_continuous(acq, region: Region, n: int, rng: np.random.Generator, *, num_restarts: int,
                      raw_samples: int, maxiter: int, pull_back_steps: int) -> tuple[np.ndarray, dict]:
    """Up to ``n`` new in-region points ``(k x d)`` by sequential greedy optimization, with a
    report: ``n_optimized`` / ``n_raw`` (picks from L-BFGS-B / from the draws), ``n_pulled_back``
    / ``n_dropped`` (optimized points that had left the region) and ``fallback`` (a reason, or
    ``None``). The region's :attr:`~lamoo.region.Region.pending` points (handed out, not yet told:
    other workers' evaluations, or the part of a LaMOO batch proposed elsewhere) are pending in the
    acquisition from the first step, as the batch's own picks are after theirs."""
    import torch
    from botorch.generation.gen import gen_candidates_scipy
    from botorch.optim.initializers import initialize_q_batch

    space = region.space
    points = NewPoints(region, n)
    lo, hi = (torch.as_tensor(b) for b in _unit_box(region))
    pending_U = space.to_unit(region.pending)  # (p x d); p = 0 when nothing is in flight
    if len(pending_U):
        acq.set_X_pending(torch.as_tensor(pending_U, dtype=torch.float64))
    stats = {"n_optimized": 0, "n_raw": 0, "n_pulled_back": 0, "n_dropped": 0, "fallback": None}
    for _ in range(n):
        raw = region.sample(raw_samples, rng)
        raw = raw[points.acceptable(raw)]
        if len(raw) == 0:
            stats["fallback"] = "the region yielded no new points"
            break
        raw_U = torch.as_tensor(space.to_unit(raw), dtype=torch.float64)
        raw_values = score(acq, raw_U)
        starts, _ = initialize_q_batch(raw_U.unsqueeze(-2), raw_values, min(num_restarts, len(raw)))
        end_U, _ = gen_candidates_scipy(starts, acq, lower_bounds=lo, upper_bounds=hi, options={"maxiter": maxiter})
        start_U, end_U = starts.squeeze(-2).numpy(), end_U.detach().squeeze(-2).numpy()
        cand = space.repair(unit_to_space(space, end_U))
        outside = ~region.contains(cand)
        if outside.any() and pull_back_steps:
            # the optimizer left the region: keep the last in-region point of its path
            cand[outside] = _pull_back(region, start_U[outside], end_U[outside], pull_back_steps)
            stats["n_pulled_back"] += int(outside.sum())
        elif outside.any():
            cand = cand[~outside]
            stats["n_dropped"] += int(outside.sum())
        cand = cand[points.acceptable(cand)]
        cand_values = score(acq, torch.as_tensor(space.to_unit(cand))).numpy() if len(cand) else np.empty(0)
        raw_values = raw_values.numpy()
        best_raw = int(np.argmax(raw_values))
        if len(cand) and cand_values.max() >= raw_values[best_raw]:
            points.offer(cand[int(np.argmax(cand_values))][None])
            stats["n_optimized"] += 1
        else:
            points.offer(raw[best_raw][None])
            stats["n_raw"] += 1
        if len(points) < n:
            chosen_U = np.vstack([pending_U, space.to_unit(points.array())])
            acq.set_X_pending(torch.as_tensor(chosen_U, dtype=torch.float64))
    return points.array(), stats


def _pull_back(region: Region, start_U: np.ndarray, end_U: np.ndarray, steps: int) -> np.ndarray:
    """For each row, the in-region point of the segment from ``start_U`` (in the region) to
    ``end_U`` (optimized, outside it) found nearest ``end_U`` by bisection, as ``(k x d)`` points
    of the space (rounded where discrete); ``start`` itself when nothing nearer is inside."""
    space = region.space
    best = space.repair(unit_to_space(space, start_U))
    lo, hi = np.zeros(len(start_U)), np.ones(len(start_U))
    for _ in range(steps):
        mid = (lo + hi) / 2
        X = space.repair(unit_to_space(space, start_U + mid[:, None] * (end_U - start_U)))
        inside = region.contains(X)
        best[inside] = X[inside]
        lo, hi = np.where(inside, mid, lo), np.where(inside, hi, mid)
    return best


def _unit_box(region: Region) -> tuple[np.ndarray, np.ndarray]:
    """The box the optimizer may search, in unit scale: the whole cube, or the region's
    sampling box (its members' bounding box widened by the region's margin)."""
    space = region.space
    if region.is_whole_space:
        return np.zeros(space.n_dims), np.ones(space.n_dims)
    lo, hi = region.sampling_box()
    return space.to_unit(lo[None])[0], space.to_unit(hi[None])[0]
