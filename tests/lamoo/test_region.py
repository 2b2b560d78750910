import numpy as np

from lamoo.partition import GOOD
from lamoo.region import Region
from tests.toys import FiniteToyTask, HalfSpaceClassifier, MixedToyTask, ToyTask, filled_archive, half_region


def test_whole_space_region_holds_every_successful_sample():
    archive = filled_archive(ToyTask(d=2), 10, failed=3)
    region = Region.whole(archive)
    assert region.is_whole_space and region.members.tolist() == list(range(3, 10))
    np.testing.assert_array_equal(region.bounds, archive.space.bounds)
    assert region.contains(np.array([[0.2, 0.9]])).all()


def test_membership_needs_every_classifier_on_the_path():
    archive = filled_archive(ToyTask(d=2), 30, seed=1)
    half = half_region(archive)
    # a second split on the same rule, mirrored: x0 >= 0.5 (the empty intersection)
    feats = archive.space.to_unit
    quarter = half.refine(HalfSpaceClassifier(), 1 - GOOD, np.array([], dtype=int), leaf_id=2, features=feats)
    X = np.array([[0.2, 0.5], [0.8, 0.5]])
    assert half.contains(X).tolist() == [True, False]
    assert quarter.contains(X).tolist() == [False, False]
    assert quarter.parent is half and half.parent.is_whole_space and quarter.depth == 2
    assert not half.contains(np.array([[-0.2, 0.5]]))[0]  # outside the space


def test_members_and_bounds_of_a_region():
    archive = filled_archive(ToyTask(d=2), 40, seed=2)
    region = half_region(archive)
    assert (archive.X[region.members, 0] < 0.5).all()
    lo, hi = region.bounds
    assert hi[0] < 0.5 and (region.X >= lo).all() and (region.X <= hi).all()


def test_rejection_sampling_stays_in_the_region():
    archive = filled_archive(ToyTask(d=2), 40, seed=3)
    region = half_region(archive)
    X = region.sample(50, np.random.default_rng(0))
    assert X.shape == (50, 2) and region.contains(X).all()


def test_sampling_reports_an_impossible_region_by_returning_fewer_points():
    archive = filled_archive(ToyTask(d=2), 40, seed=3)
    half = half_region(archive)
    empty = half.refine(HalfSpaceClassifier(), 1 - GOOD, half.members, leaf_id=2, features=archive.space.to_unit)
    assert len(empty.sample(5, np.random.default_rng(0))) == 0


def test_sampling_a_mixed_space_region_gives_valid_points():
    archive = filled_archive(MixedToyTask(), 30, seed=4)
    X = half_region(archive).sample(20, np.random.default_rng(1))
    assert archive.space.contains(X).all()


def test_finite_region_candidates_are_exact_and_unevaluated():
    task = FiniteToyTask()
    archive = filled_archive(task, 20, seed=5)
    region = half_region(archive)
    C = task.space.candidates
    expected = C[(C[:, 0] == 0) & ~archive.evaluated_candidates()]
    got = region.candidates()
    assert sorted(map(tuple, got)) == sorted(map(tuple, expected))
    assert len(region.candidates(unevaluated=False)) == 27
    X = region.sample(100, np.random.default_rng(0))
    assert len(X) == len(expected)  # all of them, each once
    exclude = got[:3]
    X = region.sample(100, np.random.default_rng(0), exclude=exclude)
    assert len(X) == len(expected) - 3 and not any((X == e).all(1).any() for e in exclude)
