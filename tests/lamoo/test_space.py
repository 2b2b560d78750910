import numpy as np
import pytest

from lamoo.exceptions import InvalidInputError
from lamoo.space import SearchSpace
from tests.toys import MixedToyTask


def mixed():
    return MixedToyTask().space


def test_box_space_samples_inside_its_bounds():
    space = SearchSpace.box([-1, 0], [1, 5])
    X = space.sample_uniform(200, np.random.default_rng(0))
    assert X.shape == (200, 2) and space.contains(X).all()
    assert not space.is_finite and space.grid_size == np.inf


def test_initial_design_is_a_latin_hypercube():
    space = SearchSpace.box([0, 0], [1, 1])
    X = space.sample_initial(10, np.random.default_rng(0))
    for j in range(2):  # one point per tenth of each axis
        assert sorted(np.floor(X[:, j] * 10).astype(int)) == list(range(10))


def test_mixed_space_sampling_respects_integrality():
    space = mixed()
    X = space.sample_uniform(100, np.random.default_rng(1))
    assert space.contains(X).all()
    assert set(np.unique(X[:, 1])) <= set(range(5)) and set(np.unique(X[:, 2])) <= {0, 1, 2}
    assert space.sample_initial(7, np.random.default_rng(0)).shape == (7, 3)


def test_a_small_discrete_space_enumerates_its_grid():
    space = SearchSpace.categorical(3, ["a", "b"])
    assert space.is_finite and space.n_candidates == 8
    assert (space.candidate_index(space.candidates) == np.arange(8)).all()


def test_candidate_index_marks_missing_rows():
    cands = np.array([[0, 1], [2, 2], [1, 0]], dtype=float)
    space = SearchSpace([(0, 2), (0, 2)], kinds=["integer", "integer"], candidates=cands)
    idx = space.candidate_index(np.array([[2, 2], [1, 1], [0, 1], [5, 5]], dtype=float))
    assert idx.tolist() == [1, -1, 0, -1]


def test_candidate_lookup_with_continuous_candidates():
    cands = np.array([[0.5, 1.0], [0.25, 2.0]])
    space = SearchSpace([(0, 1), (0, 2)], kinds=["continuous", "integer"], candidates=cands)
    assert space.candidate_index(np.array([[0.25, 2.0], [0.3, 2.0]])).tolist() == [1, -1]


def test_duplicate_candidates_are_rejected():
    with pytest.raises(InvalidInputError, match="duplicate"):
        SearchSpace([(0, 2)], kinds=["integer"], candidates=np.array([[1.0], [1.0]]))


def test_repair_clips_rounds_and_snaps_to_candidates():
    cands = np.array([[0, 0], [2, 2]], dtype=float)
    space = SearchSpace([(0, 2), (0, 2)], kinds=["integer", "integer"], candidates=cands)
    X = space.repair(np.array([[-3.0, 0.4], [1.8, 2.6], [1.6, 1.7]]))
    assert X.tolist() == [[0, 0], [2, 2], [2, 2]]
    assert space.contains(X).all()
    assert mixed().repair(np.array([[1.7, -0.4, 2.2]])).tolist() == [[1.0, 0.0, 2.0]]


def test_repair_never_produces_negative_zero():
    X = mixed().repair(np.array([[0.5, -0.3, -0.2]]))
    assert X.tobytes() == np.array([[0.5, 0.0, 0.0]]).tobytes()


@pytest.mark.parametrize("X, match", [
    (np.zeros((2, 7)), r"shape \(n x 3\)"),
    (np.array([[0.5, 1.0, 3.0]]), "'op' must lie in"),
    (np.array([[0.5, 1.5, 1.0]]), "'layers' is integer"),
    (np.array([[np.nan, 1.0, 1.0]]), "'lr' is nan"),
    ("abc", "numeric array"),
])
def test_validate_names_the_bad_value(X, match):
    with pytest.raises(InvalidInputError, match=match):
        mixed().validate(X)


def test_validate_rejects_non_candidates_on_finite_spaces():
    space = SearchSpace([(0, 2)], kinds=["integer"], candidates=np.array([[0.0], [2.0]]))
    with pytest.raises(InvalidInputError, match="not one of the space's 2 candidates"):
        space.validate(np.array([[1.0]]))


@pytest.mark.parametrize("kwargs, match", [
    ({"bounds": [(1, 0)]}, "low <= high"),
    ({"bounds": [(0, 1)], "kinds": ["ordinal"]}, "kinds must be"),
    ({"bounds": [(0, 1.5)], "kinds": ["integer"]}, "must be integers"),
    ({"bounds": [(1, 3)], "kinds": ["categorical"]}, r"bounds \(0, k-1\)"),
    ({"bounds": [(0, 1), (0, 1)], "names": ["a", "a"]}, "distinct"),
])
def test_bad_space_definitions_are_rejected(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        SearchSpace(**kwargs)


def test_features_one_hot_encode_categorical_dimensions():
    space = mixed()
    X = np.array([[0.5, 2.0, 1.0], [1.0, 4.0, 2.0]])
    np.testing.assert_allclose(space.features(X), [[0.5, 0.5, 0.5], [1.0, 1.0, 1.0]])
    np.testing.assert_allclose(space.features(X, one_hot=True), [[0.5, 0.5, 0, 1, 0], [1.0, 1.0, 0, 0, 1]])


def test_unit_round_trip_for_continuous_dimensions():
    space = SearchSpace.box([-2, 10], [2, 20])
    X = space.sample_uniform(5, np.random.default_rng(0))
    np.testing.assert_allclose(space.from_unit(space.to_unit(X)), X)
