from lamoo.testing import SamplerConformance


class TestCMAESSamplerConformance(SamplerConformance):
    sampler_name = "cmaes"


# ---------------------------------------------------------------------------------------------
# what is specific to CMA-ES

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lamoo.archive import Archive  # noqa: E402
from lamoo.region import Region  # noqa: E402
from samplers import CMAESSampler  # noqa: E402
from tests.toys import ToyTask, filled_archive  # noqa: E402


def test_the_scalarization_weighs_every_objective():
    F = np.array([[0.0, 3.0, 1.0], [1.0, 0.0, 3.0], [3.0, 1.0, 0.0]])
    sampler = CMAESSampler(rho=0.0)
    for j in range(3):
        w = np.eye(3)[j]
        assert np.argmin(sampler.scalarize(F, F, w)) == j  # the point best in objective j
    g = sampler.scalarize(F, F, np.ones(3) / 3)
    np.testing.assert_allclose(g, [1 / 3, 1 / 3, 1 / 3])  # Chebyshev: each is worst somewhere


def test_proposals_depend_on_the_second_objective_too():
    task = ToyTask(d=2)
    archive = filled_archive(task, 24, seed=0)
    other = Archive(task.space, task.objectives, task.ref_point)
    Y = archive.Y.copy()
    Y[:, 1] = ((archive.X - 0.3) ** 2).sum(axis=1)  # only the second objective changes
    other.append(archive.X, Y)
    a = CMAESSampler().propose(Region.whole(archive), archive, 4, np.random.default_rng(0)).X
    b = CMAESSampler().propose(Region.whole(other), other, 4, np.random.default_rng(0)).X
    assert not np.allclose(a, b)


def test_weights_are_drawn_per_call_from_the_rng_over_all_objectives():
    archive = filled_archive(ToyTask(d=2), 12, seed=0)
    sampler = CMAESSampler()
    weights = []
    for seed in range(20):
        weights.append(sampler.propose(Region.whole(archive), archive, 2, np.random.default_rng(seed)).info["weights"])
    weights = np.array(weights)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    assert (weights.max(axis=0) > 0.6).all()  # each objective dominates some batch


def test_history_is_replayed_in_generations_and_proposals_come_from_cma():
    archive = filled_archive(ToyTask(d=3), 30, seed=0)
    sampler = CMAESSampler(popsize=8)
    proposal = sampler.propose(Region.whole(archive), archive, 5, np.random.default_rng(0))
    assert proposal.info["replayed"] == 30 // 8 and proposal.info["n_cma"] == 5
    assert proposal.X.shape == (5, 3)


def test_numpy_global_rng_is_untouched():
    archive = filled_archive(ToyTask(d=2), 12, seed=0)
    np.random.seed(7)
    state = np.random.get_state()[1].copy()
    CMAESSampler().propose(Region.whole(archive), archive, 3, np.random.default_rng(0))
    assert (np.random.get_state()[1] == state).all()


def test_bad_arguments_raise_a_clear_value_error():
    with pytest.raises(ValueError, match="popsize must be None or an integer >= 2, got 1"):
        CMAESSampler(popsize=1)
    with pytest.raises(ValueError, match="sigma_fraction"):
        CMAESSampler(sigma_fraction=0)
    with pytest.raises(ValueError, match="max_tries"):
        CMAESSampler(max_tries=0)
