"""Exact discrete maximization at the cost of one posterior pass: analytic EHVI with Kriging-believer batches.

On a finite space every greedy step scores every candidate. Monte-Carlo qLogNEHVI costs
milliseconds per candidate (its joint posterior with the pruned baseline, 128 samples, box
decompositions per sample; ``python -m benchmarks.discrete_acq``), so exact steps over all 15,625
NAS-Bench-201 cells would take tens of minutes per batch on a small machine
(``benchmarks/results/measurements/discrete_acq.txt``: 16-29x the analytic cost). Here each step is one posterior pass over the candidates
and the closed-form expected hypervolume improvement (Yang et al. 2019, BoTorch's analytic
``ExpectedHypervolumeImprovement``: exact integration over the cells of the box decomposition of
the front, no sampling noise), the single-point limit of qEHVI. A batch is built greedily: after
each pick the GP is conditioned on the pick at its posterior mean ("Kriging believer": the mean is
unchanged and the variance near the pick shrinks) and the pick's mean joins the front, so the next
step favours other parts of the front.
"""
from __future__ import annotations

import numpy as np

from samplers.botorch_acq import score


def select_discrete_analytic(model, train_Y, ref, U, n: int, chunk: int = 4096) -> tuple[np.ndarray, dict]:
    """Indices (``k,``, ``k = min(n, len(U))``) of the greedy batch among candidates ``U``.

    Args:
        model: the fitted GP (outcomes to maximize, one output per objective).
        train_Y: ``(n x m)`` tensor, the evaluated outcomes (maximized: negated minimized values).
        ref: ``(m,)`` tensor, the reference point in the same frame.
        U: ``(N x d)`` tensor of unit-scaled candidates.
        n: batch size.

    Returns the indices with a report: ``n_candidates``, ``n_scored`` (EHVI evaluations) and
    ``discrete`` (``"analytic"``).
    """
    import torch
    from botorch.acquisition.multi_objective.analytic import ExpectedHypervolumeImprovement
    from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning

    N = len(U)
    available = np.ones(N, dtype=bool)
    chosen: list[int] = []
    front, believer, n_scored = train_Y, model, 0
    for _ in range(min(n, N)):
        partitioning = FastNondominatedPartitioning(ref_point=ref, Y=front)
        acq = ExpectedHypervolumeImprovement(believer, ref_point=ref.tolist(), partitioning=partitioning)
        idx = np.flatnonzero(available)
        values = score(acq, U[idx], chunk=chunk).numpy()
        n_scored += len(idx)
        best = int(idx[int(np.argmax(values))])
        chosen.append(best)
        available[best] = False
        if len(chosen) < min(n, N):
            pick = U[best:best + 1]
            with torch.no_grad():
                mean = believer.posterior(pick).mean.reshape(1, -1)
                believer = believer.condition_on_observations(pick, mean)
            front = torch.cat([front, mean])
    return np.asarray(chosen, dtype=np.int64), {"n_candidates": N, "n_scored": n_scored, "discrete": "analytic"}
