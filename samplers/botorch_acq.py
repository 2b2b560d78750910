"""The acquisition functions of the BoTorch samplers, and scoring many single points at once.

``qehvi`` (q-expected hypervolume improvement, Daulton et al. 2020), ``qlogehvi`` (its log
variant, Ament et al. 2023) and ``qlognehvi`` (the noisy log variant: it integrates over the
uncertain values of the evaluated points and keeps pending points in its cached box
decompositions, computed by :mod:`samplers.botorch_boxes`). All are Monte-Carlo estimates with a
fixed quasi-random ``SobolQMCNormalSampler`` (common random numbers: every candidate is scored on
the same draws).
"""
from __future__ import annotations

ACQUISITIONS = ("qehvi", "qlogehvi", "qlognehvi")


def make_acquisition(name: str, model, train_X, F, ref_F, *, mc_samples: int, seed: int, n_constraints: int = 0):
    """The acquisition ``name`` (one of :data:`ACQUISITIONS`) for ``model``.

    Args:
        train_X: ``(n x d)`` unit-scaled inputs the model was fitted on (qLogNEHVI's baseline,
            pruned by BoTorch to the points that may be Pareto optimal).
        F: ``(n x m)`` their canonical (minimized) values (the partitioning of qEHVI and
            qLogEHVI: the observed front).
        ref_F: ``(m,)`` the canonical reference point.
        mc_samples: QMC samples of the posterior.
        seed: the QMC sampler's seed.
        n_constraints: ``k``, the model's outputs after the ``m`` objectives: each a constraint's
            relative slack, met where ``<= 0`` (BoTorch's ``constraints=`` weighs each sample by
            its feasibility; the acquisition scores the objective outputs only).
    """
    import torch
    from botorch.sampling.normal import SobolQMCNormalSampler

    ref = torch.as_tensor(-ref_F, dtype=torch.float64)  # BoTorch maximizes
    sampler = SobolQMCNormalSampler(sample_shape=torch.Size([mc_samples]), seed=seed)
    kwargs = _constraint_arguments(len(ref), n_constraints)
    if name == "qlognehvi":
        from samplers.botorch_boxes import QLogNEHVI

        return QLogNEHVI(model=model, ref_point=ref, X_baseline=train_X, sampler=sampler, prune_baseline=True,
                         **kwargs)
    from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning

    partitioning = FastNondominatedPartitioning(ref_point=ref, Y=torch.as_tensor(-F, dtype=torch.float64))
    if name == "qlogehvi":
        from botorch.acquisition.multi_objective.logei import qLogExpectedHypervolumeImprovement as Acq
    else:
        from botorch.acquisition.multi_objective.monte_carlo import qExpectedHypervolumeImprovement as Acq
    return Acq(model=model, ref_point=ref, partitioning=partitioning, sampler=sampler, **kwargs)


def _constraint_arguments(m: int, k: int) -> dict:
    """BoTorch's ``objective`` and ``constraints`` for a model of ``m`` objective outputs followed
    by ``k`` constraint slacks (feasible where ``<= 0``); nothing when ``k == 0``."""
    if k == 0:
        return {}
    from botorch.acquisition.multi_objective.objective import IdentityMCMultiOutputObjective

    return {"objective": IdentityMCMultiOutputObjective(outcomes=list(range(m))),
            "constraints": [lambda Z, j=m + j: Z[..., j] for j in range(k)]}


def score(acq, U, chunk: int = 512):
    """Acquisition values ``(k,)`` of ``k`` single points ``U`` (``k x d`` tensor, unit scale),
    each scored jointly with the acquisition's pending points, ``chunk`` points per call."""
    import torch

    with torch.no_grad():
        if len(U) == 0:
            return torch.empty(0, dtype=torch.float64)
        return torch.cat([acq(U[s:s + chunk].unsqueeze(-2)) for s in range(0, len(U), chunk)])
