from lamoo.testing import SamplerConformance


class TestEvolutionSamplerConformance(SamplerConformance):
    sampler_name = "evolution"


# ---------------------------------------------------------------------------------------------
# what is specific to regularized evolution

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lamoo import optimize  # noqa: E402
from lamoo.archive import Archive  # noqa: E402
from lamoo.exceptions import InvalidInputError  # noqa: E402
from lamoo.region import Region  # noqa: E402
from lamoo.space import SearchSpace  # noqa: E402
from lamoo.task import ObjectiveSpec  # noqa: E402
from samplers import EvolutionSampler  # noqa: E402
from tests.toys import FiniteToyTask, MixedToyTask, filled_archive, half_region  # noqa: E402


class OneMax:
    """Maximize the number of dimensions equal to the last code, on 6 categorical dims of 5 codes."""

    def __init__(self):
        self.space = SearchSpace.categorical(6, ["a", "b", "c", "d", "e"])
        self.objectives = (ObjectiveSpec("score", "maximize"),)
        self.ref_point = np.array([-1.0])
        self.max_hypervolume = 7.0

    def evaluate(self, X):
        return (np.asarray(X) == 4).sum(axis=1, keepdims=True).astype(float)


def archive_of(task, X):
    archive = Archive(task.space, task.objectives, task.ref_point)
    archive.append(np.asarray(X, dtype=float), task.evaluate(X))
    return archive


def test_children_differ_from_their_parent_in_exactly_one_dimension():
    task = OneMax()
    archive = archive_of(task, task.space.candidates[[0, 100, 2000, 7000]])
    X = EvolutionSampler(population_size=4, sample_size=4).propose(Region.whole(archive), archive, 20,
                                                                  np.random.default_rng(0)).X
    # sample_size == population: the winner is always the best member, cell 100 (one "e")
    parent = task.space.candidates[100]
    assert task.evaluate(archive.X).ravel().tolist() == [0, 1, 0, 0]
    assert len(X) == 20
    assert ((X != parent).sum(axis=1) == 1).all()


def test_the_population_is_the_last_p_members_and_ages_out_the_oldest():
    task = OneMax()
    best_first = task.space.candidates[[15624, 1, 2, 3, 5, 6]]  # the all-"e" cell is the oldest
    archive = archive_of(task, best_first)
    sampler = EvolutionSampler(population_size=5, sample_size=5)
    np.testing.assert_array_equal(sampler.population(Region.whole(archive)), [1, 2, 3, 4, 5])
    X = sampler.propose(Region.whole(archive), archive, 10, np.random.default_rng(1)).X
    # the aged-out best cell is no parent: no child is one mutation away from it with 5 "e"s
    assert ((X == 4).sum(axis=1) <= 2).all()


def test_the_tournament_winner_is_non_dominated_in_its_sample():
    F = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 3.0]])
    sampler = EvolutionSampler(population_size=4, sample_size=4)
    winners = {sampler.tournament(F, np.random.default_rng(s)) for s in range(30)}
    assert winners == {0, 1}  # ties between non-dominated members are broken by the rng


def test_continuous_and_integer_mutations_stay_in_bounds():
    task = MixedToyTask()
    sampler = EvolutionSampler(sigma=1.0)
    rng = np.random.default_rng(2)
    x = np.array([0.99, 4.0, 2.0])
    children = np.array([sampler.mutate(x, task.space, rng) for _ in range(300)])
    assert task.space.contains(children).all()
    assert ((children != x).sum(axis=1) <= 1).all()
    assert set(children[:, 1]) == {0.0, 1.0, 2.0, 3.0, 4.0}  # 4 stays only when another dim moved


def test_finds_the_onemax_optimum_with_a_small_budget():
    task = OneMax()
    result = optimize(task, EvolutionSampler(), budget=120, n_init=10, batch_size=1, seed=0)
    assert result.Y.max() == 6


def test_proposals_come_from_the_region_population_only():
    task = FiniteToyTask()
    archive = filled_archive(task, 30, seed=3)
    region = half_region(archive)
    sampler = EvolutionSampler(population_size=30, sample_size=30)
    proposal = sampler.propose(region, archive, 3, np.random.default_rng(0))
    assert region.contains(proposal.X).all() and not archive.contains(proposal.X).any()
    assert proposal.info["n_population"] == len(region.members)


@pytest.mark.parametrize("kwargs, message", [
    ({"population_size": 0}, "population_size must be an integer >= 1"),
    ({"sample_size": 6, "population_size": 5}, r"sample_size must be <= population_size \(5\), got 6"),
    ({"sigma": 0}, r"sigma must be a finite number in \(0, 1\], got 0"),
])
def test_bad_arguments_are_rejected(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        EvolutionSampler(**kwargs)


def test_defaults_are_kulbach_and_thomas_population_10_and_sample_size_5():
    sampler = EvolutionSampler()
    assert (sampler.population_size, sampler.sample_size) == (10, 5)
    assert sampler.config()["params"] == {"population_size": 10, "sample_size": 5, "sigma": 0.1, "max_tries": 20}
