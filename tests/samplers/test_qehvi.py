import pytest

from lamoo.testing import SamplerConformance

FAST = {"num_restarts": 1, "raw_samples": 32, "mc_samples": 8, "maxiter": 5, "fit_maxiter": 10}


class TestQEHVISamplerConformance(SamplerConformance):
    sampler_name = "qehvi"
    sampler_kwargs = FAST


class TestQLogEHVISamplerConformance(SamplerConformance):
    sampler_name = "qlogehvi"
    sampler_kwargs = FAST


class TestQLogNEHVISamplerConformance(SamplerConformance):
    sampler_name = "qlognehvi"
    sampler_kwargs = FAST


# ---------------------------------------------------------------------------------------------
# what is specific to the BoTorch sampler

import numpy as np  # noqa: E402

from lamoo.archive import Archive  # noqa: E402
from lamoo.partition import GOOD  # noqa: E402
from lamoo.region import Region  # noqa: E402
from lamoo.space import SearchSpace  # noqa: E402
from lamoo.task import ObjectiveSpec  # noqa: E402
from samplers import QEHVISampler, get_sampler  # noqa: E402
from samplers.botorch_acq import make_acquisition  # noqa: E402
from tests.toys import FiniteToyTask, HalfSpaceClassifier, MixedToyTask, ToyTask, filled_archive  # noqa: E402

SMALL = {"num_restarts": 2, "raw_samples": 64, "mc_samples": 16, "maxiter": 20, "fit_maxiter": 25}


class SlopeTask:
    """Both objectives fall as x0 falls: the whole Pareto front lies on x0 = 0."""

    def __init__(self):
        self.space = SearchSpace.box([0, 0], [1, 1])
        self.objectives = (ObjectiveSpec("f1", "minimize"), ObjectiveSpec("f2", "minimize"))
        self.ref_point = np.array([2.0, 2.0])

    def evaluate(self, X):
        return np.column_stack([X[:, 0] + 0.5 * X[:, 1], X[:, 0] + 0.5 * (1 - X[:, 1])])


def upper_half(archive):
    """The region x0 >= 0.5, away from the front."""
    whole = Region.whole(archive)
    clf = HalfSpaceClassifier()
    features = archive.space.to_unit
    members = whole.members[clf.predict(features(archive.X[whole.members])) != GOOD]
    return whole.refine(clf, 1 - GOOD, members, leaf_id=2, features=features)


def record_pending(monkeypatch) -> list:
    """The arrays the sampler's acquisitions are given as ``X_pending``, in order (read from the
    calls: qLogNEHVI folds pending points into its baseline and leaves ``X_pending`` None)."""
    import samplers.qehvi as qehvi_module

    calls = []

    def recording(*args, **kwargs):
        acq = make_acquisition(*args, **kwargs)
        original = acq.set_X_pending

        def set_X_pending(X_pending=None):
            calls.append(None if X_pending is None else X_pending.detach().numpy().copy())
            return original(X_pending)

        acq.set_X_pending = set_X_pending
        return acq

    monkeypatch.setattr(qehvi_module, "make_acquisition", recording)
    return calls


@pytest.mark.parametrize("acquisition", ["qlognehvi", "qehvi"])
def test_pending_points_of_the_region_are_pending_in_the_acquisition_on_continuous_spaces(acquisition, monkeypatch):
    # other workers' points in flight (or the rest of a LaMOO batch) count as chosen from the
    # first greedy step; the batch's own picks follow them
    calls = record_pending(monkeypatch)
    archive = filled_archive(SlopeTask(), 12, seed=1)
    P = np.array([[0.0, 0.3], [0.05, 0.8]])
    X = QEHVISampler(acquisition, **SMALL).propose(Region.whole(archive, pending=P), archive, 2,
                                                   np.random.default_rng(3)).X
    assert len(calls) == 2  # before the first pick, then before the second
    np.testing.assert_allclose(calls[0], archive.space.to_unit(P))
    np.testing.assert_allclose(calls[1], np.vstack([archive.space.to_unit(P), archive.space.to_unit(X[:1])]))


@pytest.mark.parametrize("acquisition", ["qehvi", "qlogehvi"])
def test_proposals_stay_in_the_region_when_the_optimum_lies_outside(acquisition):
    archive = filled_archive(SlopeTask(), 20, seed=0)
    sampler = QEHVISampler(acquisition, **SMALL)
    free = sampler.propose(Region.whole(archive), archive, 3, np.random.default_rng(0)).X
    assert (free[:, 0] < 0.2).all(), free  # unconstrained, it heads for the front at x0 = 0
    region = upper_half(archive)
    proposal = sampler.propose(region, archive, 3, np.random.default_rng(0))
    X = proposal.X
    assert len(X) == 3 and region.contains(X).all(), X
    assert proposal.info["fallback"] is None
    if acquisition == "qlogehvi":
        # still optimizing: the optimizer heads out of the region and its points are pulled back
        # to the region's near edge. (Plain qEHVI is exactly 0 on points the front dominates, so
        # in such a region it has no gradient and its picks are arbitrary.)
        assert proposal.info["n_pulled_back"] > 0 and proposal.info["n_dropped"] == 0
        assert X[:, 0].max() < 0.6, X
        # pull_back_steps=0 drops the points that left the region: the picks come from the other
        # optimized points and the in-region draws
        no_pull = QEHVISampler(acquisition, pull_back_steps=0, **SMALL)
        dropped = no_pull.propose(region, archive, 3, np.random.default_rng(0))
        info = dropped.info
        dropped = dropped.X
        assert region.contains(dropped).all() and dropped[:, 0].mean() > X[:, 0].mean()
        assert info["n_pulled_back"] == 0 and info["n_dropped"] > 0 and info["n_optimized"] + info["n_raw"] == 3


def test_no_global_rng_state_is_used_or_changed():
    import torch

    archive = filled_archive(ToyTask(d=2), 12, seed=1)
    torch.manual_seed(123)
    np.random.seed(5)
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    a = get_sampler("qlognehvi", **SMALL).propose(Region.whole(archive), archive, 2, np.random.default_rng(3)).X
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert (np.random.get_state()[1] == np_state).all()
    torch.manual_seed(999)  # a different global state must not change the proposal
    b = get_sampler("qlognehvi", **SMALL).propose(Region.whole(archive), archive, 2, np.random.default_rng(3)).X
    np.testing.assert_array_equal(a, b)


def _fit_failures():
    import torch
    from botorch.exceptions.errors import ModelFittingError
    from linear_operator.utils.errors import NanError, NotPSDError

    return [ModelFittingError("all attempts to fit the model have failed"),
            NotPSDError("matrix not positive definite after repeatedly adding jitter"),
            NanError("cholesky_cpu: 4 of 4 elements of the torch.Size([2, 2]) tensor are NaN"),
            torch.linalg.LinAlgError("linalg.cholesky: the factorization could not be completed")]


@pytest.mark.parametrize("error", _fit_failures(), ids=lambda e: type(e).__name__)
def test_a_failed_gp_fit_falls_back_to_random_region_points(monkeypatch, error):
    def failing_fit(self, archive, valid, info=None):
        raise error

    monkeypatch.setattr(QEHVISampler, "_fit", failing_fit)
    archive = filled_archive(SlopeTask(), 20, seed=0)
    region = upper_half(archive)
    proposal = QEHVISampler(**SMALL).propose(region, archive, 4, np.random.default_rng(0))
    assert len(proposal.X) == 4 and region.contains(proposal.X).all()
    assert proposal.info["fallback"].startswith(f"GP fit failed: {type(error).__name__}")


@pytest.mark.parametrize("error", [RuntimeError("shape mismatch: a bug, not a failed fit"),
                                   TypeError("a bug"), ValueError("a bug")], ids=lambda e: type(e).__name__)
def test_an_unrelated_error_while_fitting_propagates(monkeypatch, error):
    def broken_fit(self, archive, valid, info=None):
        raise error

    monkeypatch.setattr(QEHVISampler, "_fit", broken_fit)
    archive = filled_archive(SlopeTask(), 20, seed=0)
    with pytest.raises(type(error), match="a bug"):
        QEHVISampler(**SMALL).propose(Region.whole(archive), archive, 2, np.random.default_rng(0))


def test_too_few_points_fall_back_to_random():
    archive = filled_archive(ToyTask(d=2), 3, seed=0, failed=2)
    proposal = QEHVISampler(**SMALL).propose(Region.whole(archive), archive, 3, np.random.default_rng(0))
    assert proposal.X.shape == (3, 2)
    assert "1 successful" in proposal.info["fallback"]


def test_finite_space_scores_a_bounded_subsample_of_unevaluated_candidates():
    task = FiniteToyTask()
    archive = filled_archive(task, 20, seed=0)
    proposal = QEHVISampler("qlogehvi", max_candidates=10, **SMALL).propose(Region.whole(archive), archive, 3,
                                                                             np.random.default_rng(0))
    X = proposal.X
    assert proposal.info["n_candidates"] == 10
    assert len(X) == 3 and not archive.contains(X).any() and (task.space.candidate_index(X) >= 0).all()


def test_without_a_reference_point_the_nadir_is_used():
    task = SlopeTask()
    archive = Archive(task.space, task.objectives)  # no reference point
    X = task.space.sample_uniform(10, np.random.default_rng(0))
    archive.append(X, task.evaluate(X))
    proposal = QEHVISampler(**SMALL).propose(Region.whole(archive), archive, 1, np.random.default_rng(0))
    F = archive.F
    expected = F.max(0) + 0.1 * (F.max(0) - F.min(0))
    np.testing.assert_allclose(proposal.info["ref_point"], expected)
    np.testing.assert_allclose(archive.reference_F(), expected)  # the one place it is computed


def test_bad_arguments_raise_a_clear_value_error():
    with pytest.raises(ValueError, match="acquisition must be one of .*'qlognehvi'.*got 'ehvi'"):
        QEHVISampler("ehvi")
    with pytest.raises(ValueError, match="num_restarts must be an integer >= 1, got 0"):
        QEHVISampler(num_restarts=0)
    with pytest.raises(ValueError, match="min_points"):
        QEHVISampler(min_points=1)
    with pytest.raises(ValueError, match="sampler 'qehvi' rejected the unknown argument 'acquisition'"):
        get_sampler("qehvi", acquisition="qlogehvi")  # each registered name fixes its acquisition


def test_registry_names_select_the_acquisition():
    for name in ("qehvi", "qlogehvi", "qlognehvi"):
        sampler = get_sampler(name)
        assert sampler.acquisition == name and sampler.config()["name"] == name


@pytest.mark.parametrize("task_class", [FiniteToyTask, MixedToyTask])
def test_the_default_hamming_kernel_models_categorical_dimensions_without_an_order(task_class):
    from botorch.models import MixedSingleTaskGP, SingleTaskGP

    task = task_class()
    archive = filled_archive(task, 15, seed=0)
    valid = np.isfinite(archive.F).all(axis=1)
    hamming, ordinal = QEHVISampler(**SMALL), QEHVISampler(categorical="ordinal", **SMALL)
    assert type(hamming._fit(archive, valid)[0]) is MixedSingleTaskGP
    assert type(ordinal._fit(archive, valid)[0]) is SingleTaskGP
    proposal = hamming.propose(Region.whole(archive), archive, 3, np.random.default_rng(0))
    assert proposal.X.shape == (3, task.space.n_dims) and task.space.contains(proposal.X).all()
    assert proposal.info["fallback"] is None
    with pytest.raises(ValueError, match="categorical must be one of"):
        QEHVISampler(categorical="onehot")


@pytest.mark.filterwarnings("ignore:qExpectedHypervolumeImprovement has known numerical issues")
@pytest.mark.parametrize("name, acq_class", [
    ("qehvi", "botorch.acquisition.multi_objective.monte_carlo:qExpectedHypervolumeImprovement"),
    ("qlogehvi", "botorch.acquisition.multi_objective.logei:qLogExpectedHypervolumeImprovement"),
    ("qlognehvi", "samplers.botorch_boxes:QLogNEHVI"),  # BoTorch's, with the NumPy box decompositions
])
def test_registry_names_build_their_own_acquisition_class(name, acq_class):
    import importlib

    module, _, cls = acq_class.partition(":")
    archive = filled_archive(SlopeTask(), 8, seed=0)
    sampler = get_sampler(name, **SMALL)
    valid = archive.valid_indices
    model, train_X = sampler._fit(archive, valid)
    acq = make_acquisition(name, model, train_X, archive.F[valid], archive.reference_F(), mc_samples=8, seed=0)
    assert type(acq) is getattr(importlib.import_module(module), cls)


class WideTask(SlopeTask):
    """Inputs far from the unit cube and objectives far from unit scale."""

    def __init__(self):
        super().__init__()
        self.space = SearchSpace.box([-50, 100], [50, 300])
        self.ref_point = np.array([1e5, 1e5])

    def evaluate(self, X):
        return 1e3 + 100 * super().evaluate((X - [-50, 100]) / [100, 200])


@pytest.mark.parametrize("task_class", [WideTask, MixedToyTask])
def test_the_gp_sees_unit_scaled_inputs_and_standardized_outcomes(task_class):
    import torch
    from botorch.models.transforms.outcome import Standardize

    archive = filled_archive(task_class(), 12, seed=0)
    model, train_X = QEHVISampler(**SMALL)._fit(archive, archive.valid_indices)
    # inputs: the sampler scales them to the unit cube itself (space.to_unit), so the GP has no input transform
    X = model.train_inputs[0]
    assert X.shape[-2:] == (12, archive.space.n_dims) and X.min() >= 0 and X.max() <= 1
    torch.testing.assert_close(X[0] if X.dim() == 3 else X, train_X)
    assert getattr(model, "input_transform", None) is None
    # outcomes: a Standardize transform, so the targets the GP was fitted on have mean 0 and std 1
    assert isinstance(model.outcome_transform, Standardize)
    Y = model.train_targets.reshape(archive.F.shape[1], -1)
    torch.testing.assert_close(Y.mean(-1), torch.zeros(len(Y), dtype=Y.dtype), atol=1e-9, rtol=0)
    torch.testing.assert_close(Y.std(-1), torch.ones(len(Y), dtype=Y.dtype), atol=1e-6, rtol=0)
    means = model.outcome_transform.means.squeeze()
    torch.testing.assert_close(means, torch.as_tensor(-archive.F.mean(0)), atol=1e-6, rtol=1e-9)


# ---------------------------------------------------------------------------------------------
# warm starts, exact discrete maximization

def test_the_default_is_the_log_noisy_variant_with_twice_the_tutorials_starts():
    sampler = QEHVISampler()
    assert sampler.acquisition == "qlognehvi" and get_sampler("qehvi").acquisition == "qehvi"
    assert (sampler.mc_samples, sampler.maxiter, sampler.fit_maxiter) == (128, 200, None)
    assert (sampler.num_restarts, sampler.raw_samples) == (20, 512)


def test_each_fit_starts_from_the_previous_one_recorded_in_the_archive():
    from samplers.botorch_gp import fit_gp, load_gp_state

    task = SlopeTask()
    archive = filled_archive(task, 12, seed=0)
    sampler = QEHVISampler(**SMALL)
    first = sampler.propose(Region.whole(archive), archive, 2, np.random.default_rng(0)).info
    assert first["warm_start"] is False and first["gp_state"]["model"] == "SingleTaskGP"
    archive.record_report(1, {"leaf_id": 3, "inner": dict(first)})  # as a LaMOO proposal reports it
    again = sampler.propose(Region.whole(archive), archive, 2, np.random.default_rng(0)).info
    assert again["warm_start"] is True
    # the state is what the fit ends at: loading it reproduces the fitted hyperparameters exactly
    import torch

    valid = archive.valid_indices
    model, _ = sampler._fit(archive, valid)
    X = torch.as_tensor(archive.space.to_unit(archive.X[valid]))
    other, _ = fit_gp(archive.space, X, torch.as_tensor(-archive.F[valid]), maxiter=1)
    assert load_gp_state(other, again["gp_state"])
    for (name, p), (_, q) in zip(model.named_parameters(), other.named_parameters()):
        assert torch.equal(p, q), name
    cold = QEHVISampler(warm_start=False, **SMALL).propose(Region.whole(archive), archive, 2, np.random.default_rng(0))
    assert cold.info["warm_start"] is False


def test_a_state_of_another_model_is_not_loaded():
    from samplers.botorch_gp import fit_gp, gp_state, load_gp_state
    import torch

    task = MixedToyTask()
    archive = filled_archive(task, 12, seed=0)
    X = torch.as_tensor(archive.space.to_unit(archive.X))
    Y = torch.as_tensor(-archive.F)
    hamming, _ = fit_gp(archive.space, X, Y, maxiter=5)
    ordinal, _ = fit_gp(archive.space, X, Y, categorical="ordinal", maxiter=5)
    state = gp_state(hamming)
    assert not load_gp_state(ordinal, state)
    assert not load_gp_state(hamming, {**state, "params": {**state["params"], "mean_module.raw_constant": [0.0]}})
    assert not load_gp_state(hamming, None) and load_gp_state(hamming, state)


def test_a_resumed_run_fits_from_the_same_state_as_an_uninterrupted_one(tmp_path):
    from lamoo import LaMOO, Study, optimize

    task = SlopeTask()

    def make():
        return LaMOO(QEHVISampler(**FAST), leaf_size=4)

    journal = tmp_path / "run.jsonl"
    Study(task, make(), seed=3, n_init=8, journal=journal).optimize(13, batch_size=5)
    resumed = Study.load(journal, task, make())
    res = resumed.optimize(23, batch_size=5)
    whole = optimize(task, make(), budget=23, n_init=8, batch_size=5, seed=3)
    np.testing.assert_array_equal(res.X, whole.X)
    assert resumed.last_proposal.info["inner"]["warm_start"] is True


def _same_fit(sampler, archive, seed):
    """The model, inputs and QMC seed ``sampler.propose(..., rng=default_rng(seed))`` builds."""
    import torch

    torch_seed = int(np.random.default_rng(seed).integers(2 ** 31))
    with torch.random.fork_rng():
        torch.manual_seed(torch_seed)
        model, train_X = sampler._fit(archive, archive.valid_indices)
    return model, train_X, torch_seed


def test_finite_spaces_maximize_the_monte_carlo_acquisition_exactly_with_discrete_mc():
    import torch

    from samplers.botorch_acq import score

    task = FiniteToyTask()
    archive = filled_archive(task, 20, seed=1)
    sampler = QEHVISampler("qlogehvi", discrete="mc", **SMALL)
    proposal = sampler.propose(Region.whole(archive), archive, 3, np.random.default_rng(0))
    C = Region.whole(archive).candidates()
    assert proposal.info["n_candidates"] == len(C) == task.space.n_candidates - 20
    assert proposal.info["discrete"] == "mc" and proposal.info["n_scored"] == 3 * len(C) - 3
    # the first pick is the best candidate of the acquisition the sampler built (same seeds)
    model, train_X, seed = _same_fit(sampler, archive, 0)
    valid = archive.valid_indices
    acq = make_acquisition("qlogehvi", model, train_X, archive.F[valid], archive.reference_F(),
                           mc_samples=SMALL["mc_samples"], seed=seed)
    values = score(acq, torch.as_tensor(archive.space.to_unit(C))).numpy()
    np.testing.assert_array_equal(proposal.X[0], C[int(np.argmax(values))])


def test_finite_spaces_maximize_the_analytic_ehvi_exactly_by_default():
    import torch
    from botorch.acquisition.multi_objective.analytic import ExpectedHypervolumeImprovement
    from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning

    from samplers.botorch_acq import score

    task = FiniteToyTask()
    archive = filled_archive(task, 20, seed=1)
    sampler = QEHVISampler(**SMALL)
    assert sampler.discrete == "analytic"
    proposal = sampler.propose(Region.whole(archive), archive, 3, np.random.default_rng(0))
    C = Region.whole(archive).candidates()
    info = proposal.info
    assert info["discrete"] == "analytic" and info["n_candidates"] == len(C) and info["n_scored"] == 3 * len(C) - 3
    assert len(proposal.X) == 3 and not archive.contains(proposal.X).any()
    assert len({row.tobytes() for row in proposal.X}) == 3
    # the first pick maximizes BoTorch's closed-form EHVI of the same model over every candidate
    model, _, _ = _same_fit(sampler, archive, 0)
    ref = torch.as_tensor(-archive.reference_F())
    Y = torch.as_tensor(-archive.F[archive.valid_indices])
    acq = ExpectedHypervolumeImprovement(model, ref_point=ref.tolist(),
                                         partitioning=FastNondominatedPartitioning(ref_point=ref, Y=Y))
    values = score(acq, torch.as_tensor(archive.space.to_unit(C))).numpy()
    np.testing.assert_array_equal(proposal.X[0], C[int(np.argmax(values))])


def test_the_kriging_believer_batch_does_not_pick_a_copy_of_its_first_pick():
    import torch

    from samplers.botorch_discrete import select_discrete_analytic

    archive = filled_archive(SlopeTask(), 12, seed=0)
    model, _, _ = _same_fit(QEHVISampler(**SMALL), archive, 0)
    Y, ref = torch.as_tensor(-archive.F), torch.as_tensor(-archive.reference_F())
    U = torch.as_tensor(np.random.default_rng(1).random((200, 2)))
    best, _ = select_discrete_analytic(model, Y, ref, U, 1)
    U = torch.cat([U, U[best]])  # candidate 200 is the best one again: greedy top-2 would pick both
    chosen, info = select_discrete_analytic(model, Y, ref, U, 2)
    assert chosen[0] == best[0] and chosen[1] not in (best[0], 200)
    assert info == {"n_candidates": 201, "n_scored": 201 + 200, "discrete": "analytic"}


def test_the_analytic_batch_believes_pending_points_as_it_believes_its_own_picks():
    # a point in flight counts as the batch's first pick: with it pending, the one pick left is
    # the greedy batch's second
    import torch

    from samplers.botorch_discrete import select_discrete_analytic

    archive = filled_archive(SlopeTask(), 12, seed=0)
    model, _, _ = _same_fit(QEHVISampler(**SMALL), archive, 0)
    Y, ref = torch.as_tensor(-archive.F), torch.as_tensor(-archive.reference_F())
    U = torch.as_tensor(np.random.default_rng(1).random((200, 2)))
    (first, second), _ = select_discrete_analytic(model, Y, ref, U, 2)
    rest = np.flatnonzero(np.arange(200) != first)
    alone, _ = select_discrete_analytic(model, Y, ref, U[rest], 1)
    assert rest[alone[0]] != second  # ignoring the point in flight picks its neighbour
    after, info = select_discrete_analytic(model, Y, ref, U[rest], 1, pending_U=U[first:first + 1])
    assert rest[after[0]] == second
    assert info == {"n_candidates": 199, "n_scored": 199, "discrete": "analytic"}


@pytest.mark.parametrize("discrete", ["analytic", "mc"])
def test_pending_cells_steer_the_finite_batch(discrete, monkeypatch):
    # a region whose best cell is in flight: the one pick left is the greedy batch's second, and on
    # the Monte-Carlo path the acquisition holds it pending from the first step
    calls = record_pending(monkeypatch)
    archive = filled_archive(FiniteToyTask(), 20, seed=0)  # a case where ignoring it picks another cell
    sampler = QEHVISampler(discrete=discrete, **SMALL)
    free = sampler.propose(Region.whole(archive), archive, 2, np.random.default_rng(0)).X
    calls.clear()
    P = free[:1]
    held = sampler.propose(Region.whole(archive, pending=P), archive, 1, np.random.default_rng(0)).X
    assert not (held == P).all(axis=1).any()
    np.testing.assert_array_equal(held[0], free[1])  # the greedy batch's second pick
    if discrete == "mc":
        assert len(calls) == 1
        np.testing.assert_allclose(calls[0], archive.space.to_unit(P))


def test_warm_start_must_be_a_boolean_and_discrete_a_known_method():
    with pytest.raises(ValueError, match="warm_start must be True or False, got 1"):
        QEHVISampler(warm_start=1)
    with pytest.raises(ValueError, match="discrete must be one of .*'analytic'.*got 'exact'"):
        QEHVISampler(discrete="exact")
