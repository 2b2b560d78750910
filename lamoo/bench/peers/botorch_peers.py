"""BoTorch's multi-objective tutorial loop as a peer: qLogNEHVI, as BoTorch's documentation runs it.

The loop of BoTorch's tutorial "Multi-objective optimization with qEHVI, qNEHVI, and qNParEGO"
(``tutorials/multi_objective_bo``), on lamoo's initial design, budget and batch size. Each
iteration, from scratch:

- inputs scaled to the unit cube (``normalize`` by the space's bounds), objectives negated
  (BoTorch maximizes), failed evaluations left out;
- a ``ModelListGP`` of one ``SingleTaskGP`` per objective with ``Standardize(m=1)`` (the
  tutorial's model, minus its known observation noise: lamoo's tasks are noise-free, so the GP
  infers it), fitted with ``fit_gpytorch_mll`` on the ``SumMarginalLogLikelihood`` with BoTorch's
  default settings; on a space with categorical dimensions, ``MixedSingleTaskGP`` (BoTorch's
  categorical kernel: whether two points share each choice) in place of ``SingleTaskGP``;
- ``qLogNoisyExpectedHypervolumeImprovement`` at the task's reference point, ``X_baseline`` every
  successful point, ``prune_baseline=True``, a ``SobolQMCNormalSampler`` of ``mc_samples``
  (128) samples;
- continuous and mixed spaces: ``optimize_acqf`` over the unit cube with ``q`` = the batch,
  ``sequential=True``, ``num_restarts`` (10), ``raw_samples`` (256) and ``options={"batch_limit":
  5, "maxiter": 200}``; the points are mapped back and integer / categorical coordinates rounded
  by lamoo's repair (counted in ``n_repaired``);
- finite spaces: ``optimize_acqf_discrete`` (sequential greedy, ``unique=True``) over every
  candidate not evaluated yet, so the peer never repeats a cell.

The tutorial's own ``RAW_SAMPLES`` is 512; issue 12 measured the loop with 256, the default here
(``raw_samples=512`` runs the tutorial's). Torch's random state is seeded from the run's seed
inside a forked RNG, so a run is reproducible. BoTorch is imported only when the peer runs.
"""
from __future__ import annotations

import contextlib
import warnings

import numpy as np

from lamoo.bench.peers.common import batch_sizes, check_options
from lamoo.driver import initial_design
from lamoo.exceptions import InvalidInputError
from lamoo.task import to_minimization


class BoTorchQLogNEHVI:
    """BoTorch's tutorial loop with qLogNEHVI (see the module docstring)."""

    name = "botorch-qlognehvi"
    library = "botorch"
    defaults = {"num_restarts": 10, "raw_samples": 256, "mc_samples": 128, "maxiter": 200, "batch_limit": 5,
                "max_batch_size": 2048}

    def __init__(self, **options):
        self.options = check_options(options, self.defaults, self.name)

    def config(self) -> dict:
        import botorch

        return {"name": self.name, "library": "botorch", "library_version": botorch.__version__,
                "params": self.options, "resolved": getattr(self, "resolved_", None)}

    def run(self, task, recorder, budget: int, n_init: int, batch_size: int, seed: int) -> None:
        import torch

        if recorder.constraints:
            raise InvalidInputError(f"{self.name} runs BoTorch's unconstrained tutorial loop: it does not take the task's "
                                    f"constraints {[str(c) for c in recorder.constraints]} (use qehvi or lamoo-qehvi, "
                                    f"which model them)")

        space = task.space
        ref = -to_minimization(recorder.ref_point, tuple(task.objectives))  # BoTorch maximizes
        self.resolved_ = {"seed": seed, "ref_point": ref.tolist(), "finite": space.is_finite}
        rng = np.random.default_rng(seed)
        with torch.random.fork_rng(devices=[]), _quiet():
            torch.manual_seed(seed)
            for i, k in enumerate(batch_sizes(budget, n_init, batch_size)):
                with recorder.optimizer():
                    X = initial_design(space, k, seed) if i == 0 else self._propose(recorder, ref, k, rng)
                if len(X) == 0:  # a finite space with every candidate evaluated
                    break
                recorder.evaluate(X, "init" if i == 0 else "sampler")

    def _propose(self, recorder, ref: np.ndarray, q: int, rng: np.random.Generator) -> np.ndarray:
        """``(q x d)`` points of the space: the tutorial's iteration on the recorder's history."""
        import torch
        from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement
        from botorch.sampling.normal import SobolQMCNormalSampler

        space = recorder.space
        F = to_minimization(recorder.Y, recorder.objectives)
        ok = ~np.isnan(F).any(axis=1)
        if ok.sum() < 2 or (space.is_finite and _evaluated(recorder).all()):
            return _uniform_new(recorder, q, rng)  # nothing to fit a GP to (or nothing left)
        train_x = torch.as_tensor(space.to_unit(recorder.X[ok]), dtype=torch.float64)
        model = _fit_model(space, train_x, torch.as_tensor(-F[ok], dtype=torch.float64))
        o = self.options
        acq = qLogNoisyExpectedHypervolumeImprovement(
            model=model, ref_point=ref.tolist(), X_baseline=train_x, prune_baseline=True,
            sampler=SobolQMCNormalSampler(sample_shape=torch.Size([int(o["mc_samples"])])))
        if space.is_finite:
            from botorch.optim.optimize import optimize_acqf_discrete

            new = np.flatnonzero(~_evaluated(recorder))
            choices = torch.as_tensor(space.to_unit(space.candidates[new]), dtype=torch.float64)
            U, _ = optimize_acqf_discrete(acq, q=min(q, len(new)), choices=choices,
                                          max_batch_size=int(o["max_batch_size"]), unique=True)
        else:
            from botorch.optim.optimize import optimize_acqf

            bounds = torch.stack([torch.zeros(space.n_dims), torch.ones(space.n_dims)]).to(torch.float64)
            U, _ = optimize_acqf(acq, bounds=bounds, q=q, num_restarts=int(o["num_restarts"]),
                                 raw_samples=int(o["raw_samples"]), sequential=True,
                                 options={"batch_limit": int(o["batch_limit"]), "maxiter": int(o["maxiter"])})
        U = U.detach().numpy()
        return space.lower + U * (space.upper - space.lower)


def _fit_model(space, train_x, train_y):
    """The tutorial's model: a ``ModelListGP`` of one GP per objective (``Standardize(m=1)``),
    ``MixedSingleTaskGP`` over the categorical dimensions if any, fitted with BoTorch's defaults."""
    from botorch.fit import fit_gpytorch_mll
    from botorch.models import MixedSingleTaskGP, ModelListGP, SingleTaskGP
    from botorch.models.transforms.outcome import Standardize
    from gpytorch.mlls.sum_marginal_log_likelihood import SumMarginalLogLikelihood

    cat_dims = [j for j, kind in enumerate(space.kinds) if kind == "categorical"]
    models = []
    for i in range(train_y.shape[-1]):
        y = train_y[..., i:i + 1]
        models.append(MixedSingleTaskGP(train_x, y, cat_dims=cat_dims, outcome_transform=Standardize(m=1))
                      if cat_dims else SingleTaskGP(train_x, y, outcome_transform=Standardize(m=1)))
    model = ModelListGP(*models)
    fit_gpytorch_mll(SumMarginalLogLikelihood(model.likelihood, model))
    return model


def _evaluated(recorder) -> np.ndarray:
    """``(N,)`` bool over a finite space's candidates: evaluated already (failed ones included)."""
    space = recorder.space
    mask = np.zeros(space.n_candidates, dtype=bool)
    idx = space.candidate_index(recorder.X)
    mask[idx[idx >= 0]] = True
    return mask


def _uniform_new(recorder, q: int, rng: np.random.Generator) -> np.ndarray:
    space = recorder.space
    if not space.is_finite:
        return space.sample_uniform(q, rng)
    new = np.flatnonzero(~_evaluated(recorder))
    return space.candidates[rng.choice(new, size=min(q, len(new)), replace=False)]


@contextlib.contextmanager
def _quiet():
    """The tutorial's warning filters: no ``BadInitialCandidatesWarning`` or ``RuntimeWarning``
    (plus BoTorch's optimization and numerics notices, which the tutorial's loop also prints)."""
    from botorch.exceptions.warnings import BadInitialCandidatesWarning, NumericsWarning, OptimizationWarning

    with warnings.catch_warnings():
        for category in (BadInitialCandidatesWarning, RuntimeWarning, OptimizationWarning, NumericsWarning):
            warnings.simplefilter("ignore", category)
        yield
