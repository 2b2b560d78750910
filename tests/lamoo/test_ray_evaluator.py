"""The asynchronous loop on a real local Ray cluster (2 CPUs): a run, a CLI run, and workers that
die mid-evaluation. Slow: starting Ray takes ~10 s (more on a loaded machine); skipped when Ray is
not installed."""
import json

import numpy as np
import pytest

from lamoo import optimize
from lamoo.cli import main
from lamoo.evaluators import RayEvaluator, connect_ray
from lamoo.testing.toys import CrashingToyTask, SleepTask
from samplers import RandomSampler

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ray():
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'lamoo[ray]')")
    if ray.is_initialized():
        ray.shutdown()
    connect_ray(num_cpus=2)
    yield ray
    ray.shutdown()


def test_a_run_on_ray_evaluates_one_point_per_free_worker(ray, tmp_path):
    evaluator = RayEvaluator()  # joins the cluster this process is connected to
    res = optimize(SleepTask(low=0.05, high=0.3), RandomSampler(), budget=10, n_init=3, seed=0,
                   journal=tmp_path / "run.jsonl", evaluator=evaluator)
    assert evaluator.n_workers == 2 and len(res.X) == 10 and np.isfinite(res.Y).all()
    asks = [r for r in map(json.loads, open(tmp_path / "run.jsonl")) if r["type"] == "ask"]
    assert [len(a["x"]) for a in asks] == [1] * 10
    evaluator.shutdown()
    assert ray.is_initialized()  # a joined cluster keeps running


def test_lamoo_optimize_evaluates_on_ray(ray, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["optimize", "--task", "lamoo.testing.toys:SleepTask", "--param", "low=0.01", "--param", "high=0.05",
                 "--budget", "8", "--n-init", "4", "--out", str(out), "--evaluator", "ray", "--workers", "2",
                 "--no-progress"]) == 0
    results = open(out / "results.csv").read().splitlines()
    assert len(results) == 9 and "nan" not in "".join(results[1:]).lower()


@pytest.mark.parametrize("deaths", [1, 10])
def test_a_dying_worker_costs_only_its_point_which_is_retried_once(ray, tmp_path, deaths):
    """Points with x0 < 0.5 kill their worker ``deaths`` times: once, the retry succeeds; always,
    the point is recorded as failed after its second try. The other points are not touched."""
    task = CrashingToyTask(tmp_path, crash_below=0.5, times=deaths)
    res = optimize(task, RandomSampler(), budget=8, n_init=4, seed=2, evaluator=RayEvaluator(n_workers=2))
    crashed = res.X[:, 0] < 0.5
    assert len(res.X) == 8 and crashed.any() and (~crashed).any()
    assert [task.attempts(x) for x in res.X] == [2 if c else 1 for c in crashed]
    assert np.isfinite(res.Y[~crashed]).all()
    errors = [e for e, c in zip(res.errors, crashed) if c]
    if deaths == 1:
        assert np.isfinite(res.Y[crashed]).all() and errors == [None] * crashed.sum()
    else:
        assert np.isnan(res.Y[crashed]).all()
        assert all("Ray worker failed (tried 2 times)" in e for e in errors)
