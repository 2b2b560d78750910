"""How many cells train at once on one GPU, and what that asks of Ray and of the local executor.

One NAS-Bench-201 network at batch 512 may not fill a large GPU: its layers have 16 to 64
channels on 32x32 to 8x8 images, so each kernel is short and launches dominate. Several cells can
then share the GPU, each in its own process, at little cost to each. How many is a measurement,
not a guess: ``benchmarks/gpu_check.py`` trains ``n`` cells at once in ``n`` processes on one GPU
(``n = 1, 2, 4, 8``) and reads each one's training images/s; :func:`recommend_cells_per_gpu` turns
those :class:`ConcurrencyPoint` s into a number. Until a GPU has been measured the default is
:data:`DEFAULT_CELLS_PER_GPU`, one cell per GPU (what one-GPU Ray tasks always did).

That number is :attr:`~nas_tasks.training.config.ExecutionConfig.cells_per_gpu`:

- with Ray, each cell's task asks for ``1 / cells_per_gpu`` of a GPU (:func:`ray_gpus_per_task`),
  so Ray places that many on each GPU;
- the local executor on a CUDA device trains that many cells at once, each in its own worker
  process (:func:`local_workers`); on the CPU it trains one at a time (torch already uses every
  core for one cell).

Nothing here imports torch or Ray.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from lamoo.checks import check_int, check_number
from lamoo.exceptions import InvalidInputError

DEFAULT_CELLS_PER_GPU = 1
"""Cells per GPU when none is given: one, until a GPU's concurrency has been measured."""
DEFAULT_KEEP = 0.8
"""The share of its single-cell training speed each cell must keep when cells share a GPU."""
RAY_RESOURCE_STEP = 1e-4
"""Ray's granularity of fractional resources: a request is a multiple of it."""


@dataclass(frozen=True)
class ConcurrencyPoint:
    """One concurrency measurement: ``cells`` cells trained at once on one GPU.

    Attributes:
        cells: how many cells (processes) trained at once (>= 1).
        images_per_second: the mean training images/s of one of them (> 0).
        peak_memory_bytes: the largest peak GPU memory of one of them (None: not measured).
    """

    cells: int
    images_per_second: float
    peak_memory_bytes: float | None = None

    def __post_init__(self):
        check_int(self.cells, "cells", 1)
        check_number(self.images_per_second, "images_per_second", low=0.0, low_open=True)
        if self.peak_memory_bytes is not None:
            check_number(self.peak_memory_bytes, "peak_memory_bytes", low=0.0)

    @property
    def total_images_per_second(self) -> float:
        """The GPU's training images/s over all ``cells``."""
        return self.cells * self.images_per_second


def recommend_cells_per_gpu(points: Sequence[ConcurrencyPoint], *, keep: float = DEFAULT_KEEP,
                            gpu_memory_bytes: float | None = None, memory_fraction: float = 0.9) -> int:
    """The most cells that should train at once on one GPU, from measurements.

    The answer is the largest measured ``n`` such that (1) each of the ``n`` cells still trains at
    ``keep`` or more of the speed of a cell alone, (2) the GPU's total images/s is at least that of
    every smaller measured ``n`` (packing more never pays for less), and (3) when memory is given,
    ``n`` times the peak memory of one cell fits in ``memory_fraction`` of ``gpu_memory_bytes``.

    Args:
        points: the measurements; one must be of a single cell (``cells == 1``), and each ``cells``
            value appears once.
        keep: in (0, 1]; 1 packs only where cells do not slow each other down at all.
        gpu_memory_bytes: the GPU's memory (None: memory is not checked).
        memory_fraction: in (0, 1], the share of it the cells may fill.

    Raises:
        InvalidInputError: no single-cell measurement, a ``cells`` value twice, or a bad ``keep``.
    """
    check_number(keep, "keep", low=0.0, high=1.0, low_open=True)
    check_number(memory_fraction, "memory_fraction", low=0.0, high=1.0, low_open=True)
    by_cells = {}
    for p in points:
        if not isinstance(p, ConcurrencyPoint):
            raise InvalidInputError(f"points must be ConcurrencyPoint objects, got {p!r}")
        if p.cells in by_cells:
            raise InvalidInputError(f"two measurements of {p.cells} cells at once")
        by_cells[p.cells] = p
    if 1 not in by_cells:
        raise InvalidInputError(f"the measurements need one of a single cell (cells=1), got cells "
                                f"{sorted(by_cells)}")
    solo = by_cells[1].images_per_second
    best, best_total = 1, by_cells[1].total_images_per_second
    for n in sorted(by_cells)[1:]:
        p = by_cells[n]
        fits = (gpu_memory_bytes is None or p.peak_memory_bytes is None
                or n * p.peak_memory_bytes <= memory_fraction * gpu_memory_bytes)
        if p.images_per_second >= keep * solo and p.total_images_per_second >= best_total and fits:
            best, best_total = n, p.total_images_per_second
    return best


def cells_per_gpu(value: int | None) -> int:
    """``value`` checked (an integer >= 1), or :data:`DEFAULT_CELLS_PER_GPU` for None."""
    return DEFAULT_CELLS_PER_GPU if value is None else check_int(value, "cells_per_gpu", 1)


def ray_gpus_per_task(gpus_per_task: float | None, cells: int | None, cluster_gpus: float) -> float:
    """The ``num_gpus`` of one cell's Ray task.

    Args:
        gpus_per_task: an explicit request (returned as given), or None.
        cells: cells per GPU (None: :data:`DEFAULT_CELLS_PER_GPU`).
        cluster_gpus: GPUs the cluster has (``ray.cluster_resources().get("GPU", 0)``).

    Returns:
        ``gpus_per_task`` when given; else 0 on a cluster without a whole GPU, else ``1 / cells``
        rounded down to Ray's :data:`RAY_RESOURCE_STEP` (at least one step), so that ``cells``
        tasks fit on one GPU.
    """
    if gpus_per_task is not None:
        check_number(gpus_per_task, "gpus_per_task", low=0.0)
        return gpus_per_task
    n = cells_per_gpu(cells)
    if cluster_gpus < 1:
        return 0
    if n == 1:
        return 1
    return max(RAY_RESOURCE_STEP, round(math.floor(round(1.0 / n / RAY_RESOURCE_STEP, 6)) * RAY_RESOURCE_STEP, 4))


def local_workers(cells: int | None, device_type: str) -> int:
    """How many cells the local executor trains at once: ``cells`` per GPU on a CUDA device
    (None: :data:`DEFAULT_CELLS_PER_GPU`), one on any other (CPU training already uses every core)."""
    n = cells_per_gpu(cells)
    return n if device_type == "cuda" else 1


__all__ = ["ConcurrencyPoint", "DEFAULT_CELLS_PER_GPU", "DEFAULT_KEEP", "RAY_RESOURCE_STEP", "cells_per_gpu",
           "local_workers", "ray_gpus_per_task", "recommend_cells_per_gpu"]
