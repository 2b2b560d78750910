"""pymoo problems as lamoo tasks: named ones through the entry points, and a user's own Problem."""
import numpy as np
import pytest

pytest.importorskip("pymoo")

from pymoo.core.problem import ElementwiseProblem, Problem  # noqa: E402
from pymoo.core.variable import Binary, Choice, Integer, Real  # noqa: E402

from lamoo import LaMOO, optimize  # noqa: E402
from lamoo.exceptions import InvalidInputError  # noqa: E402
from lamoo.integrations.pymoo import PymooTask, pymoo_task  # noqa: E402
from lamoo.plugins import get_task, list_tasks  # noqa: E402
from samplers import RandomSampler  # noqa: E402


def test_zdt1_maximum_hypervolume_brackets_the_exact_value():
    task = get_task("pymoo-zdt1", n_var=5)
    assert task.space.n_dims == 5 and [o.direction for o in task.objectives] == ["minimize", "minimize"]
    np.testing.assert_allclose(task.ref_point, [1.1, 1.1])
    exact = 1.1 * 1.1 - 1 / 3  # the area under 1 - sqrt(f1) on [0, 1], taken from the reference box
    upper = task.describe()["max_hypervolume_upper_bound"]
    assert task.max_hypervolume < exact < upper and upper - task.max_hypervolume < 2e-5
    np.testing.assert_allclose(task.ideal_point, [0, 0], atol=1e-12)


def test_pymoo_dtlz2_is_botorchs_dtlz2():
    pytest.importorskip("botorch")
    from lamoo.problems import get_problem

    ours, theirs = get_task("pymoo-dtlz2", n_var=6, n_obj=2), get_problem("dtlz2", dim=6, num_objectives=2)
    X = np.random.default_rng(0).random((20, 6))
    np.testing.assert_allclose(ours.evaluate(X), theirs.evaluate(X), atol=1e-12)
    assert abs(ours.max_hypervolume - theirs.max_hypervolume) < 1e-5 < theirs.max_hypervolume - 0.4


def test_registered_names_and_the_generic_factory():
    assert {"pymoo", "pymoo-zdt1", "pymoo-zdt2", "pymoo-zdt3", "pymoo-dtlz2", "pymoo-dtlz7", "pymoo-wfg4"} <= \
        set(list_tasks())
    task = get_task("pymoo", name="zdt3", n_var=4)
    assert task.describe()["problem"] == "pymoo-zdt3" and task.describe()["options"] == {"n_var": 4}
    with pytest.raises(InvalidInputError, match="pymoo has no problem 'nope'"):
        pymoo_task("nope")
    with pytest.raises(InvalidInputError, match="rejected the unknown argument 'dim'"):
        get_task("pymoo-zdt1", dim=3)


class Bowl(Problem):
    """A user's problem with no known front: two shifted squares."""

    def __init__(self):
        super().__init__(n_var=2, n_obj=2, xl=-1.0, xu=1.0)

    def _evaluate(self, x, out, *args, **kwargs):
        out["F"] = np.column_stack([((x - 0.5) ** 2).sum(1), ((x + 0.5) ** 2).sum(1)])


def test_a_users_problem_needs_a_reference_point_and_then_runs():
    with pytest.raises(InvalidInputError, match="give ref_point"):
        PymooTask(Bowl())
    task = PymooTask(Bowl(), ref_point=[4.0, 4.0])
    assert task.max_hypervolume is None
    res = optimize(task, LaMOO(RandomSampler(), leaf_size=4), budget=30, n_init=8, batch_size=4, seed=0)
    assert len(res) == 30 and res.hypervolume() > 0
    np.testing.assert_allclose(res.Y, task.problem.evaluate(res.X))


class Mixed(ElementwiseProblem):
    def __init__(self):
        super().__init__(vars={"r": Real(bounds=(0, 1)), "i": Integer(bounds=(0, 4)),
                               "c": Choice(options=["a", "b", "c"]), "b": Binary()}, n_obj=2)

    def _evaluate(self, x, out, *args, **kwargs):
        out["F"] = [x["r"] + x["i"] + ("abc".index(x["c"])), float(x["b"]) - x["r"]]


def test_a_mixed_variable_problem():
    task = PymooTask(Mixed(), ref_point=[10.0, 2.0])
    assert task.space.kinds == ("continuous", "integer", "categorical", "integer")
    assert task.space.choices[2] == ("a", "b", "c")
    np.testing.assert_allclose(task.evaluate(np.array([[0.5, 2, 1, 1], [0.0, 0, 0, 0]])), [[3.5, 0.5], [0.0, 0.0]])


class Constrained(Problem):
    def __init__(self):
        super().__init__(n_var=2, n_obj=2, n_ieq_constr=1, xl=0.0, xu=1.0)

    def _evaluate(self, x, out, *args, **kwargs):
        out["F"] = np.column_stack([x[:, 0], 1 - x[:, 0] + x[:, 1]])
        out["G"] = (x[:, 0] + x[:, 1] - 1.0)[:, None]  # feasible when x0 + x1 <= 1


def test_constraints_are_refused_unless_infeasible_points_fail():
    with pytest.raises(InvalidInputError, match="1 constraints and lamoo has no constraint handling"):
        PymooTask(Constrained(), ref_point=[2, 2])
    task = PymooTask(Constrained(), ref_point=[2, 2], infeasible="fail")
    Y, errors = task.evaluate_with_errors(np.array([[0.2, 0.3], [0.9, 0.4]]))
    np.testing.assert_allclose(Y[0], [0.2, 1.1])
    assert np.isnan(Y[1]).all() and errors == [None, "infeasible: largest constraint violation 0.3"]
