import numpy as np
import pytest

from lamoo.exceptions import InvalidInputError
from lamoo.partition import GOOD
from lamoo.proposal import NewPoints, Proposal, as_proposal, complete
from lamoo.region import Region
from samplers import RandomSampler
from tests.toys import FiniteToyTask, MixedToyTask, ToyTask, filled_archive, half_region


class Nowhere:
    """A classifier that puts every point on the bad side: its good region is empty."""

    def predict(self, features):
        return np.full(len(features), 1 - GOOD)


def empty_region(parent: Region) -> Region:
    return parent.refine(Nowhere(), GOOD, np.empty(0, dtype=np.int64), leaf_id=7, features=parent.space.to_unit)


def test_a_proposal_is_read_only_and_checks_its_shape():
    archive = filled_archive(ToyTask(d=2), 5)
    region = Region.whole(archive)
    proposal = Proposal([[0.1, 0.2]], region, {"k": 1})
    assert proposal.X.shape == (1, 2) and not proposal.X.flags.writeable and len(proposal) == 1
    with pytest.raises(TypeError):
        proposal.info["k"] = 2
    assert Proposal(np.empty(0), region).X.shape == (0, 2)
    with pytest.raises(InvalidInputError, match=r"shape \(k x 2\), got shape \(1, 3\)"):
        Proposal([[0.1, 0.2, 0.3]], region)
    with pytest.raises(InvalidInputError, match="info must be a mapping"):
        Proposal([[0.1, 0.2]], region, ["k"])


def test_as_proposal_wraps_arrays_and_checks_the_region():
    archive = filled_archive(ToyTask(d=2), 20)
    half = half_region(archive)
    whole = half.parent
    wrapped = as_proposal(np.array([[0.1, 0.2]]), whole, "MySampler()")
    assert wrapped.region is whole and dict(wrapped.info) == {}
    assert as_proposal(Proposal([[0.1, 0.2]], half), whole).region is half  # refined from the given one
    with pytest.raises(InvalidInputError, match=r"RandomSampler\(\).propose must return a lamoo.Proposal or a \(k x d\)"):
        as_proposal(np.zeros((2, 5)), whole, RandomSampler())
    with pytest.raises(InvalidInputError, match="neither the region it was given"):
        as_proposal(Proposal([[0.1, 0.2]], Region.whole(archive)), half, "MySampler()")


def test_new_points_repairs_and_keeps_only_new_distinct_in_region_rows():
    task = MixedToyTask()
    archive = filled_archive(task, 6, seed=1)
    pending = np.array([[0.5, 1.0, 2.0]])
    region = Region.whole(archive, pending=pending)
    points = NewPoints(region, 4)
    offered = np.array([[0.25, 2.4, 0.2],    # repaired to [0.25, 2, 0]
                        [0.25, 2.0, 0.0],    # the same point again
                        archive.X[0],        # evaluated
                        [0.5, 1.0, 2.0],     # pending
                        [1.7, -3.0, 1.0]])   # repaired to [1, 0, 1]
    assert points.acceptable(offered).tolist() == [True, True, False, False, True]
    assert points.offer(offered) == 2
    np.testing.assert_array_equal(points.array(), [[0.25, 2.0, 0.0], [1.0, 0.0, 1.0]])
    assert points.kept([[0.25, 2.0, 0.0]]).tolist() == [True]


def test_new_points_keeps_rows_inside_its_region():
    archive = filled_archive(ToyTask(d=2), 20)
    points = NewPoints(half_region(archive), 5)  # x0 < 0.5
    assert points.offer([[0.2, 0.9], [0.8, 0.1], [0.3, 0.3]]) == 2
    assert (points.array()[:, 0] < 0.5).all()


def test_complete_keeps_the_proposal_then_tops_up_from_its_region():
    archive = filled_archive(ToyTask(d=2), 20)
    region = half_region(archive)
    done = complete(Proposal([[0.2, 0.9], [0.8, 0.1]], region), 4, np.random.default_rng(0))
    assert done.sources == ("sampler", "fill", "fill", "fill")
    assert len(done.X) == 4 and region.contains(done.X).all()
    np.testing.assert_array_equal(done.X[0], [0.2, 0.9])
    assert done.leaf_ids.tolist() == [region.leaf_id] * 4


def test_complete_moves_up_to_the_parent_only_on_a_real_shortfall():
    archive = filled_archive(ToyTask(d=2), 20)
    half = half_region(archive)
    nowhere = empty_region(half)  # its rejection sampler finds nothing
    done = complete(Proposal(np.empty((0, 2)), nowhere), 3, np.random.default_rng(0), source="init")
    assert done.sources == ("fill",) * 3 and half.contains(done.X).all()
    assert done.leaf_ids.tolist() == [half.leaf_id] * 3  # drawn in the parent, which could supply them
    full = complete(Proposal(np.empty((0, 2)), half), 3, np.random.default_rng(0))
    assert full.leaf_ids.tolist() == [half.leaf_id] * 3


def test_complete_returns_fewer_points_when_a_finite_space_runs_out():
    task = FiniteToyTask()
    archive = filled_archive(task, 78, seed=0)  # 3 new cells left
    pending = task.space.candidates[~archive.evaluated_candidates()][:1]
    done = complete(Proposal(np.empty((0, 4)), Region.whole(archive, pending=pending)), 5, np.random.default_rng(0))
    assert len(done.X) == 2 and not archive.contains(done.X).any()
    assert not (done.X == pending).all(axis=1).any()


def test_a_sampler_returning_a_plain_array_still_works():
    from lamoo import optimize

    class ArraySampler(RandomSampler):
        def propose(self, region, archive, n, rng):
            return region.sample(n, rng)  # the plain-array protocol of earlier versions

    res = optimize(ToyTask(d=2), ArraySampler(), budget=20, n_init=10, batch_size=5, seed=0)
    assert res.sources[10:] == ["sampler"] * 10
