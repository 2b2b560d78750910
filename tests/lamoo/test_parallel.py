"""The asynchronous loop (lamoo.parallel) on threads: one ask per free worker, a tell per finished
point, pending points known to the sampler, failures recorded, a killed run resumed. The same
loop on Ray: tests/lamoo/test_ray_evaluator.py."""
import json
import sys
import threading

import numpy as np
import pytest

from lamoo import InvalidInputError, MissingDependencyError, Study, optimize
from lamoo.driver import initial_design
from lamoo.evaluators import RayEvaluator, ThreadEvaluator, get_evaluator
from lamoo.testing.toys import SleepTask, ToyTask
from samplers import RandomSampler


class PendingRecorder(RandomSampler):
    """A random sampler that records the pending points of each region it is given."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def propose(self, region, archive, n, rng):
        X = super().propose(region, archive, n, rng)
        self.seen.append((region.pending.copy(), np.atleast_2d(getattr(X, "X", X)).copy()))
        return X


def records(path, kind):
    return [r for r in map(json.loads, open(path)) if r.get("type") == kind]


def test_each_free_worker_gets_one_point_and_the_sampler_knows_the_pending_ones(tmp_path):
    sampler = PendingRecorder()
    task = SleepTask(low=0.01, high=0.1, d=2)
    res = optimize(task, sampler, budget=14, n_init=3, seed=1, journal=tmp_path / "run.jsonl",
                   evaluator=ThreadEvaluator(3))
    assert len(res.X) == 14 and np.isfinite(res.Y).all()
    assert len({tuple(x) for x in res.X}) == 14  # no point evaluated twice
    asks = records(tmp_path / "run.jsonl", "ask")
    assert [len(a["x"]) for a in asks] == [1] * 14  # one point per ask
    assert len(sampler.seen) == 11
    for pending, X in sampler.seen:
        assert len(pending) <= 2  # the other workers' points still running (fewer if they finished together)
        assert not {tuple(x) for x in X} & {tuple(p) for p in pending}
    assert max(len(pending) for pending, _ in sampler.seen) >= 1
    np.testing.assert_array_equal(np.sort(res.X[:3], axis=0),
                                  np.sort(initial_design(task.space, 3, 1), axis=0))


class GatedTask(ToyTask):
    """The first point of the initial design waits until ``gate`` is set (at most 20 s)."""

    def __init__(self, first):
        super().__init__(2)
        self.first, self.gate, self.released_by_timeout = first, threading.Event(), False

    def evaluate(self, X):
        if np.array_equal(X[0], self.first):
            self.released_by_timeout = not self.gate.wait(20)
        return super().evaluate(X)


def test_a_worker_that_finishes_does_not_wait_for_the_others():
    task = GatedTask(initial_design(ToyTask(2).space, 2, 0)[0])
    told_while_blocked = []

    def callback(study, X, Y):
        if not task.gate.is_set():
            told_while_blocked.append(X[0])
            if len(told_while_blocked) == 6:
                task.gate.set()  # only reachable if the other worker went on alone

    res = optimize(task, RandomSampler(), budget=10, n_init=2, seed=0, evaluator=ThreadEvaluator(2),
                   callback=callback)
    assert not task.released_by_timeout and len(told_while_blocked) == 6
    told_at = [i for i, x in enumerate(res.X) if np.array_equal(x, task.first)]
    assert len(res.X) == 10 and told_at[0] >= 6  # asked first, told after six others


class FailingTask(ToyTask):
    def evaluate(self, X):
        if X[0, 0] < 0.3:
            raise RuntimeError(f"cannot evaluate x0={X[0, 0]:.3f}")
        return super().evaluate(X)


def test_a_failed_evaluation_is_recorded_and_the_run_goes_on():
    res = optimize(FailingTask(2), RandomSampler(), budget=12, n_init=4, seed=3, evaluator=ThreadEvaluator(2))
    failed = res.X[:, 0] < 0.3
    assert len(res.X) == 12 and failed.any() and (~failed).any()
    assert np.isnan(res.Y[failed]).all() and np.isfinite(res.Y[~failed]).all()


class Interrupt(Exception):
    pass


def test_a_killed_async_run_resumes_its_running_points_first(tmp_path):
    path = tmp_path / "run.jsonl"
    task = SleepTask(low=0.01, high=0.1, d=2)

    def stop_after_five(study, X, Y):
        if study.n_told == 5:
            raise Interrupt

    study = Study(task, RandomSampler(), seed=0, n_init=4, journal=path)
    with pytest.raises(Interrupt):
        study.optimize(12, evaluator=ThreadEvaluator(3), callback=stop_after_five)
    left = study.pending_points
    study.close()  # as a killed process's lease ends
    assert len(left) <= 2  # the other workers' points, less any that finished with the fifth
    n_lines = len(open(path).readlines())
    with Study.load(path, task, RandomSampler()) as resumed:
        res = resumed.optimize(12, evaluator=ThreadEvaluator(3))
    assert len(res.X) == 12 and len({tuple(x) for x in res.X}) == 12
    after = [r["type"] for r in map(json.loads, open(path).readlines()[n_lines:]) if r["type"] in ("ask", "claim")]
    claims = records(path, "claim")  # the running points are handed out again before any new ask
    assert after[:len(left)] == ["claim"] * len(left) and "claim" not in after[len(left):]
    assert {tuple(x) for c in claims for x in c["x"]} == {tuple(x) for x in left}
    assert not records(path, "eval")[-1].get("error")


def test_evaluators_reject_bad_settings_naming_the_value(monkeypatch):
    with pytest.raises(InvalidInputError, match="n_workers must be an integer >= 1, got 0"):
        ThreadEvaluator(0)
    with pytest.raises(InvalidInputError, match="cpus_per_worker must be an integer >= 1, got -2"):
        RayEvaluator(cpus_per_worker=-2)
    with pytest.raises(InvalidInputError, match="gpus_per_worker must be a number >= 0, got -1"):
        RayEvaluator(gpus_per_worker=-1)
    with pytest.raises(InvalidInputError, match="address must be a string"):
        RayEvaluator(address=6379)
    with pytest.raises(InvalidInputError, match="evaluator must be 'threads', 'ray' or an object.*'dask'"):
        optimize(ToyTask(2), RandomSampler(), budget=3, evaluator="dask")
    with pytest.raises(InvalidInputError, match="n_workers is known once start"):
        RayEvaluator().n_workers
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(MissingDependencyError, match=r"evaluator='ray' needs Ray.*pip install 'lamoo\[ray\]'"):
        optimize(ToyTask(2), RandomSampler(), budget=3, evaluator="ray")
    assert isinstance(get_evaluator("threads", n_workers=3), ThreadEvaluator)


def test_lamoo_optimize_evaluates_on_threads_and_resumes_with_another_evaluator(tmp_path, capsys):
    from lamoo.cli import main

    out = tmp_path / "run"
    task = ["--task", "lamoo.testing.toys:SleepTask", "--param", "low=0.001", "--param", "high=0.01"]
    assert main(["optimize", *task, "--budget", "6", "--n-init", "2", "--out", str(out), "--evaluator", "threads",
                 "--workers", "3", "--no-progress"]) == 0
    asks = records(out / "journal.jsonl", "ask")
    assert [len(a["x"]) for a in asks] == [1] * 6
    assert main(["optimize", "--out", str(out), "--resume", "--budget", "9", "--evaluator", "batch",
                 "--no-progress"]) == 0
    asks = records(out / "journal.jsonl", "ask")
    assert [len(a["x"]) for a in asks] == [1] * 6 + [3]  # the batch loop: --batch-size 5, 3 points left
    assert len(open(out / "results.csv").read().splitlines()) == 10


@pytest.mark.parametrize("option, value, message", [("--workers", "0", "--workers must be"),
                                                    ("--cpus-per-worker", "-1", "--cpus-per-worker must be"),
                                                    ("--gpus-per-worker", "-0.5", "--gpus-per-worker must be")])
def test_lamoo_optimize_refuses_bad_evaluator_options_before_writing(tmp_path, capsys, option, value, message):
    from lamoo.cli import main

    out = tmp_path / "run"
    assert main(["optimize", "--task", "lamoo.testing.toys:SleepTask", "--out", str(out), "--evaluator", "threads",
                 option, value, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert message in err and f"got {float(value) if option == '--gpus-per-worker' else int(value)}" in err
    assert not out.exists()


def test_a_callback_stops_an_asynchronous_run_and_the_running_points_are_still_told(tmp_path):
    told = []

    def stop_after_five(study, X, Y):
        told.append(len(X))
        return study.n_told >= 5

    res = optimize(SleepTask(low=0.01, high=0.05, d=2), RandomSampler(), budget=40, n_init=3, seed=0,
                   journal=tmp_path / "run.jsonl", evaluator=ThreadEvaluator(3), callback=stop_after_five)
    assert 5 <= len(res.X) <= 7  # five told, at most the two other workers' points still running
    assert len(res.X) == len(told) and len(records(tmp_path / "run.jsonl", "eval")) == len(res.X)
    assert len({tuple(x) for x in res.X}) == len(res.X)
