from lamoo.testing import SamplerConformance


class TestNSGA2SamplerConformance(SamplerConformance):
    sampler_name = "nsga2"


# ---------------------------------------------------------------------------------------------
# what is specific to NSGA-II

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lamoo.pareto import non_dominated_mask  # noqa: E402
from lamoo.proposal import complete  # noqa: E402
from lamoo.region import Region  # noqa: E402
from samplers import NSGA2Sampler  # noqa: E402
from tests.toys import FiniteToyTask, ToyTask, filled_archive, half_region  # noqa: E402


def test_defaults_follow_xnas_for_integer_encodings():
    mating = NSGA2Sampler().make_mating(n_dims=6)
    assert mating.crossover.prob.value == 0.9 and mating.crossover.eta.value == 3.0
    assert mating.mutation.prob_var.value == pytest.approx(1 / 6) and mating.mutation.eta.value == 3.0
    assert mating.mutation.prob.value == 1.0  # every offspring, each variable with 1/d
    assert mating.selection.func_comp.__name__ == "binary_tournament"


def test_parents_are_the_regions_best_by_rank():
    archive = filled_archive(ToyTask(d=2), 40, seed=0)
    region = half_region(archive)
    front = region.members[non_dominated_mask(region.F)]
    parents = NSGA2Sampler(pop_size=len(front)).select_parents(region, archive, np.random.default_rng(0))
    assert sorted(parents) == sorted(front)
    parents = NSGA2Sampler(pop_size=200).select_parents(region, archive, np.random.default_rng(0))
    assert sorted(parents) == sorted(region.members)


def test_copies_of_evaluated_points_are_never_proposed():
    # without crossover or mutation every offspring is a copy of a parent: all are rejected, and
    # the driver's completion tops the empty proposal up with new cells
    task = FiniteToyTask()
    archive = filled_archive(task, 20, seed=0)
    sampler = NSGA2Sampler(crossover_prob=0.0, mutation_prob=0.0, max_tries=3)
    proposal = sampler.propose(Region.whole(archive), archive, 4, np.random.default_rng(0))
    assert proposal.info["n_offspring"] == 0 and len(proposal.X) == 0
    done = complete(proposal, 4, np.random.default_rng(0))
    assert done.sources == ("fill",) * 4 and len(done.X) == 4 and not archive.contains(done.X).any()


def test_offspring_come_from_mating():
    archive = filled_archive(ToyTask(d=3), 30, seed=0)
    proposal = NSGA2Sampler().propose(Region.whole(archive), archive, 5, np.random.default_rng(0))
    assert proposal.info["n_offspring"] == 5 and proposal.info["n_parents"] == 20 and len(proposal.X) == 5


def test_bad_arguments_raise_a_clear_value_error():
    with pytest.raises(ValueError, match="pop_size must be an integer >= 2, got 1"):
        NSGA2Sampler(pop_size=1)
    with pytest.raises(ValueError, match=r"crossover_prob must be a finite number in \[0, 1\], got 1.5"):
        NSGA2Sampler(crossover_prob=1.5)
    with pytest.raises(ValueError, match="mutation_eta"):
        NSGA2Sampler(mutation_eta=0)


# ---------------------------------------------------------------------------------------------
# the binary presets (pruning genomes)

from lamoo import LaMOO, optimize  # noqa: E402
from lamoo.archive import Archive  # noqa: E402
from lamoo.exceptions import InvalidInputError  # noqa: E402
from lamoo.space import SearchSpace  # noqa: E402
from lamoo.task import ObjectiveSpec, Task  # noqa: E402


class BitsTask(Task):
    """Two minimized objectives on 40 bits: the number of ones, and the mismatches with a target."""

    def __init__(self, d=40):
        self.space = SearchSpace([(0, 1)] * d, kinds=["integer"] * d)
        self.objectives = (ObjectiveSpec("ones"), ObjectiveSpec("mismatch"))
        self.ref_point = np.array([d + 1.0, d + 1.0])
        self.target = np.arange(d) % 3 == 0

    def evaluate(self, X):
        X = np.asarray(X) > 0.5
        return np.column_stack([X.sum(1), (X != self.target).sum(1)]).astype(float)


def bits_archive(n=30, seed=0):
    task = BitsTask()
    archive = Archive(task.space, task.objectives, task.ref_point)
    X = (np.random.default_rng(seed).random((n, 40)) < 0.5).astype(float)
    archive.append(X, task.evaluate(X), sources=["init"] * n)
    return task, archive


@pytest.mark.parametrize("operators", ["binary", "binary-two-point"])
def test_binary_presets_mate_with_bit_operators(operators):
    mating = NSGA2Sampler(operators=operators).make_mating(n_dims=40)
    assert type(mating.crossover).__name__ == {"binary": "UniformCrossover", "binary-two-point": "TwoPointCrossover"}[
        operators]
    assert type(mating.mutation).__name__ == "BitflipMutation" and mating.mutation.prob_var.value == 1 / 40
    task, archive = bits_archive()
    sampler = NSGA2Sampler(operators=operators, pop_size=30, crossover_prob=1.0)
    proposal = sampler.propose(Region.whole(archive), archive, 6, np.random.default_rng(0))
    assert proposal.X.shape == (6, 40) and set(np.unique(proposal.X)) <= {0.0, 1.0}
    assert proposal.info["n_offspring"] == 6 and not archive.contains(proposal.X).any()
    again = sampler.propose(Region.whole(archive), archive, 6, np.random.default_rng(0))
    np.testing.assert_array_equal(proposal.X, again.X)
    # uniform crossover without mutation: every child bit comes from one of its parents
    parents = archive.X[sampler.select_parents(Region.whole(archive), archive, np.random.default_rng(0))]
    child = NSGA2Sampler(operators=operators, mutation_prob=0.0, crossover_prob=1.0).propose(
        Region.whole(archive), archive, 4, np.random.default_rng(1)).X
    ones_somewhere, zeros_somewhere = parents.max(0), parents.min(0)
    assert ((child <= ones_somewhere) & (child >= zeros_somewhere)).all()


def test_binary_presets_run_inside_lamoo_and_refuse_other_spaces():
    task = BitsTask()
    res = optimize(task, LaMOO(NSGA2Sampler(operators="binary"), leaf_size=8), budget=60, n_init=20, batch_size=10,
                   seed=0)
    assert len(res.X) == 60 and res.sources[20:].count("sampler") > 0
    assert res.hypervolume() > optimize(task, NSGA2Sampler(operators="binary"), budget=20, n_init=20,
                                        seed=0).hypervolume()
    archive = filled_archive(ToyTask(d=3), 10)
    with pytest.raises(InvalidInputError, match="needs a binary space .* use operators='real'"):
        NSGA2Sampler(operators="binary").propose(Region.whole(archive), archive, 2, np.random.default_rng(0))
    with pytest.raises(InvalidInputError, match="operators must be one of"):
        NSGA2Sampler(operators="bits")
