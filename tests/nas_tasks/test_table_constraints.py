"""Constrained NB201 table tasks: exact constrained fronts, constrained maximum hypervolume,
constraints on columns that are not objectives, and clear errors."""
import json
import warnings

import numpy as np
import pytest

from lamoo import LaMOO, Study, optimize
from lamoo.exceptions import InvalidInputError
from nas_tasks import NB201TableTask
from samplers import RandomSampler
from tests.nas_tasks.fake_benchmarks import synthetic_frame
from tests.nas_tasks.test_table_task import brute_force_hv_2d

OBJECTIVES = ["cifar10_test_acc", "latency_ms_dev"]
SIGN = np.array([-1.0, 1.0])


@pytest.fixture
def frame():
    return synthetic_frame()


def test_constrained_front_and_max_hypervolume_are_exact(frame):
    bound = float(np.median(frame["energy_mj"]))
    task = NB201TableTask(frame, OBJECTIVES, constraints=[f"energy_mj<={bound}", "test_acc>=70"])
    assert [str(c) for c in task.constraints] == [f"energy_mj<={bound:g}", "cifar10_test_acc>=70"]
    ok = (frame["energy_mj"].to_numpy() <= bound) & (frame["cifar10_test_acc"].to_numpy() >= 70)
    np.testing.assert_array_equal(task.feasible(), ok)
    F, ref = task.Y * SIGN, task.ref_point * SIGN
    assert task.max_hypervolume == pytest.approx(brute_force_hv_2d(F[ok], ref))
    unconstrained = NB201TableTask(frame, OBJECTIVES)
    assert 0 < task.max_hypervolume < unconstrained.max_hypervolume
    assert task.constrained_max_hypervolume([]) == pytest.approx(unconstrained.max_hypervolume)
    front = task.exact_pareto_front()
    assert ok[front.index].all()
    for f in front[OBJECTIVES].to_numpy() * SIGN:  # no feasible row dominates a front point
        assert not ((F[ok] <= f).all(axis=1) & (F[ok] < f).any(axis=1)).any()
    assert task.describe()["n_feasible"] == ok.sum()
    np.testing.assert_allclose(task.measure(task.codes[:3], ["energy_mj"])[:, 0], frame["energy_mj"][:3])


def test_runs_on_a_constrained_task_report_the_constrained_optimum(frame, tmp_path):
    bound = float(np.median(frame["energy_mj"]))
    task = NB201TableTask(frame, OBJECTIVES, constraints=f"energy_mj<={bound}")
    res = optimize(task, LaMOO(RandomSampler(), leaf_size=5), budget=40, n_init=10, batch_size=5, seed=0,
                   journal=tmp_path / "run.jsonl")
    assert res.max_hypervolume == task.max_hypervolume
    np.testing.assert_array_equal(res.feasible, task.lookup(res.X)["energy_mj"].to_numpy() <= bound)
    assert res.summary()["hv_ratio"] <= 1.0
    # a study adding a constraint to an unconstrained table task gets the constrained optimum too
    plain = NB201TableTask(frame, OBJECTIVES)
    study = Study(plain, RandomSampler(), seed=0, constraints=f"energy_mj<={bound}")
    assert study.result().max_hypervolume == pytest.approx(task.max_hypervolume)
    # and the exact front its indicators (IGD, IGD+, epsilon) measure against is the constrained one
    np.testing.assert_allclose(np.sort(study.result().front, axis=0),
                               np.sort(task.exact_pareto_front()[OBJECTIVES].to_numpy(), axis=0))
    assert res.front is not None and len(res.front) == len(task.exact_pareto_front())
    header = json.loads((tmp_path / "run.jsonl").read_text().splitlines()[0])
    assert header["task"]["constraints"] == [{"name": "energy_mj", "op": "<=", "bound": bound}]


@pytest.mark.parametrize("constraint, match", [
    ("speed<=3", "constraint speed<=3: unknown value 'speed'"),
    ("note<=3", "not numeric"),
    ("energy_mj<3", "operator '<' is not supported"),
    ("energy_mj<=lots", "not a number"),
])
def test_bad_constraints_are_clear_errors(frame, constraint, match):
    with pytest.raises(InvalidInputError, match=match):
        NB201TableTask(frame, OBJECTIVES, constraints=constraint)


def test_a_bound_no_cell_meets_is_a_warning_naming_the_closest(frame):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        task = NB201TableTask(frame, OBJECTIVES, constraints="energy_mj<=0.5")
    assert task.max_hypervolume == 0
    best = frame["energy_mj"].min()
    assert any("no cell" in str(w.message) and f"{best}" in str(w.message) for w in caught)
