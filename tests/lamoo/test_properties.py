"""Property-based tests of SearchSpace and Archive: any input gives a result that keeps the
invariants, or an InvalidInputError naming the value; never another exception."""
import numpy as np
import pytest

from tests.properties import prop, result_or_named_error

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import strategies as st  # noqa: E402

from lamoo.archive import Archive  # noqa: E402
from lamoo.space import KINDS, SearchSpace  # noqa: E402
from lamoo.task import ObjectiveSpec  # noqa: E402

ANY_NUMBER = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2 ** 70), 2 ** 70),
                       st.booleans())
ODD = st.one_of(st.none(), st.text(max_size=3), st.complex_numbers(max_magnitude=10), st.just([1, 2]))


@st.composite
def space_arguments(draw, odd: bool = True):
    """Keyword arguments for SearchSpace: mostly sensible, sometimes anything."""
    d = draw(st.integers(1, 4))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=d, max_size=d))
    bounds = []
    for kind in kinds:
        if kind == "continuous":
            lo = draw(st.floats(-1e12, 1e12) | st.sampled_from([-1e308, 0.0, 1e307]))
            bounds.append([lo, lo + draw(st.floats(0, 1e12) | st.sampled_from([0.0, 1e308]))])
        elif kind == "integer":
            lo = draw(st.integers(-(2 ** 54), 2 ** 54))
            bounds.append([lo, lo + draw(st.integers(0, 6) | st.integers(0, 2 ** 54))])
        else:
            bounds.append([0, draw(st.integers(0, 5))])
    if odd and draw(st.booleans()):  # replace one entry by anything at all
        bounds[draw(st.integers(0, d - 1))][draw(st.integers(0, 1))] = draw(ANY_NUMBER | ODD)
    return {"bounds": bounds, "kinds": kinds}


def make_space(kwargs):
    return result_or_named_error(lambda: SearchSpace(**kwargs))


def points(space, draw, n):
    """``n`` arbitrary rows for ``space``: inside, outside, non-finite."""
    values = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(list(space.lower) + list(space.upper))
    return np.array([[draw(values) for _ in range(space.n_dims)] for _ in range(n)], dtype=float).reshape(n,
                                                                                                          space.n_dims)


@prop(space_arguments(), st.integers(0, 2 ** 32 - 1))
def test_a_space_is_made_or_refused_and_its_samples_are_inside(kwargs, seed):
    space = make_space(kwargs)
    if space is None:
        return
    rng = np.random.default_rng(seed)
    for X in (space.sample_uniform(5, rng), space.sample_initial(4, rng)):
        assert X.shape[1] == space.n_dims and np.isfinite(X).all()
        assert space.contains(X).all(), (kwargs, X)
        np.testing.assert_array_equal(space.validate(X), X)


@prop(space_arguments(odd=False), st.data())
def test_repair_always_returns_valid_points(kwargs, data):
    space = make_space(kwargs)
    if space is None:
        return
    X = points(space, data.draw, data.draw(st.integers(0, 6)))
    R = space.repair(X)
    assert R.shape == X.shape and space.contains(R).all()
    inside = space.contains(X)
    np.testing.assert_array_equal(R[inside], X[inside] + 0.0)  # valid points are left alone


@prop(space_arguments(odd=False), st.data())
def test_contains_agrees_with_validate(kwargs, data):
    space = make_space(kwargs)
    if space is None:
        return
    X = points(space, data.draw, 4)
    for row, inside in zip(X, space.contains(X)):
        assert (result_or_named_error(lambda: space.validate(row[None]), "X row 0") is not None) == inside


@prop(space_arguments(odd=False), st.integers(0, 2 ** 32 - 1))
def test_unit_round_trips(kwargs, seed):
    space = make_space(kwargs)
    if space is None:
        return
    rng = np.random.default_rng(seed)
    U = rng.random((5, space.n_dims))
    X = space.from_unit(U)
    assert space.contains(X).all()
    back = space.to_unit(X)
    assert ((back >= 0) & (back <= 1)).all()
    cont = ~space.discrete_mask
    scale = np.maximum(np.abs(space.lower), np.abs(space.upper)) + 1
    np.testing.assert_allclose(space.from_unit(back)[:, cont], X[:, cont], rtol=0, atol=1e-9 * scale[cont].max()
                               if cont.any() else 0)
    small = space.discrete_mask & (space.upper - space.lower < 2 ** 20)  # equal bins invert exactly here
    np.testing.assert_array_equal(space.from_unit(back)[:, small], X[:, small])


@prop(space_arguments(odd=False), st.lists(ANY_NUMBER | ODD, max_size=8))
def test_methods_refuse_garbage_by_name(kwargs, garbage):
    space = make_space(kwargs)
    if space is None:
        return
    for method in (space.contains, space.validate, space.repair, space.to_unit, space.features):
        result_or_named_error(lambda: method(garbage), "X")


OBJECTIVES = (ObjectiveSpec("cost", "minimize"), ObjectiveSpec("gain", "maximize"))


@prop(st.data())
def test_archive_append_keeps_its_invariants(data):
    space = SearchSpace([(0, 1), (0, 3)], kinds=["continuous", "integer"])
    archive = Archive(space, OBJECTIVES, ref_point=[2.0, -2.0])
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    rows = 0
    for _ in range(data.draw(st.integers(1, 4))):
        k = data.draw(st.integers(0, 4))
        X = space.sample_uniform(k, rng) if data.draw(st.booleans()) else points(space, data.draw, k)
        Y = np.array(data.draw(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=2 * k,
                                        max_size=2 * k))).reshape(k, 2)
        batch = data.draw(st.integers(-3, 10) | st.floats(allow_nan=True) | st.just("b"))
        before = (archive.X.copy(), archive.Y.copy())
        added = result_or_named_error(lambda: archive.append(X, Y, batch=batch))
        if added is None:  # refused as a whole: nothing half-appended
            np.testing.assert_array_equal(archive.X, before[0])
            continue
        rows += k
        assert archive.n == rows and archive.contains(X).all() and list(added) == list(range(rows - k, rows))
    failed = np.isnan(archive.Y).any(axis=1)
    np.testing.assert_array_equal(archive.failed, failed)
    assert [e is not None for e in archive.errors] == failed.tolist()
    np.testing.assert_array_equal(archive.F, archive.Y * [1, -1])
    for view in (archive.X, archive.Y, archive.F, archive.batches, archive.leaf_ids):
        assert not view.flags.writeable


@pytest.mark.slow
@pytest.mark.parametrize("prop_test", [test_a_space_is_made_or_refused_and_its_samples_are_inside,
                                  test_repair_always_returns_valid_points, test_contains_agrees_with_validate,
                                  test_unit_round_trips, test_methods_refuse_garbage_by_name,
                                  test_archive_append_keeps_its_invariants])
def test_properties_thoroughly(prop_test):
    prop_test.thorough()
