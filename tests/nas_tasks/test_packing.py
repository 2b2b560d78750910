"""Cells per GPU: from concurrency measurements to Ray's fractional GPUs and the local workers."""
import pytest

from lamoo.exceptions import InvalidInputError
from nas_tasks.training.packing import (ConcurrencyPoint, DEFAULT_CELLS_PER_GPU, local_workers, ray_gpus_per_task,
                                        recommend_cells_per_gpu)


def points(*per_cell, peak=None):
    """Measurements at 1, 2, 4, 8... cells of the given per-cell images/s."""
    return [ConcurrencyPoint(2 ** i, v, peak) for i, v in enumerate(per_cell)]


def test_packs_until_each_cell_slows_down_by_more_than_keep():
    measured = points(1000.0, 980.0, 850.0, 500.0)  # 8 at once: each at half speed
    assert recommend_cells_per_gpu(measured) == 4
    assert recommend_cells_per_gpu(measured, keep=0.45) == 8
    assert recommend_cells_per_gpu(measured, keep=1.0) == 1
    assert recommend_cells_per_gpu(points(1000.0, 500.0, 250.0)) == 1  # a GPU already full with one cell


def test_never_packs_more_for_less_in_total():
    assert recommend_cells_per_gpu(points(1000.0, 900.0, 400.0), keep=0.3) == 2  # 4 x 400 < 2 x 900


def test_packing_fits_in_the_gpu_memory():
    measured = points(1000.0, 1000.0, 1000.0, 1000.0, peak=40e9)
    assert recommend_cells_per_gpu(measured) == 8
    assert recommend_cells_per_gpu(measured, gpu_memory_bytes=141e9) == 2  # 4 x 40 GB > 0.9 x 141 GB
    assert recommend_cells_per_gpu(measured, gpu_memory_bytes=141e9, memory_fraction=1.0) == 2


def test_bad_measurements_are_refused():
    with pytest.raises(InvalidInputError, match="cells=1"):
        recommend_cells_per_gpu([ConcurrencyPoint(2, 100.0)])
    with pytest.raises(InvalidInputError, match="two measurements of 1 cells"):
        recommend_cells_per_gpu([ConcurrencyPoint(1, 100.0), ConcurrencyPoint(1, 90.0)])
    with pytest.raises(InvalidInputError, match="keep"):
        recommend_cells_per_gpu(points(100.0), keep=0)
    with pytest.raises(InvalidInputError, match="images_per_second"):
        ConcurrencyPoint(1, 0.0)
    with pytest.raises(InvalidInputError, match="cells"):
        ConcurrencyPoint(0, 10.0)


def test_ray_asks_for_a_fraction_of_a_gpu_per_cell():
    assert DEFAULT_CELLS_PER_GPU == 1 and ray_gpus_per_task(None, None, 1) == 1
    assert ray_gpus_per_task(None, 4, 8) == 0.25 and ray_gpus_per_task(None, 8, 1) == 0.125
    third = ray_gpus_per_task(None, 3, 1)
    assert third == 0.3333 and 3 * third <= 1  # rounded down to Ray's 0.0001 steps: three fit
    assert ray_gpus_per_task(None, 4, 0) == 0  # no GPU in the cluster
    assert ray_gpus_per_task(0.5, None, 0) == 0.5  # an explicit request wins
    with pytest.raises(InvalidInputError, match="cells_per_gpu"):
        ray_gpus_per_task(None, 0, 1)


def test_the_local_executor_packs_only_on_cuda():
    assert local_workers(4, "cuda") == 4 and local_workers(None, "cuda") == 1
    assert local_workers(4, "cpu") == 1
