"""Executors: local, and one short test on a local 2-CPU Ray cluster."""
import os

import pytest

from nas_tasks.training.executors import LocalExecutor, get_executor
from lamoo.exceptions import InvalidInputError


def square_or_fail(x):
    if x == 3:
        raise ValueError("three is bad")
    return x * x


def die_on_two(x):
    if x == 2:
        os._exit(1)  # the worker process dies
    return x + 100


def test_local_executor_keeps_every_other_result():
    out = LocalExecutor().map(square_or_fail, [1, 3, 4])
    assert [o.value for o in out] == [1, None, 16]
    assert out[1].error == "ValueError: three is bad"
    with pytest.raises(InvalidInputError, match="executor"):
        get_executor("dask")


def test_ray_executor_survives_a_dying_worker(cache_dir):
    ray = pytest.importorskip("ray")
    import numpy as np

    from nas_tasks import NB201TrainTask
    ex = get_executor("ray", num_cpus=2, cpus_per_task=1)
    try:
        out = ex.map(die_on_two, [1, 2, 3])
        assert [o.value for o in out] == [101, None, 103]
        assert "retried once" in out[1].error
        out = ex.map(square_or_fail, [3, 5])
        assert out[0].error.endswith("three is bad") and out[1].value == 25
        # the task trains cells as Ray tasks on the cluster already running (a repeated cell once)
        with NB201TrainTask("digits", objectives=["accuracy"], epochs=1, channels=4, cells_per_stage=1,
                            max_train=100, max_eval=50, batch_size=50, executor="ray") as t:
            Y, errors = t.evaluate_with_errors(np.array([[3, 1, 3, 1, 3, 4], [1, 1, 1, 1, 1, 1], [3, 1, 3, 1, 3, 4]]))
            assert errors == [None] * 3 and np.isfinite(Y).all() and Y[0, 0] == Y[2, 0]
            assert list(t.details()["trained_now"]) == [True, True, False]
        # closing the task leaves the cluster it joined running
        assert ray.is_initialized() and ex.map(square_or_fail, [2])[0].value == 4
    finally:
        ex.shutdown()
    assert not ray.is_initialized()


def test_executors_share_one_map_signature():
    import inspect

    from nas_tasks.training.executors import RayExecutor

    for cls in (LocalExecutor, RayExecutor):
        assert list(inspect.signature(cls.map).parameters) == ["self", "fn", "jobs"]


def test_local_workers_run_jobs_at_once_in_processes_and_a_death_fails_only_its_job():
    out = get_executor("local", workers=2, start_method="fork").map(die_on_two, [1, 2, 3, 4])
    assert [o.value for o in out] == [101, None, 103, 104]
    assert out[1].error == "worker process died (exit code 1)"
    out = get_executor("local", workers=3, start_method="fork").map(square_or_fail, [1, 3, 4])
    assert [o.value for o in out] == [1, None, 16] and out[1].error == "ValueError: three is bad"


def test_local_workers_start_fresh_processes_by_default():
    import math

    ex = get_executor("local", workers=2)
    assert ex.start_method == "spawn"  # a CUDA context cannot cross a fork
    assert [o.value for o in ex.map(math.factorial, [3, 4, 5])] == [6, 24, 120]
    with pytest.raises(InvalidInputError, match="workers"):
        LocalExecutor(workers=0)
    with pytest.raises(InvalidInputError, match="start_method"):
        LocalExecutor(workers=2, start_method="teleport")


def test_execution_settings_choose_the_workers_and_the_ray_request():
    from nas_tasks.training.config import ExecutionConfig
    from nas_tasks.training.executors import RayExecutor, make_executor

    assert make_executor(ExecutionConfig(cells_per_gpu=3), "cuda").workers == 3
    assert make_executor(ExecutionConfig(cells_per_gpu=3), "cpu").workers == 1
    assert make_executor(ExecutionConfig()).workers == 1
    ray_ex = make_executor(ExecutionConfig(executor="ray", cells_per_gpu=4))
    assert isinstance(ray_ex, RayExecutor) and ray_ex.cells_per_gpu == 4 and ray_ex.gpus_per_task is None


def test_a_task_shares_its_threads_among_local_workers(cache_dir):
    import numpy as np

    from nas_tasks import NB201TrainTask

    with NB201TrainTask("digits", objectives=["accuracy"], epochs=1, channels=4, cells_per_stage=1, max_train=100,
                        max_eval=50, batch_size=50, num_threads=2,
                        executor=LocalExecutor(workers=2, start_method="fork")) as t:
        assert t._worker_execution().num_threads == 1
        Y, errors = t.evaluate_with_errors(np.array([[3, 1, 3, 1, 3, 4], [1, 1, 1, 1, 1, 1]]))
    assert errors == [None, None] and np.isfinite(Y).all()
    assert list(t.details()["trained_now"]) == [True, True]
