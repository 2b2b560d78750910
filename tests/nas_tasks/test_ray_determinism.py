"""A cell trained with the same seed gives the same values wherever it trains: in this process,
as a Ray task of NB201TrainTask(executor="ray"), and inside a RayEvaluator worker (the path of
optimize(..., evaluator="ray")). Each trains into its own cache, so nothing is read back from
another's. Slow: starts a local Ray cluster; skipped when Ray is not installed."""
import numpy as np
import pytest

from lamoo.evaluators import RayEvaluator, connect_ray
from nas_tasks import NB201TrainTask

pytestmark = pytest.mark.slow

CELLS = np.array([[3, 1, 3, 1, 3, 4], [2, 3, 0, 1, 2, 3]])
TINY = dict(objectives=["accuracy", "introspectability"], epochs=2, channels=4, cells_per_stage=1, max_train=300,
            max_eval=150, batch_size=32, device="cpu")


def test_the_same_cell_gives_the_same_values_locally_and_on_ray(tmp_path):
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'lamoo[ray]')")
    if ray.is_initialized():
        ray.shutdown()
    connect_ray(num_cpus=2)
    try:
        with NB201TrainTask("digits", cache_dir=tmp_path / "local", **TINY) as local:
            assert local.num_threads == 1  # default: cpus_per_task
            Y_local = local.evaluate(CELLS)
        with NB201TrainTask("digits", cache_dir=tmp_path / "ray", executor="ray", **TINY) as on_ray:
            Y_ray = on_ray.evaluate(CELLS)
            assert on_ray.details()["trained_now"].all()
        task = NB201TrainTask("digits", cache_dir=tmp_path / "evaluator", **TINY)
        evaluator = RayEvaluator(n_workers=2)
        evaluator.start(task)
        for i, x in enumerate(CELLS):
            evaluator.submit(i, x)
        done = []
        while len(done) < len(CELLS):
            done += evaluator.wait()
        assert [f.error for f in done] == [None] * len(CELLS)
        Y_evaluator = np.array([f.y for f in sorted(done, key=lambda f: f.key)])
    finally:
        ray.shutdown()
    assert np.isfinite(Y_local).all()
    np.testing.assert_array_equal(Y_ray, Y_local)
    np.testing.assert_array_equal(Y_evaluator, Y_local)
