import numpy as np
import pytest

from lamoo.archive import Archive
from lamoo.exceptions import InvalidInputError
from tests.toys import FiniteToyTask, MixedToyTask, ToyTask


def test_append_keeps_order_provenance_and_failures():
    task = MixedToyTask()
    a = Archive(task.space, task.objectives, task.ref_point)
    X = np.array([[0.1, 1, 0], [0.5, 2, 1]])
    Y = task.evaluate(X)
    Y[1] = np.nan
    a.append(X, Y, errors=[None, "boom"], leaf_ids=[3, 4], sources=["sampler", "sampler"], batch=2)
    assert a.n == 2 and a.failed.tolist() == [False, True]
    assert a.errors == [None, "boom"] and a.leaf_ids.tolist() == [3, 4] and a.batches.tolist() == [2, 2]
    assert a.valid_indices.tolist() == [0]
    np.testing.assert_allclose(a.F[0], Y[0] * [1, -1])  # the maximized score is negated
    np.testing.assert_allclose(a.ref_F, [1.1, 1.1])
    assert a.contains(X).all() and not a.contains(np.array([[0.2, 1, 0]]))[0]


def test_nan_rows_without_message_get_one():
    task = MixedToyTask()
    a = Archive(task.space, task.objectives)
    a.append(np.array([[0.1, 1, 0]]), np.array([[np.nan, 1.0]]))
    assert a.errors == ["the evaluation returned NaN"] and a.failed.all()


def test_append_validates_its_input():
    task = MixedToyTask()
    a = Archive(task.space, task.objectives)
    with pytest.raises(InvalidInputError, match=r"shape \(n x 3\)"):
        a.append(np.zeros((1, 2)), np.zeros((1, 2)))
    with pytest.raises(InvalidInputError, match=r"shape \(1 x 2\)"):
        a.append(np.zeros((1, 3)), np.zeros((1, 3)))
    with pytest.raises(InvalidInputError, match="unknown source"):
        a.append(np.zeros((1, 3)), np.zeros((1, 2)), sources=["magic"])


def test_evaluated_candidates_on_a_finite_space():
    task = FiniteToyTask()
    a = Archive(task.space, task.objectives)
    a.append(task.space.candidates[[4, 9]], task.evaluate(task.space.candidates[[4, 9]]))
    assert np.flatnonzero(a.evaluated_candidates()).tolist() == [4, 9]


def test_append_takes_one_batch_id_per_row():
    task = MixedToyTask()
    a = Archive(task.space, task.objectives)
    X = np.array([[0.1, 1, 0], [0.5, 2, 1], [0.7, 3, 2]])
    a.append(X, task.evaluate(X), batch=[2, -1, 0])
    assert a.batches.tolist() == [2, -1, 0]
    with pytest.raises(InvalidInputError, match="3 entries each"):
        a.append(X, task.evaluate(X), batch=[1, 2])


def test_paid_evaluations_cannot_be_rewritten_through_the_archive():
    task = MixedToyTask()
    a = Archive(task.space, task.objectives, task.ref_point)
    X = np.array([[0.1, 1, 0], [0.5, 2, 1]])
    a.append(X, task.evaluate(X), sources=["init", "sampler"], batch=[0, 1])
    for name in ("X", "Y", "F", "leaf_ids", "batches"):
        array = getattr(a, name)
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 7
        if name != "F":  # F is computed afresh on each access: writing to it could not harm the archive
            with pytest.raises(ValueError):
                array.flags.writeable = True
    a.errors.append("boom")
    a.sources[0] = "user"
    assert a.errors == [None, None] and a.sources == ["init", "sampler"]
    np.testing.assert_array_equal(a.X, X)
    a.append(np.array([[0.7, 3, 2]]), task.evaluate(np.array([[0.7, 3, 2]])))  # appending still works
    assert a.n == 3 and a.X[:2].tolist() == X.tolist()


def test_contains_treats_minus_zero_as_zero():
    task = ToyTask(d=2)
    a = Archive(task.space, task.objectives)
    a.append(np.array([[0.0, 0.5]]), task.evaluate(np.array([[0.0, 0.5]])))
    assert a.contains(np.array([[-0.0, 0.5], [0.0, 0.5], [0.0, 0.25]])).tolist() == [True, True, False]


def test_proposal_reports_are_kept_per_batch_read_only():
    task = ToyTask(d=2)
    a = Archive(task.space, task.objectives)
    assert a.proposal_reports() == []
    a.record_report(3, {"k": [1.0]})
    a.record_report(1, {"k": [0.5]})
    assert [(b, dict(r)) for b, r in a.proposal_reports()] == [(1, {"k": [0.5]}), (3, {"k": [1.0]})]
    with pytest.raises(TypeError):
        a.proposal_reports()[0][1]["k"] = 2
    with pytest.raises(InvalidInputError, match="must be a mapping, got list"):
        a.record_report(2, [1, 2])
