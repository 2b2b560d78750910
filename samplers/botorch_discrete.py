"""Exact discrete maximization at the cost of one posterior pass: analytic EHVI with Kriging-believer batches.

On a finite space every greedy step scores every candidate. Monte-Carlo qLogNEHVI costs
milliseconds per candidate (its joint posterior with the pruned baseline, 128 samples, box
decompositions per sample; ``python -m benchmarks.discrete_acq``), so exact steps over all 15,625
NAS-Bench-201 cells would take tens of minutes per batch on a small machine
(``benchmarks/results/measurements/discrete_acq.txt``). Here each step is the closed-form expected
hypervolume improvement (Yang et al. 2019, BoTorch's analytic ``ExpectedHypervolumeImprovement``:
exact integration over the cells of the box decomposition of the front, no sampling noise), the
single-point limit of qEHVI, on the candidates' posterior marginals
(:class:`~samplers.botorch_marginals.Marginals`: one pass of matrix products for all of them). A
batch is built greedily: after each pick the GP is conditioned on the pick at its posterior mean
("Kriging believer": the mean is unchanged and the variance near the pick shrinks, a rank-one
update) and the pick's mean joins the front, so the next step favours other parts of the front.
Pending points (handed out, not yet told: other workers' evaluations, or the part of a LaMOO batch
proposed elsewhere) are believed the same way before the first step.
"""
from __future__ import annotations

import numpy as np

from samplers.botorch_marginals import Marginals


def select_discrete_analytic(model, train_Y, ref, U, n: int, pending_U=None,
                             chunk: int = 4096) -> tuple[np.ndarray, dict]:
    """Indices (``k,``, ``k = min(n, len(U))``) of the greedy batch among candidates ``U``.

    Args:
        model: the fitted GP (outcomes to maximize, one output per objective).
        train_Y: ``(n x m)`` tensor, the evaluated outcomes (maximized: negated minimized values).
        ref: ``(m,)`` tensor, the reference point in the same frame.
        U: ``(N x d)`` tensor of unit-scaled candidates.
        n: batch size.
        pending_U: ``(p x d)`` tensor of unit-scaled points in flight, or ``None``: conditioned on
            at their posterior means, and their means join the front, before the first pick.
        chunk: candidates per kernel block of :class:`~samplers.botorch_marginals.Marginals`.

    Returns the indices with a report: ``n_candidates``, ``n_scored`` (EHVI evaluations) and
    ``discrete`` (``"analytic"``).
    """
    import torch

    pending_U = U[:0] if pending_U is None else pending_U
    N, p = len(U), len(pending_U)
    available = np.r_[np.ones(N, dtype=bool), np.zeros(p, dtype=bool)]  # pending rows follow U's
    chosen: list[int] = []
    marginals = Marginals(model, torch.cat([U, pending_U]), chunk=chunk)
    mean = marginals.mean  # (N + p x m): conditioning on points at their mean leaves it unchanged
    for i in range(N, N + p):
        marginals.condition_on(i)
    front, n_scored = torch.cat([train_Y, mean[N:]]), 0
    for _ in range(min(n, N)):
        idx = np.flatnonzero(available)
        values = ehvi(model, front, ref, mean[idx], marginals.variance[idx]).numpy()
        n_scored += len(idx)
        best = int(idx[int(np.argmax(values))])
        chosen.append(best)
        available[best] = False
        if len(chosen) < min(n, N):
            marginals.condition_on(best)
            front = torch.cat([front, mean[best:best + 1]])
    return np.asarray(chosen, dtype=np.int64), {"n_candidates": N, "n_scored": n_scored, "discrete": "analytic"}


def ehvi(model, front, ref, mean, variance, chunk: int = 8192):
    """Closed-form expected hypervolume improvement ``(N,)`` of ``N`` independent Gaussian
    outcomes (``mean``, ``variance``: ``N x m``) over ``front`` (``n x m``) and ``ref`` (``m,``),
    all maximized: the body of BoTorch's ``ExpectedHypervolumeImprovement.forward`` (its cells,
    ``psi`` and ``nu``) on given marginals instead of ``model``'s posterior (``model`` is only
    what BoTorch's constructor asks for)."""
    import itertools

    import torch
    from botorch.acquisition.multi_objective.analytic import ExpectedHypervolumeImprovement
    from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning

    acq = ExpectedHypervolumeImprovement(model, ref_point=ref.tolist(),
                                         partitioning=FastNondominatedPartitioning(ref_point=ref, Y=front))
    lower = acq.cell_lower_bounds
    upper = acq.cell_upper_bounds.clamp_max(1e10)  # as BoTorch: the outer cells are unbounded
    cross = torch.tensor(list(itertools.product([0, 1], repeat=len(ref))), dtype=torch.long)  # (2^m x m)
    values = []
    with torch.no_grad():
        for s in range(0, len(mean), chunk):
            mu = mean[s:s + chunk].unsqueeze(-2)  # (c x 1 x m) against (cells x m)
            sigma = variance[s:s + chunk].clamp_min(1e-9).sqrt().unsqueeze(-2)
            psi_diff = acq.psi(lower, lower, mu, sigma) - acq.psi(lower, upper, mu, sigma)
            factors = torch.stack([psi_diff, acq.nu(lower, upper, mu, sigma)], dim=-2)  # (c x cells x 2 x m)
            index = cross.expand(factors.shape[:-2] + cross.shape)
            values.append(factors.gather(dim=-2, index=index).prod(dim=-1).sum(dim=-1).sum(dim=-1))
    return torch.cat(values) if values else torch.empty(0, dtype=mean.dtype)
