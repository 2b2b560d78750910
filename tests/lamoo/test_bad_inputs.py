"""Bad arguments to the core's constructors and entry points: each is refused when it is given,
with an InvalidInputError naming the value and what was expected (issue 14: inputs that were
accepted silently, failed 22 evaluations later, or ended in a traceback)."""
import math

import numpy as np
import pytest

from lamoo import LaMOO, SearchSpace
from lamoo.archive import Archive
from lamoo.checks import as_real_array, check_number, check_sampler
from lamoo.exceptions import InvalidInputError
from lamoo.pareto import hypervolume, hypervolume_contributions, hypervolume_trace, non_dominated_mask
from lamoo.task import ObjectiveSpec, check_ref_point, check_Y, evaluate_safely
from samplers import CMAESSampler, NSGA2Sampler, QEHVISampler, RandomSampler
from tests.toys import MixedToyTask, ToyTask

INF, NAN = float("inf"), float("nan")


# ------------------------------------------------------------------ search spaces
@pytest.mark.parametrize("kwargs, match", [
    ({"bounds": [["a", "b"]]}, r"bounds must be a numeric array of real numbers, got strings in \[\['a', 'b'\]\]"),
    ({"bounds": [[0, 1j]]}, "got complex numbers"),
    ({"bounds": [[False, True]]}, "got bools"),
    ({"bounds": [[0, None]]}, "got None"),
    ({"bounds": [[0, 1], [0]]}, "numeric array"),
    ({"bounds": []}, r"d >= 1 pairs"),
    ({"bounds": [[-1e308, 1e308]]}, r"dimension 0 are \[-1e\+308, 1e\+308\]: the width high - low overflows"),
    ({"bounds": [[0, 2 ** 63]], "kinds": ["integer"]}, r"within \+-2\*\*53"),
    ({"bounds": [[-(2 ** 60), 0]], "kinds": ["integer"]}, r"within \+-2\*\*53"),
    ({"bounds": [[0, 1]], "kinds": "continuous"}, "not the string 'continuous'"),
    ({"bounds": [[0, 1], [0, 1]], "names": [1, 2]}, "distinct non-empty strings"),
    ({"bounds": [[0, 1]], "names": [""]}, "distinct non-empty strings"),
    ({"bounds": [[0, 1]], "choices": [["a", "b"]]}, "'x0' is continuous: its choices must be None"),
    ({"bounds": [[0, 2]], "kinds": ["categorical"], "choices": ["abc"]}, "choices must be a sequence of labels"),
    ({"bounds": [[0, 1]], "candidates": [["0.5"]]}, "candidates must be a numeric array"),
])
def test_bad_space_definitions_are_named(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        SearchSpace(**kwargs)


def test_wide_but_finite_bounds_sample_inside():
    space = SearchSpace([[-1e307, 1e307], [0, 2 ** 53]], kinds=["continuous", "integer"])
    X = space.sample_uniform(50, np.random.default_rng(0))
    assert np.isfinite(X).all() and space.contains(X).all()
    assert space.contains(space.from_unit(np.ones((1, 2)))).all()


def test_space_methods_check_their_arguments():
    space = MixedToyTask().space
    rng = np.random.default_rng(0)
    with pytest.raises(InvalidInputError, match="n must be an integer >= 0, got -1"):
        space.sample_uniform(-1, rng)
    with pytest.raises(InvalidInputError, match="n must be an integer >= 0, got True"):
        space.sample_initial(True, rng)
    with pytest.raises(InvalidInputError, match="rng must be a numpy.random.Generator, got 0"):
        space.sample_uniform(3, 0)
    with pytest.raises(InvalidInputError, match=r"U must hold unit-cube coordinates in \[0, 1\], got 1.5"):
        space.from_unit(np.full((1, 3), 1.5))
    with pytest.raises(InvalidInputError, match=r"shape \(n x 3\)"):
        space.repair(np.zeros((2, 2)))
    with pytest.raises(InvalidInputError, match="got complex numbers"):
        space.validate(np.array([[0.5, 1, 0]]) + 1j)
    with pytest.raises(InvalidInputError, match="got strings"):
        space.contains([["a", "b", "c"]])
    with pytest.raises(InvalidInputError, match="outside the search space"):
        space.features(np.array([[0.5, 2.0, 7.0]]), one_hot=True)


# ------------------------------------------------------------------ LaMOO and the samplers
@pytest.mark.parametrize("kwargs, match", [
    ({"degree": -1}, "degree must be an integer >= 0, got -1"),
    ({"degree": 2.5}, "degree must be an integer >= 0, got 2.5"),
    ({"degree": True}, "degree must be an integer >= 0, got True"),
    ({"classifier": object()}, r"classifier must be a scikit-learn classifier with fit\(X, y\) and predict\(X\)"),
    ({"cp": INF}, "cp must be a finite number >= 0, got inf"),
    ({"cp": NAN}, "cp must be a finite number >= 0, got nan"),
    ({"cp": "big"}, "cp must be 'auto' or a finite number >= 0, got 'big'"),
    ({"cp_fraction": INF}, "cp_fraction must be a finite number >= 0, got inf"),
    ({"C": INF}, "C must be a finite number > 0, got inf"),
    ({"gamma": INF}, "gamma must be a finite number > 0, got inf"),
    ({"gamma": "huge"}, "gamma must be 'scale', 'auto' or a finite number > 0, got 'huge'"),
    ({"leaf_size": True}, "leaf_size must be an integer >= 1, got True"),
])
def test_lamoo_rejects_bad_settings_when_made(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        LaMOO(RandomSampler(), **kwargs)


def test_lamoo_rejects_classes_where_objects_are_needed():
    from sklearn.svm import SVC

    with pytest.raises(InvalidInputError, match=r"got the class RandomSampler: pass an instance, e.g. RandomSampler\(\)"):
        LaMOO(RandomSampler)
    with pytest.raises(InvalidInputError, match=r"got the class SVC: pass an instance, e.g. SVC\(\)"):
        LaMOO(RandomSampler(), classifier=SVC)

    class FitsButCannotBeCloned:
        def fit(self, X, y):
            return self

        def predict(self, X):
            return np.zeros(len(X))

    with pytest.raises(InvalidInputError, match="cannot be cloned by sklearn.base.clone"):
        LaMOO(RandomSampler(), classifier=FitsButCannotBeCloned())
    LaMOO(RandomSampler(), classifier=SVC(), degree=0)  # fine


@pytest.mark.parametrize("make, match", [
    (lambda: NSGA2Sampler(mutation_eta=INF), "mutation_eta must be a finite number > 0, got inf"),
    (lambda: NSGA2Sampler(crossover_eta=INF), "crossover_eta must be a finite number > 0, got inf"),
    (lambda: NSGA2Sampler(crossover_prob=NAN), "crossover_prob must be a finite number"),
    (lambda: NSGA2Sampler(pop_size=np.True_), "pop_size must be an integer >= 2"),
    (lambda: CMAESSampler(rho=INF), "rho must be a finite number >= 0, got inf"),
    (lambda: CMAESSampler(sigma_fraction=NAN), "sigma_fraction must be a finite number"),
    (lambda: QEHVISampler(num_restarts=False), "num_restarts must be an integer >= 1, got False"),
])
def test_samplers_reject_non_finite_settings(make, match):
    with pytest.raises(InvalidInputError, match=match):
        make()


def test_check_helpers():
    assert check_number(2, "x", low=0) == 2.0
    for bad in (INF, -INF, NAN, True, "1", None):
        with pytest.raises(InvalidInputError, match="x must be a finite number"):
            check_number(bad, "x")
    with pytest.raises(InvalidInputError, match="must implement propose"):
        check_sampler(object())
    assert as_real_array([1, 2.5], "v").dtype == np.float64
    assert as_real_array([True], "v", allow_bool=True).tolist() == [1.0]
    assert math.isnan(as_real_array([NAN], "v")[0])


# ------------------------------------------------------------------ objective values and reference points
def test_complex_objective_values_are_refused():
    with pytest.raises(InvalidInputError, match=r"Y \(shape 1 x 2\) must be a numeric array of real numbers, got "
                                                 r"complex numbers"):
        check_Y(np.array([[1 + 2j, 3]]), 1, 2)
    with pytest.raises(InvalidInputError, match="got strings"):
        check_Y([["1", "2"]], 1, 2)
    assert check_Y([[True, False]], 1, 2).tolist() == [[1.0, 0.0]]

    class ComplexTask(ToyTask):
        def evaluate(self, X):
            return super().evaluate(X) * (1 + 1j)

    task = ComplexTask()
    Y, errors = evaluate_safely(task, task.space.sample_uniform(2, np.random.default_rng(0)))
    assert np.isnan(Y).all() and all("complex numbers" in e for e in errors)


@pytest.mark.parametrize("ref, match", [
    ([1 + 1j, 1], "got complex numbers"), ([True, 1.0], "got bools"), (["1", "2"], "got strings"),
])
def test_reference_points_must_be_real_numbers(ref, match):
    with pytest.raises(InvalidInputError, match=rf"ref_point .*{match}"):
        check_ref_point(ref, [ObjectiveSpec("a"), ObjectiveSpec("b")])


# ------------------------------------------------------------------ the archive
def test_archive_checks_its_arguments():
    task = MixedToyTask()
    with pytest.raises(InvalidInputError, match="space must be a lamoo.SearchSpace"):
        Archive([[0, 1]], task.objectives)
    with pytest.raises(InvalidInputError, match=r"ref_point must have shape \(2,\)"):
        Archive(task.space, task.objectives, ref_point=[1.0, 2.0, 3.0])
    a = Archive(task.space, task.objectives)
    X, Y = np.array([[0.1, 1, 0]]), np.zeros((1, 2))
    with pytest.raises(InvalidInputError, match="batch must be integers, got 1.5"):
        a.append(X, Y, batch=1.5)
    with pytest.raises(InvalidInputError, match="leaf_ids must be integers"):
        a.append(X, Y, leaf_ids=[np.nan])
    with pytest.raises(InvalidInputError, match="errors must be strings or None, got 3"):
        a.append(X, np.full((1, 2), np.nan), errors=[3])
    with pytest.raises(InvalidInputError, match=r"shape \(n x 3\)"):
        a.contains(np.zeros((1, 2)))
    assert a.n == 0  # nothing half-appended


# ------------------------------------------------------------------ Pareto tools
@pytest.mark.parametrize("call, match", [
    (lambda: hypervolume(np.zeros((2, 2)), [NAN, 1]), r"ref_point must be finite, got \[nan, 1.0\]"),
    (lambda: hypervolume(np.zeros((2, 2)), [INF, 1]), r"ref_point must be finite, got \[inf, 1.0\]"),
    (lambda: hypervolume(np.zeros((2, 2)) + 1j, [1, 1]), "got complex numbers"),
    (lambda: hypervolume([["a", "b"]], [1, 1]), "got strings"),
    (lambda: hypervolume([[-INF, 0.5]], [1, 1]), r"finite or NaN \(failed rows\), got infinite values in rows \[0\]"),
    (lambda: non_dominated_mask([[INF, 1.0], [0.0, 0.0]]), "infinite values in rows"),
    (lambda: hypervolume_contributions(np.zeros((2, 2)), [1]), r"ref_point must have shape \(2,\)"),
    (lambda: hypervolume_trace(np.zeros((2, 2)), [1, 2, 3]), r"ref_point must have shape \(2,\)"),
])
def test_pareto_tools_refuse_values_they_cannot_measure(call, match):
    with pytest.raises(InvalidInputError, match=match):
        call()
