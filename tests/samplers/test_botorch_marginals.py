"""The fast marginals of the analytic discrete path agree with BoTorch's own posterior, its
conditioning and its closed-form EHVI, on categorical and continuous inputs."""
import numpy as np
import pytest

pytest.importorskip("botorch")

from samplers import QEHVISampler  # noqa: E402
from samplers.botorch_discrete import ehvi  # noqa: E402
from samplers.botorch_marginals import Marginals  # noqa: E402
from tests.toys import FiniteToyTask, MixedToyTask, ToyTask, filled_archive  # noqa: E402

FIT = {"fit_maxiter": 25}


def _model_and_candidates(task, n_archive, n_candidates, seed=0):
    import torch

    archive = filled_archive(task, n_archive, seed=seed)
    model, _ = QEHVISampler(**FIT)._fit(archive, archive.valid_indices)
    rng = np.random.default_rng(seed + 1)
    if task.space.is_finite:
        C = task.space.candidates[rng.choice(task.space.n_candidates, n_candidates, replace=False)]
        U = torch.as_tensor(task.space.to_unit(C))
    else:
        U = torch.as_tensor(rng.random((n_candidates, len(task.space.kinds))))
    return archive, model, U


@pytest.mark.parametrize("task", [FiniteToyTask(), ToyTask(), MixedToyTask()], ids=["categorical", "continuous", "mixed"])
def test_marginals_equal_botorchs_posterior_of_each_single_point(task):
    import torch

    _, model, U = _model_and_candidates(task, 15, 60)
    marginals = Marginals(model, U, chunk=25)  # several blocks
    with torch.no_grad():
        posterior = model.posterior(U.unsqueeze(-2))
    torch.testing.assert_close(marginals.mean, posterior.mean.squeeze(-2), rtol=1e-6, atol=1e-8)
    torch.testing.assert_close(marginals.variance, posterior.variance.squeeze(-2), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("cache", [True, False], ids=["cached", "recomputed"])
@pytest.mark.parametrize("task", [FiniteToyTask(), ToyTask()], ids=["categorical", "continuous"])
def test_conditioning_on_picks_at_their_mean_equals_botorchs_condition_on_observations(task, cache, monkeypatch):
    import torch

    if not cache:
        monkeypatch.setattr(Marginals, "CACHE_LIMIT", 0)
    _, model, U = _model_and_candidates(task, 15, 40)
    marginals = Marginals(model, U)
    believer = model
    for pick in (3, 11, 12):
        with torch.no_grad():
            mean = believer.posterior(U[pick:pick + 1]).mean.reshape(1, -1)
            believer = believer.condition_on_observations(U[pick:pick + 1], mean)
        marginals.condition_on(pick)
    with torch.no_grad():
        posterior = believer.posterior(U.unsqueeze(-2))
    torch.testing.assert_close(marginals.mean, posterior.mean.squeeze(-2), rtol=1e-6, atol=1e-8)
    torch.testing.assert_close(marginals.variance, posterior.variance.squeeze(-2), rtol=1e-5, atol=1e-8)
    assert bool((marginals.variance[[3, 11, 12]] < Marginals(model, U).variance[[3, 11, 12]]).all())


def test_ehvi_of_the_marginals_equals_botorchs_analytic_ehvi():
    import torch
    from botorch.acquisition.multi_objective.analytic import ExpectedHypervolumeImprovement
    from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning

    from samplers.botorch_acq import score

    archive, model, U = _model_and_candidates(FiniteToyTask(), 15, 80)
    Y, ref = torch.as_tensor(-archive.F), torch.as_tensor(-archive.reference_F())
    acq = ExpectedHypervolumeImprovement(model, ref_point=ref.tolist(),
                                         partitioning=FastNondominatedPartitioning(ref_point=ref, Y=Y))
    marginals = Marginals(model, U)
    values = ehvi(model, Y, ref, marginals.mean, marginals.variance, chunk=30)
    expected = score(acq, U)
    torch.testing.assert_close(values, expected, rtol=1e-6, atol=1e-10)
    assert float(values.max()) > 0.0
    assert len(ehvi(model, Y, ref, marginals.mean[:0], marginals.variance[:0])) == 0
