"""Each peer for real on a continuous problem and on a finite categorical toy."""
import numpy as np
import pytest

from lamoo.bench.peers import PEERS, BoTorchQLogNEHVI, OptunaGP, OptunaMOTPE, OptunaNSGA2, PymooNSGA2
from lamoo.exceptions import InvalidInputError
from lamoo.bench.recorder import Recorder
from lamoo.driver import initial_design
from lamoo.problems import branin_currin
from lamoo import Study
from samplers import RandomSampler
from tests.toys import FiniteToyTask, MixedToyTask

PEER_CLASSES = [OptunaNSGA2, OptunaMOTPE, OptunaGP, PymooNSGA2, BoTorchQLogNEHVI]
# tiny settings keep the BoTorch tutorial loop to seconds; the others run with their defaults
OPTIONS = {"botorch-qlognehvi": {"num_restarts": 2, "raw_samples": 32, "mc_samples": 16, "maxiter": 20}}


def _run(peer_cls, task, budget=22, n_init=10, batch=4, seed=0):
    rec = Recorder(task)
    peer_cls(**OPTIONS.get(peer_cls.name, {})).run(task, rec, budget, n_init, batch, seed)
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


def test_the_botorch_peer_never_repeats_a_cell_and_searches_every_new_one():
    task = FiniteToyTask()
    rec = _run(BoTorchQLogNEHVI, task, budget=30, n_init=8, batch=5)
    assert rec.n_duplicates == 0 and len({row.tobytes() for row in rec.X}) == 30


def test_the_botorch_peer_runs_the_tutorials_settings_by_default():
    peer = BoTorchQLogNEHVI()
    assert {k: peer.options[k] for k in ("num_restarts", "raw_samples", "mc_samples", "maxiter", "batch_limit")} == \
        {"num_restarts": 10, "raw_samples": 256, "mc_samples": 128, "maxiter": 200, "batch_limit": 5}
    config = peer.config()
    assert config["library"] == "botorch" and config["library_version"]


def test_peer_options_are_checked():
    with pytest.raises(InvalidInputError, match=r"botorch-qlognehvi: unknown option\(s\) \['restarts'\]"):
        BoTorchQLogNEHVI(restarts=3)
    with pytest.raises(InvalidInputError, match="option mc_samples must be a positive number, got 0"):
        BoTorchQLogNEHVI(mc_samples=0)
    with pytest.raises(InvalidInputError, match="option deterministic_objective must be true or false, got 1"):
        OptunaGP(deterministic_objective=1)
    assert OptunaGP(deterministic_objective=True).options == {"deterministic_objective": True}
