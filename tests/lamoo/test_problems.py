import numpy as np
import pytest

from lamoo.exceptions import InvalidInputError
from lamoo.problems import get_problem, list_problems

pytest.importorskip("botorch")


@pytest.mark.parametrize("name, d, m, max_hv", [
    ("branin-currin", 2, 2, 59.36011874867746),
    ("vehicle-safety", 5, 3, 246.81607081187002),
    ("dtlz2", 6, 2, None),
])
def test_builtin_problems(name, d, m, max_hv):
    task = get_problem(name)
    assert task.space.n_dims == d and len(task.objectives) == m and task.ref_point.shape == (m,)
    assert all(o.direction == "minimize" for o in task.objectives)
    if max_hv is not None:
        assert task.max_hypervolume == pytest.approx(max_hv)
    Y = task.evaluate(task.space.sample_uniform(4, np.random.default_rng(0)))
    assert Y.shape == (4, m) and np.isfinite(Y).all()
    assert task.describe()["problem"] == name


def test_branin_currin_values_match_the_definition():
    task = get_problem("branin-currin")
    x = np.array([[0.5, 0.5]])
    x1, x2 = 15 * 0.5 - 5, 15 * 0.5
    branin = (x2 - 5.1 / (4 * np.pi ** 2) * x1 ** 2 + 5 / np.pi * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * np.pi)) * np.cos(x1) + 10
    assert task.evaluate(x)[0, 0] == pytest.approx(branin)


def test_dtlz2_is_configurable_and_knows_its_optimum():
    task = get_problem("dtlz2", dim=8, num_objectives=3)
    assert task.space.n_dims == 8 and len(task.objectives) == 3
    assert task.max_hypervolume == pytest.approx(1.1 ** 3 - np.pi / 6, rel=1e-6)
    assert task.ideal_point.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("name, kwargs, match", [
    ("rosenbrock", {}, "unknown problem 'rosenbrock'; available: branin-currin, dtlz2, vehicle-safety"),
    ("dtlz2", {"dim": 2, "num_objectives": 3}, "dim must be"),
    ("dtlz2", {"num_objectives": 1}, "num_objectives"),
    ("branin-currin", {"dim": 3}, "unexpected keyword"),
])
def test_bad_problem_requests(name, kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        get_problem(name, **kwargs)


def test_out_of_bounds_points_are_refused():
    with pytest.raises(InvalidInputError, match="outside the search space"):
        get_problem("branin-currin").evaluate(np.array([[1.5, 0.2]]))
    assert list_problems() == ["branin-currin", "dtlz2", "vehicle-safety"]
