import numpy as np
import pytest

from lamoo import Study
from lamoo.task import ObjectiveSpec
from nas_tasks.preference.candidates import CandidatePool, UnknownCandidateError, pareto_ranks, unit_of
from samplers import RandomSampler
from tests.nas_tasks.preference.helpers import small_pool, table_task
from tests.toys import FiniteToyTask

METRICS = (ObjectiveSpec("acc", "maximize"), ObjectiveSpec("cost", "minimize"))


def test_units_come_from_metric_names():
    assert [unit_of(n) for n in ("cifar10_test_acc", "latency_ms_raspi4", "params", "flops", "introspectability")] \
        == ["%", "ms", "M", "MFLOPs", ""]


def test_pareto_ranks_peel_fronts():
    F = np.array([[0, 0], [1, 1], [2, 2], [0, 3], [3, 0]], dtype=float)
    assert pareto_ranks(F).tolist() == [0, 1, 2, 1, 1]


def test_pool_from_arrays_describes_candidates_and_rejects_unknown_ids():
    pool = CandidatePool([[0.0], [1.0], [2.0]], [[90, 5], [80, 1], [70, 9]], METRICS, ids=[10, 11, 12])
    assert pool.pareto_rank.tolist() == [0, 0, 1]
    d = pool.describe(11)
    assert d["id"] == 11 and d["pareto_rank"] == 0 and d["label"] == "x0=1"
    assert d["metrics"][0] == {"name": "acc", "direction": "maximize", "unit": "%", "value": 80.0}
    with pytest.raises(UnknownCandidateError, match=r"there is no candidate 3 among the 3 candidates \(ids 10 .. 12\)"):
        pool.row(3)
    with pytest.raises(UnknownCandidateError, match="must be an integer"):
        pool.row("ten")
    with pytest.raises(UnknownCandidateError, match="must be an integer"):
        pool.row(10.5)


@pytest.mark.parametrize("kwargs, message", [
    ({"M": [[1, 2]]}, r"M must have shape \(3 x 2\)"),
    ({"M": [[1, 2], [np.nan, 1], [3, 4]]}, r"must be finite; rows \[1\]"),
    ({"ids": [1, 1, 2]}, "ids must be 3 distinct integers"),
])
def test_bad_pools_are_rejected(kwargs, message):
    args = {"X": [[0.0], [1.0], [2.0]], "M": [[1, 2], [2, 1], [3, 4]], "metrics": METRICS, **kwargs}
    with pytest.raises(ValueError, match=message):
        CandidatePool(args.pop("X"), args.pop("M"), args.pop("metrics"), **args)


def test_pool_from_a_run_keeps_successful_evaluations_with_their_numbers():
    task = FiniteToyTask()
    study = Study(task, RandomSampler(), n_init=6, seed=0)
    X = study.ask(12)
    Y = task.evaluate(X)
    Y[3] = np.nan  # a failed evaluation is not a candidate
    study.tell(X, Y)
    result = study.result()
    pool = CandidatePool.from_result(result)
    assert len(pool) == 11 and 3 not in pool.ids.tolist()
    np.testing.assert_array_equal(pool.metrics_of([5]), result.Y[[5]])
    assert pool.label(0).startswith("x0=")


def test_pool_from_a_table_task_uses_table_rows_as_ids():
    task = table_task(120)
    pool = CandidatePool.from_task(task, 20, seed=3)
    assert len(pool) == 20 and pool.is_nb201
    np.testing.assert_array_equal(pool.M, task.Y[pool.ids])
    np.testing.assert_array_equal(CandidatePool.from_task(task, 20, seed=3).ids, pool.ids)
    assert pool.describe(int(pool.ids[0]))["cell"][0] in ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3",
                                                           "avg_pool_3x3")


def test_frame_is_indexed_by_id():
    pool = small_pool(5)
    frame = pool.frame()
    assert list(frame.columns) == list(pool.metric_names) and frame.index.tolist() == pool.ids.tolist()
