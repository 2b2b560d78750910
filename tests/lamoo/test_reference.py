"""The optional reference point: inferred from the initial design, journaled once, never changed."""
import json

import numpy as np
import pytest

from lamoo import Study, optimize
from lamoo.exceptions import InvalidInputError, JournalError
from lamoo.journal import read_run
from lamoo.pareto import infer_reference_point
from lamoo.reference import due_reference, resolve_ref_point
from lamoo.result import Result
from samplers import RandomSampler
from tests.toys import MixedToyTask, ToyTask


class NoReference(ToyTask):
    def __init__(self):
        super().__init__(d=2)
        self.ref_point = None


def _records(path, kind):
    return [json.loads(line) for line in open(path) if json.loads(line)["type"] == kind]


def test_infer_reference_point_is_botorchs_rule_in_minimization_form():
    torch = pytest.importorskip("torch")
    from botorch.utils.multi_objective.hypervolume import infer_reference_point as botorch_infer

    rng = np.random.default_rng(0)
    for n in (1, 2, 7):
        F = rng.normal(size=(n, 3))
        expected = -botorch_infer(torch.as_tensor(-F[~_dominated(F)])).numpy()
        np.testing.assert_allclose(infer_reference_point(F), expected, rtol=1e-12, atol=1e-12)


def _dominated(F):
    return np.array([((F <= f).all(1) & (F < f).any(1)).any() for f in F])


def test_inferred_point_is_dominated_by_the_front_and_failures_are_left_out():
    F = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [np.nan, np.nan]])
    np.testing.assert_allclose(infer_reference_point(F), [1.1, 1.1])
    np.testing.assert_allclose(infer_reference_point(np.array([[0.0, 2.0]])), [1e-8, 2.2])
    with pytest.raises(InvalidInputError, match="all failed"):
        infer_reference_point(np.full((2, 2), np.nan))
    with pytest.raises(InvalidInputError, match="scale must be a positive number"):
        infer_reference_point(F, scale=0)


def test_a_run_without_a_reference_point_infers_it_once_from_the_initial_design(tmp_path):
    path = tmp_path / "run.jsonl"
    study = Study(NoReference(), RandomSampler(), seed=0, n_init=6, journal=path)
    X = study.ask(6)
    study.tell(X[:3], study.task.evaluate(X[:3]))
    assert study.ref_point is None and study.result().ref_point is None
    assert np.isnan(study.result().hypervolume_trace).all()
    with pytest.raises(InvalidInputError, match="not fully evaluated yet: pass ref_point="):
        study.result().hypervolume()
    assert study.result().summary()["hypervolume"] is None
    study.tell(X[3:], study.task.evaluate(X[3:]))
    ref = study.ref_point.copy()
    F = study.archive.F[:6]
    np.testing.assert_allclose(ref, infer_reference_point(F))
    result = study.optimize(20, 4)
    np.testing.assert_array_equal(study.ref_point, ref)  # never changes
    study.close()
    header = json.loads(open(path).readline())
    assert header["ref_point"] is None and header["ref_point_source"] == "inferred"
    [record] = _records(path, "reference")
    assert record["ref_point"] == ref.tolist() and record["n_evaluations"] == 6
    back = Result.from_journal(path)
    np.testing.assert_array_equal(back.ref_point, ref)
    assert back.ref_point_source == "inferred" and back.reference_evaluations == 6
    assert back.hypervolume() == pytest.approx(result.hypervolume())
    resumed = Study.load(path, NoReference(), RandomSampler())
    np.testing.assert_array_equal(resumed.ref_point, ref)
    resumed.optimize(24, 4)
    resumed.close()
    assert len(_records(path, "reference")) == 1


def test_a_resume_refuses_another_reference_point_than_the_inferred_one(tmp_path):
    path = tmp_path / "run.jsonl"
    optimize(NoReference(), RandomSampler(), budget=8, n_init=6, seed=0, journal=path)
    ref = Result.from_journal(path).ref_point
    with pytest.raises(JournalError, match="ref_point: the journal has"):
        Study.load(path, NoReference(), RandomSampler(), ref_point=ref + 1)
    Study.load(path, NoReference(), RandomSampler(), ref_point=ref).close()
    Study.load(path, NoReference(), RandomSampler(), ref_point="infer").close()


def test_a_second_reference_record_is_a_journal_error(tmp_path):
    path = tmp_path / "run.jsonl"
    optimize(NoReference(), RandomSampler(), budget=8, n_init=6, seed=0, journal=path)
    [record] = _records(path, "reference")
    with open(path, "a") as f:
        f.write(json.dumps(dict(record, ref_point=[5.0, 5.0])) + "\n")
    with pytest.raises(JournalError, match="never changes"):
        read_run(path)


def test_every_initial_point_failing_defers_the_inference_to_the_first_success():
    class FailsFirst(NoReference):
        def evaluate(self, X):
            Y = super().evaluate(X)
            self.n = getattr(self, "n", 0) + len(X)
            if self.n <= 4:
                Y[:] = np.nan
            return Y

    res = optimize(FailsFirst(), RandomSampler(), budget=10, n_init=4, batch_size=2, seed=0)
    assert res.failed[:4].all() and res.reference_evaluations == 5  # up to the first success
    np.testing.assert_allclose(res.ref_point, res.Y[4] + 0.1 * np.abs(res.Y[4]))


def test_infer_works_with_maximized_objectives_and_overrides_a_task_point():
    res = optimize(MixedToyTask(), RandomSampler(), budget=12, n_init=6, seed=1, ref_point="infer")
    assert res.ref_point_source == "inferred" and res.hypervolume() > 0
    front = res.Y[:6][res.pareto_mask()[:6]]
    assert (front[:, 0] < res.ref_point[0]).all() and (front[:, 1] > res.ref_point[1]).all()
    assert optimize(MixedToyTask(), RandomSampler(), budget=8, seed=1).ref_point_source == "task"
    assert optimize(MixedToyTask(), RandomSampler(), budget=8, seed=1, ref_point=[2, -2]).ref_point_source == "given"


def test_bad_reference_point_arguments_are_clear_errors():
    task = ToyTask(d=2)
    with pytest.raises(InvalidInputError, match="or 'infer', got 'nadir'"):
        Study(task, RandomSampler(), ref_point="nadir")
    with pytest.raises(InvalidInputError, match=r"shape \(2,\)"):
        resolve_ref_point([1.0], None, task.objectives)
    assert due_reference(Study(task, RandomSampler(), n_init=3).archive, 3) is None


def test_two_studies_on_one_journal_write_one_reference_point(tmp_path):
    path = tmp_path / "run.jsonl"
    first = Study(NoReference(), RandomSampler(), seed=0, n_init=6, journal=path)
    second = Study.load(path, NoReference(), RandomSampler())
    X = first.ask(6)
    first.tell(X[:4], first.task.evaluate(X[:4]))
    second.tell(X[4:], second.task.evaluate(X[4:]))  # completes the initial design: second infers
    first.ask(2)  # first reads second's records, the reference among them, and writes none
    np.testing.assert_array_equal(first.ref_point, second.ref_point)
    first.close()
    second.close()
    assert len(_records(path, "reference")) == 1


def test_point_labels_of_the_wrong_shape_are_a_clear_error():
    from lamoo.task import point_labels

    class Labelled(ToyTask):
        def point_labels(self, X):
            return ["a"] * len(X)

    with pytest.raises(InvalidInputError, match="must return a pandas DataFrame of 3 rows"):
        point_labels(Labelled(), np.zeros((3, 3)))
    with pytest.raises(InvalidInputError, match="labels must have 2 rows"):
        import pandas as pd

        Result(np.zeros((2, 1)), np.zeros((2, 2)), ToyTask().objectives, [1, 1], labels=pd.DataFrame({"a": [1]}))
