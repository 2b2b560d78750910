"""NB201TrainTask end to end on the bundled digits (tiny budgets)."""
import json

import numpy as np
import pytest

from lamoo import optimize
from lamoo.exceptions import InvalidInputError
from nas_tasks import NB201TrainTask
from nas_tasks.nb201 import encode
from nas_tasks.objectives.base import Objective
from samplers import RandomSampler

CELL = encode("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|")
TINY = dict(epochs=1, channels=4, cells_per_stage=1, max_train=200, max_eval=100, batch_size=64, num_threads=1)


def test_objectives_directions_and_reference_point(cache_dir):
    t = NB201TrainTask("digits", objectives=["accuracy", "introspectability", "robustness", "params:min"], **TINY)
    assert [o.direction for o in t.objectives] == ["maximize", "maximize", "maximize", "minimize"]
    assert t.ref_point[:3].tolist() == [10.0, 0.0, 0.5] and t.ref_point[3] > 0
    assert t.space.n_dims == 6 and len(t.space.candidates) == 15625
    with pytest.raises(InvalidInputError, match="maximize"):
        NB201TrainTask("digits", objectives=["accuracy:min"], **TINY)
    with pytest.raises(InvalidInputError, match="unknown objective"):
        NB201TrainTask("digits", objectives=["beauty"], **TINY)
    with pytest.raises(InvalidInputError, match="channels"):
        NB201TrainTask("digits", objectives=["accuracy"], **{**TINY, "channels": 0})


def test_evaluate_trains_once_and_caches(cache_dir):
    t = NB201TrainTask("digits", objectives=["accuracy", "introspectability", "flops"], **TINY)
    X = np.array([CELL, [0, 0, 0, 0, 0, 0]])  # the second cell is disconnected
    Y = t.evaluate(X)
    assert Y.shape == (2, 3) and np.isfinite(Y).all()
    d = t.details()
    assert list(d["trained_now"]) == [True, True] and "test_accuracy" in d
    assert Y[1, 0] < 30  # a disconnected cell is near chance (10%)
    # a new task object with the same configuration reads the cache: nothing is retrained
    t2 = NB201TrainTask("digits", objectives=["accuracy", "introspectability", "flops"], **TINY)
    Y2 = t2.evaluate(X)
    assert np.array_equal(Y, Y2) and list(t2.details()["trained_now"]) == [False, False]
    # a new objective on a cached cell reuses its checkpoint: measured, not retrained
    t3 = NB201TrainTask("digits", objectives=["accuracy", "robustness"], **TINY)
    Y3 = t3.evaluate(X[:1])
    assert Y3[0, 0] == Y[0, 0] and list(t3.details()["trained_now"]) == [False]
    # another training configuration is another cache entry
    t4 = NB201TrainTask("digits", objectives=["accuracy"], **{**TINY, "seed": 1})
    t4.evaluate(X[:1])
    assert list(t4.details()["trained_now"]) == [True]


def test_a_failing_cell_is_recorded_and_the_run_goes_on(cache_dir):
    from nas_tasks.objectives.accuracy import Accuracy

    class Fragile(Accuracy):
        name = "fragile"

        def measure(self, ctx):
            if ctx.arch == (0, 0, 0, 0, 0, 0):
                raise RuntimeError("CUDA out of memory (simulated)")
            return super().measure(ctx)

    t = NB201TrainTask("digits", objectives=[Fragile()], **TINY)
    Y, errors = t.evaluate_with_errors(np.array([[0] * 6, CELL]))
    assert np.isnan(Y[0]).all() and "out of memory" in errors[0]
    assert np.isfinite(Y[1]).all() and errors[1] is None


def test_optimize_runs_with_the_driver(cache_dir):
    t = NB201TrainTask("digits", objectives=["accuracy", "introspectability"], **TINY)
    res = optimize(t, RandomSampler(), budget=4, n_init=2, batch_size=2, seed=0)
    assert res.Y.shape == (4, 2) and res.hypervolume() >= 0


def test_cli_nb201_train(cache_dir, tmp_path, capsys):
    from lamoo.cli import main

    out = tmp_path / "run"
    rc = main(["optimize", "--task", "nb201-train", "--dataset", "digits", "--objectives",
               "accuracy,introspectability", "--sampler", "random", "--lamoo", "--budget", "3", "--n-init", "2",
               "--batch-size", "1", "--epochs", "1", "--channels", "4", "--cells-per-stage", "1",
               "--max-train", "150", "--train-batch-size", "64", "--num-threads", "1", "--no-progress",
               "--out", str(out)])
    assert rc == 0
    for f in ("pareto.csv", "pareto.png", "journal.jsonl", "cells.jsonl"):
        assert (out / f).is_file()
    rows = [json.loads(line) for line in (out / "cells.jsonl").read_text().splitlines()]
    assert len(rows) == 3 and "test_accuracy" in rows[0]


class Exploding(Objective):
    """An objective whose measurement always fails (with ``error``, e.g. a CUDA OOM)."""

    def __init__(self, name="exploding", error=RuntimeError):
        self.name, self.error = name, error

    def default_ref(self, info):
        return 0.0

    def measure(self, ctx):
        raise self.error(f"{self.name} cannot be measured")


def test_a_failed_measurement_keeps_the_training_and_the_values_measured(cache_dir):
    from nas_tasks.objectives.accuracy import Accuracy

    t = NB201TrainTask("digits", objectives=[Accuracy(), Exploding()], **TINY)
    Y, errors = t.evaluate_with_errors(np.array([CELL]))
    assert np.isnan(Y).all() and "exploding cannot be measured" in errors[0]
    # the training and the accuracy measured before the failure are reused: nothing is retrained
    t2 = NB201TrainTask("digits", objectives=["accuracy"], **TINY)
    Y2 = t2.evaluate(np.array([CELL]))
    assert np.isfinite(Y2).all() and list(t2.details()["trained_now"]) == [False]
    record = json.loads(next(cache_dir.rglob("record.json")).read_text())
    assert record["train"]["steps"] > 0 and list(record["metrics"]) == [Accuracy().key(t2.info)]


def test_an_out_of_memory_error_names_its_phase(cache_dir, monkeypatch):
    import torch

    from nas_tasks.training import loop

    t = NB201TrainTask("digits", objectives=["accuracy", Exploding("gpu_hog", torch.cuda.OutOfMemoryError)], **TINY)
    _, errors = t.evaluate_with_errors(np.array([CELL]))
    assert "CUDA out of memory while measuring objective 'gpu_hog'" in errors[0]

    def oom(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")

    monkeypatch.setattr(loop, "train_model", oom)
    t2 = NB201TrainTask("digits", objectives=["accuracy"], **{**TINY, "seed": 1})
    _, errors = t2.evaluate_with_errors(np.array([CELL]))
    assert "CUDA out of memory while training" in errors[0]


class SpyExecutor:
    """Runs jobs in this process and remembers them (and whether it was shut down)."""

    name = "spy"

    def __init__(self):
        self.jobs, self.shut_down = [], False

    def map(self, fn, jobs):
        from nas_tasks.training.executors import LocalExecutor

        self.jobs.extend(jobs)
        return LocalExecutor().map(fn, jobs)

    def shutdown(self):
        self.shut_down = True


def test_duplicate_cells_in_a_batch_are_trained_once(cache_dir):
    spy = SpyExecutor()
    t = NB201TrainTask("digits", objectives=["accuracy"], executor=spy, **TINY)
    Y = t.evaluate(np.array([CELL, [0] * 6, CELL, CELL]))
    assert [j.codes for j in spy.jobs] == [tuple(CELL), (0,) * 6]
    assert np.isfinite(Y).all() and Y[0, 0] == Y[2, 0] == Y[3, 0]
    d = t.details()
    assert len(d) == 4 and list(d["trained_now"]) == [True, True, False, False]


def test_close_shuts_down_only_the_executor_the_task_created(cache_dir, monkeypatch):
    from nas_tasks.training.executors import LocalExecutor

    spy = SpyExecutor()
    with NB201TrainTask("digits", objectives=["params"], executor=spy, **TINY) as t:
        assert np.isfinite(t.evaluate(np.array([CELL]))).all()
    assert not spy.shut_down  # the caller's executor is the caller's to shut down
    closed = []
    monkeypatch.setattr(LocalExecutor, "shutdown", lambda self: closed.append(self))
    with NB201TrainTask("digits", objectives=["params"], **TINY) as t:
        pass
    assert closed == [t.executor]


def test_the_introspection_regularizer_trains_with_pair_weights(cache_dir):
    objectives = ["accuracy", "introspectability"]
    plain = NB201TrainTask("digits", objectives=objectives, **TINY)
    reg = NB201TrainTask("digits", objectives=objectives, introspection_weight=0.5, **TINY)
    ones = NB201TrainTask("digits", objectives=objectives, introspection_weight=0.5,
                          introspection_pair_weights=np.ones((10, 10)), **TINY)
    keys = {t.cache_key(CELL) for t in (plain, reg, ones)}
    assert len(keys) == 3  # the regularizer and its pair weights are part of the cache key
    Y_plain, Y_reg = plain.evaluate(CELL[None]), reg.evaluate(CELL[None])
    assert np.isfinite(Y_reg).all() and not np.allclose(Y_plain, Y_reg)
    np.testing.assert_allclose(ones.evaluate(CELL[None]), Y_reg, rtol=1e-5)  # unit weights change nothing
    with pytest.raises(InvalidInputError, match="10 x 10"):
        NB201TrainTask("digits", objectives=objectives, introspection_weight=0.5,
                       introspection_pair_weights=np.ones((3, 3)), **TINY)
    with pytest.raises(InvalidInputError, match="introspection_weight > 0"):
        NB201TrainTask("digits", objectives=objectives, introspection_pair_weights=np.ones((10, 10)), **TINY)


def test_training_reproduces_the_values_of_earlier_versions(cache_dir):
    # Recorded with the code before the training settings became configurations (commit 81a9239):
    # the same cells, settings and seed train to the same values and are cached under the same keys.
    # (CPU, one thread, torch 2.13; another CPU's float rounding could move the last digits.)
    t = NB201TrainTask("digits", objectives=["accuracy", "introspectability"], epochs=3, channels=4, cells_per_stage=1,
                       max_train=300, max_eval=150, batch_size=32, num_threads=1)
    X = np.array([[3, 1, 3, 1, 3, 4], [2, 1, 4, 3, 0, 1]])
    assert [t.cache_key(x) for x in X] == ["a4b7ab72368ae9f3", "62856ac080bf82ea"]
    np.testing.assert_allclose(t.evaluate(X), [[50.0, 0.38980496373803136], [60.00000238418579, 0.433017503401922]],
                               rtol=1e-6)
    np.testing.assert_allclose(t.details()[["test_accuracy", "test_introspectability"]].to_numpy(),
                               [[51.33333206176758, 0.4100405136240189], [54.00000214576721, 0.45976295930241756]],
                               rtol=1e-6)


def test_config_objects_and_keyword_settings_make_the_same_task(cache_dir):
    from nas_tasks import DataConfig, ExecutionConfig, NetworkConfig, TrainingConfig

    flat = NB201TrainTask("digits", objectives=["accuracy"], **TINY)
    configs = NB201TrainTask(objectives=["accuracy"], data=DataConfig("digits", max_train=200, max_eval=100),
                             network=NetworkConfig(4, 1), training=TrainingConfig(epochs=1, batch_size=64),
                             execution=ExecutionConfig(num_threads=1))
    assert (configs.data, configs.network, configs.training) == (flat.data, flat.network, flat.training)
    assert configs.cache_key(CELL) == flat.cache_key(CELL)
    assert flat.training.augmentation.flip is False  # the dataset's default: a flipped 2 is no digit
    # keyword settings override the objects' fields
    mixed = NB201TrainTask(objectives=["accuracy"], network=NetworkConfig(4, 1), channels=8, num_threads=1)
    assert mixed.network == NetworkConfig(8, 1) and mixed.data.dataset == "digits"
    assert mixed.execution.cache_dir == str(cache_dir)  # $LAMOO_CACHE_DIR, resolved when the task is made
    with pytest.raises(TypeError, match="unexpected setting 'epoch'"):
        NB201TrainTask("digits", objectives=["accuracy"], epoch=3)
    with pytest.raises(InvalidInputError, match="network must be a NetworkConfig"):
        NB201TrainTask("digits", objectives=["accuracy"], network={"channels": 4})
    with pytest.raises(InvalidInputError, match="executor must be"):
        NB201TrainTask("digits", objectives=["accuracy"], executor=42)
    with pytest.raises(InvalidInputError, match="executor"):
        NB201TrainTask("digits", objectives=["accuracy"], executor="dask")


def test_a_class_subset_trains_a_smaller_classifier(cache_dir):
    t = NB201TrainTask("digits", objectives=["accuracy"], classes="0-4", **TINY)
    assert t.info.num_classes == 5 and t.info.classes[-1] == "four" and t.ref_point.tolist() == [20.0]
    assert t.describe()["data"]["classes"] == [0, 1, 2, 3, 4]
    assert t.cache_key(CELL) != NB201TrainTask("digits", objectives=["accuracy"], **TINY).cache_key(CELL)
    assert np.isfinite(t.evaluate(np.array([CELL]))).all()


def test_precision_is_checked_against_the_device_when_the_task_is_made(cache_dir):
    with pytest.raises(InvalidInputError, match="precision 'fp16' needs a CUDA device"):
        NB201TrainTask("digits", objectives=["accuracy"], device="cpu", precision="fp16", **TINY)
    task = NB201TrainTask("digits", objectives=["accuracy"], device="cpu", precision="bf16", **TINY)
    Y = task.evaluate(CELL[None])  # bf16 autocast on the CPU: trains, measures, and says so
    from nas_tasks.training.cache import TrainCache

    record = TrainCache(task.execution.cache_dir).load(task.cache_key(CELL))
    assert np.isfinite(Y).all() and record["train"]["amp"] == "bfloat16"


def test_the_cli_passes_precision_and_cells_per_gpu(cache_dir, tmp_path):
    import argparse

    from nas_tasks.nb201.train_cli import TRAIN_PLUGIN

    parser = argparse.ArgumentParser()
    TRAIN_PLUGIN.add_arguments(parser)
    args = parser.parse_args(["--precision", "bf16", "--cells-per-gpu", "3", "--channels", "4", "--cells-per-stage",
                              "1", "--device", "cpu", "--num-threads", "1"])
    args.dataset = args.data_root = args.objectives = None
    args.out = tmp_path
    task = TRAIN_PLUGIN.build(args)
    assert (task.execution.precision, task.execution.cells_per_gpu) == ("bf16", 3)
    assert task.executor.workers == 1  # on the CPU cells train one at a time
