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
