import numpy as np
import pytest

from lamoo.exceptions import InvalidInputError
from lamoo.task import ObjectiveSpec, Task, as_task, check_ref_point, evaluate_safely, to_minimization
from tests.toys import ToyTask

OBJ = (ObjectiveSpec("acc", "maximize"), ObjectiveSpec("flops", "minimize"))


def test_directions_convert_to_minimization_and_back():
    Y = np.array([[90.0, 10.0]])
    F = to_minimization(Y, OBJ)
    assert F.tolist() == [[-90.0, 10.0]]
    assert to_minimization(F, OBJ).tolist() == Y.tolist()


def test_bad_direction_is_named():
    with pytest.raises(InvalidInputError, match="'up'"):
        ObjectiveSpec("acc", "up")


@pytest.mark.parametrize("ref, match", [
    ([1.0], r"shape \(2,\)"), ([np.nan, 1.0], "finite"), (["a", 1], "2 numbers"),
])
def test_bad_reference_points(ref, match):
    with pytest.raises(InvalidInputError, match=match):
        check_ref_point(ref, OBJ)


def test_a_reference_point_the_front_cannot_dominate_is_rejected():
    # the best accuracy is 100: a reference accuracy of 100 can never be beaten
    with pytest.raises(InvalidInputError, match="cannot be dominated.*'acc'"):
        check_ref_point([100.0, 50.0], OBJ, ideal_point=[100.0, 1.0])
    assert check_ref_point([10.0, 50.0], OBJ, ideal_point=[100.0, 1.0]).tolist() == [10.0, 50.0]


class Flaky(ToyTask):
    """Fails on points whose first coordinate is above 0.5, returns NaN below 0.1."""

    def evaluate(self, X):
        X = np.asarray(X)
        if (X[:, 0] > 0.5).any():
            raise RuntimeError("simulated crash")
        Y = super().evaluate(X)
        Y[X[:, 0] < 0.1] = np.nan
        return Y


def test_evaluate_safely_isolates_failing_points():
    X = np.array([[0.2, 0.2, 0.2], [0.9, 0.1, 0.1], [0.05, 0.5, 0.5]])
    Y, errors = evaluate_safely(Flaky(), X)
    assert np.isfinite(Y[0]).all() and np.isnan(Y[1:]).all()
    assert errors[0] is None
    assert "simulated crash" in errors[1]
    assert errors[2] == "the task returned NaN"


def test_evaluate_safely_reports_a_wrong_output_shape():
    class Wrong(ToyTask):
        def evaluate(self, X):
            return np.zeros((len(X), 5))

    Y, errors = evaluate_safely(Wrong(), np.zeros((1, 3)))
    assert np.isnan(Y).all() and "shape (1 x 2)" in errors[0]


def test_evaluate_with_errors_hook_is_used():
    class Hook(ToyTask):
        def evaluate_with_errors(self, X):
            Y = self.evaluate(X)
            Y[0] = np.nan
            return Y, ["out of memory"] + [None] * (len(X) - 1)

    Y, errors = evaluate_safely(Hook(), np.full((2, 3), 0.5))
    assert errors == ["out of memory", None] and np.isnan(Y[0]).all()


class DuckTask:
    """A task that does not subclass lamoo.Task: space, objectives, ref_point, evaluate only."""

    def __init__(self):
        toy = ToyTask(d=2)
        self.space, self.objectives, self.ref_point = toy.space, toy.objectives, toy.ref_point
        self.evaluate = toy.evaluate


def test_a_duck_typed_task_gets_the_task_defaults():
    duck = DuckTask()
    task = as_task(duck)
    assert isinstance(task, Task) and task.task is duck and as_task(task) is task
    assert task.max_hypervolume is None and task.ideal_point is None
    assert task.describe() == {"class": "tests.lamoo.test_task.DuckTask"}
    Y, errors = task.evaluate_with_errors(np.full((2, 2), 0.5))
    assert Y.shape == (2, 2) and errors == [None, None]
    duck.describe = lambda: {"name": "duck"}
    duck.ideal_point = np.zeros(2)
    assert as_task(duck).describe() == {"name": "duck"} and as_task(duck).ideal_point.tolist() == [0, 0]


def test_a_task_base_class_gives_the_defaults_and_requires_evaluate():
    assert ToyTask(d=2).describe() == {"class": "lamoo.testing.toys.ToyTask"}
    assert ToyTask.ideal_point is None and ToyTask.max_hypervolume is None
    with pytest.raises(TypeError, match="evaluate"):
        Task()


def test_something_that_is_not_a_task_is_named():
    with pytest.raises(InvalidInputError, match="has no space, objectives, evaluate"):
        as_task(object())
    with pytest.raises(InvalidInputError, match="has no evaluate"):
        as_task(type("NoEvaluate", (), {"space": None, "objectives": ()})())


def test_a_study_reads_a_duck_task_once_and_keeps_it():
    from lamoo import Study
    from samplers import RandomSampler

    duck = DuckTask()
    study = Study(duck, RandomSampler(), seed=0)
    assert study.task is duck
    result = study.optimize(8)
    assert len(result) == 8 and result.config["task"] == {"class": "tests.lamoo.test_task.DuckTask"}
    del duck.ref_point
    assert Study(duck, RandomSampler()).ref_point is None  # inferred from the initial design, once told
    assert len(Study(duck, RandomSampler(), ref_point=[2.0, 2.0]).optimize(7)) == 7


def test_evaluate_safely_takes_a_duck_typed_task_too():
    Y, errors = evaluate_safely(DuckTask(), np.full((2, 2), 0.5))
    assert np.isfinite(Y).all() and errors == [None, None]
