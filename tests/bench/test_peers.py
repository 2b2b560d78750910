"""Each peer for real on a continuous problem and on a finite categorical toy."""
import numpy as np
import pytest

from lamoo.bench.peers import PEERS, OptunaMOTPE, OptunaNSGA2, PymooNSGA2
from lamoo.bench.recorder import Recorder
from lamoo.driver import initial_design
from lamoo.problems import branin_currin
from lamoo import Study
from samplers import RandomSampler
from tests.toys import FiniteToyTask, MixedToyTask

PEER_CLASSES = [OptunaNSGA2, OptunaMOTPE, PymooNSGA2]


def _run(peer_cls, task, budget=22, n_init=10, batch=4, seed=0):
    rec = Recorder(task)
    peer_cls().run(task, rec, budget, n_init, batch, seed)
    rec.finish()
    return rec


def test_registry_names_the_classes():
    assert PEERS == {c.name: c for c in PEER_CLASSES}


def test_initial_design_is_lamoos():
    task = branin_currin()
    study = Study(task, RandomSampler(), seed=7, n_init=10)
    np.testing.assert_array_equal(study.ask(10), initial_design(task.space, 10, 7))


@pytest.mark.parametrize("peer_cls", PEER_CLASSES, ids=lambda c: c.name)
def test_peer_on_branin_currin(peer_cls):
    task = branin_currin()
    rec = _run(peer_cls, task)
    assert rec.n == 22
    assert [it["size"] for it in rec.iterations] == [10, 4, 4, 4]  # same initial design and batch size
    assert [it["n_evaluated"] for it in rec.iterations] == [10, 14, 18, 22]
    np.testing.assert_array_equal(rec.X[:10], initial_design(task.space, 10, 0))
    assert rec.sources == ["init"] * 10 + ["sampler"] * 12
    assert task.space.contains(rec.X).all() and rec.n_repaired == 0
    np.testing.assert_allclose(rec.Y, task.evaluate(rec.X))  # the values really are the task's
    assert all(it["optimizer_seconds"] > 0 for it in rec.iterations)
    assert not np.allclose(rec.X[10:], rec.X[10]), "the optimizer proposed the same point over and over"
    result = rec.result(max_hypervolume=task.max_hypervolume)
    trace = result.hypervolume_trace
    assert len(trace) == 22 and np.all(np.diff(trace) >= 0) and 0 < trace[-1] < task.max_hypervolume
    again = _run(peer_cls, task)
    np.testing.assert_array_equal(again.X, rec.X)  # seeded


@pytest.mark.parametrize("peer_cls", PEER_CLASSES, ids=lambda c: c.name)
def test_peer_on_a_finite_categorical_space(peer_cls):
    task = FiniteToyTask()
    rec = _run(peer_cls, task, budget=30, n_init=8, batch=5)
    assert rec.n == 30
    assert task.space.contains(rec.X).all() and rec.n_repaired == 0
    assert set(np.unique(rec.X)) <= {0.0, 1.0, 2.0}
    keys = {row.tobytes() for row in rec.X}
    assert rec.n_duplicates == 30 - len(keys)  # repeats are evaluated and counted, not hidden
    assert sum(task.calls) == 30


@pytest.mark.parametrize("peer_cls", PEER_CLASSES, ids=lambda c: c.name)
def test_peer_on_mixed_dimensions_and_directions(peer_cls):
    task = MixedToyTask()
    rec = _run(peer_cls, task, budget=20, n_init=6, batch=2)
    assert rec.n == 20 and task.space.contains(rec.X).all()
    assert (rec.X[:, 1] == np.round(rec.X[:, 1])).all() and set(rec.X[:, 2]) <= {0.0, 1.0, 2.0}


class _FailingHalf(FiniteToyTask):
    """Fails on cells whose first code is 0."""

    def evaluate(self, X):
        Y = super().evaluate(X)
        if (np.asarray(X)[:, 0] == 0).any():
            raise RuntimeError("cell does not train")
        return Y


@pytest.mark.parametrize("peer_cls", PEER_CLASSES, ids=lambda c: c.name)
def test_failed_evaluations_are_recorded_and_the_peer_goes_on(peer_cls):
    task = _FailingHalf()
    rec = _run(peer_cls, task, budget=25, n_init=8, batch=5)
    assert rec.n == 25
    failed = np.isnan(rec.Y).any(axis=1)
    np.testing.assert_array_equal(failed, rec.X[:, 0] == 0)
    assert failed.any() and all(("does not train" in e) for e, f in zip(rec.errors, failed) if f)
