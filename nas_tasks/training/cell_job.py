"""Training and measuring one cell: the unit of work an executor runs (in this process or a Ray
worker). Everything it needs travels in a picklable :class:`CellJob` made of the task's frozen
configurations. A process keeps the few datasets it used last (:func:`get_splits`,
:func:`get_device_data`: bounded caches), so consecutive cells do not reload them."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache, partial

import torch

from nas_tasks.objectives.base import EvalContext, TaskInfo
from nas_tasks.training.cache import TrainCache
from nas_tasks.training.config import DataConfig, ExecutionConfig, NetworkConfig, TrainingConfig
from nas_tasks.training.data import load_dataset
from nas_tasks.training.splits import Splits, make_splits, select_classes

MAX_SPLITS = 4
"""Datasets (splits) a process keeps in memory, the most recently used first."""
MAX_DEVICE_DATA = 2
"""Datasets a process keeps on the device (GPU memory is scarce)."""


@dataclass(frozen=True)
class CellJob:
    """One cell to train and measure.

    Attributes:
        codes: the cell's ``(6,)`` encoding.
        key: its cache key (:func:`~nas_tasks.training.config.trained_cell_key`).
        data, network, training: what the cell is trained on and how (the cache key's settings).
        seed: weights, shuffling and augmentation seed.
        objectives: the objective plug-ins to measure (only those missing from the cached record).
        execution: device, threads (None: leave torch's as they are), cache folder, eval batch size.
        regularizer_layers: the activations the introspection regularizer uses.
    """

    codes: tuple[int, ...]
    key: str
    data: DataConfig
    network: NetworkConfig
    training: TrainingConfig
    seed: int
    objectives: tuple
    execution: ExecutionConfig
    regularizer_layers: str | tuple[str, ...] = "all"


@lru_cache(maxsize=MAX_SPLITS)
def get_splits(data: DataConfig) -> Splits:
    """The splits ``data`` describes, loaded once per process (at most :data:`MAX_SPLITS` kept)."""
    dataset = load_dataset(data.dataset, data.data_root)
    if data.classes is not None:
        dataset = select_classes(dataset, data.classes)
    return make_splits(dataset, data.val_fraction, data.test_fraction, data.max_train, data.max_eval, data.split_seed)


@lru_cache(maxsize=MAX_DEVICE_DATA)
def get_device_data(data: DataConfig, device: torch.device, precision: str = "auto"):
    """:class:`~nas_tasks.training.device.DeviceData` of ``data`` on ``device``, models running
    at ``precision`` (at most :data:`MAX_DEVICE_DATA` kept)."""
    from nas_tasks.training.device import DeviceData

    return DeviceData(get_splits(data), device, precision)


def build_model(codes, network: NetworkConfig, splits: Splits, seed: int) -> torch.nn.Module:
    """The NB201 network for ``codes`` sized for ``splits`` (input channels, classes), weights
    drawn from ``seed`` without touching torch's global random state."""
    from nas_tasks.nb201.network import build_network

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return build_network(tuple(int(v) for v in codes), network.channels, network.cells_per_stage,
                             splits.num_classes, splits.image_shape[0])


def costliest_network(network: NetworkConfig, num_classes: int, in_channels: int) -> torch.nn.Module:
    """An untrained network of the most expensive NB201 cell (every edge ``nor_conv_3x3``): the
    cost objectives' reference (params, FLOPs, latency)."""
    from nas_tasks.nb201.encoding import CONV3X3, NUM_EDGES
    from nas_tasks.nb201.network import build_network

    return build_network((CONV3X3,) * NUM_EDGES, network.channels, network.cells_per_stage, num_classes, in_channels)


def task_info(data: DataConfig, network: NetworkConfig, splits: Splits, device: torch.device, batch_size: int,
              cache_dir):
    """The :class:`~nas_tasks.objectives.base.TaskInfo` objectives see for these settings."""
    return TaskInfo(dataset=splits.dataset.name, num_classes=splits.num_classes, image_shape=splits.image_shape,
                    device=device, batch_size=batch_size, classes=splits.dataset.classes, cache_dir=cache_dir,
                    data_root=data.data_root,
                    costliest_network=partial(costliest_network, network, splits.num_classes, splits.image_shape[0]))


def run_cell_job(job: CellJob) -> dict:
    """Train ``job``'s cell (unless its checkpoint is cached), measure the objectives missing from
    its cached record, save, and return the record: ``{"values": [{"val", "test"} per objective],
    "metrics": {objective key: {"val", "test"}}, "train": report, "trained_now": bool, ...}``.

    The record is saved as soon as training ends and again after each objective is measured, so a
    measurement that fails (and raises) costs neither the training nor the values already measured.
    A CUDA out-of-memory error is re-raised as a ``RuntimeError`` naming what the job was doing.
    """
    from nas_tasks.training.device import resolve_device, set_threads

    if job.execution.num_threads is not None:
        set_threads(job.execution.num_threads)
    device = resolve_device(job.execution.device)
    cache = TrainCache(job.execution.cache_dir)
    record = cache.load(job.key) or {"arch_codes": list(job.codes), "metrics": {}, "train": None}
    splits = get_splits(job.data)
    info = task_info(job.data, job.network, splits, device, job.training.batch_size, job.execution.cache_dir)
    missing = [o for o in job.objectives if o.key(info) not in record["metrics"]]
    record["trained_now"] = False
    if not missing:
        return _with_values(record, job, info)
    record["config"] = {"data": {k: str(v) for k, v in job.data.to_dict().items()}, "net": job.network.to_dict(),
                        "train": job.training.to_dict(), "seed": job.seed, "split": splits.info}
    record["device"] = str(device)
    with _doing("moving the data to the device", job):
        data = get_device_data(job.data, device, job.execution.precision)
        model = build_model(job.codes, job.network, splits, job.seed)
    if any(o.needs_training for o in missing):
        _train_or_load(model, job, data, cache, record)
    with _doing("moving the model to the device", job):
        model.to(device).eval()
    ctx = EvalContext(model, data, info, tuple(job.codes), job.execution.eval_batch_size)
    timings = record.setdefault("measure_seconds", {})
    for o in missing:
        with _doing(f"measuring objective {o.name!r}", job):
            start = time.perf_counter()
            val, test = o.measure(ctx)
        timings[o.key(info)] = time.perf_counter() - start
        record["metrics"][o.key(info)] = {"val": float(val), "test": None if test is None else float(test)}
        _save(cache, job.key, record)
    return _with_values(record, job, info)


@contextmanager
def _doing(what: str, job: CellJob):
    """Turn a CUDA out-of-memory error inside the block into a ``RuntimeError`` saying ``what``
    the job was doing, for which cell (after releasing the cached GPU memory)."""
    try:
        yield
    except torch.cuda.OutOfMemoryError as exc:
        torch.cuda.empty_cache()
        raise RuntimeError(f"CUDA out of memory while {what} (cell {list(job.codes)}): "
                           f"{str(exc).splitlines()[0]}") from None


def _train_or_load(model: torch.nn.Module, job: CellJob, data, cache: TrainCache, record: dict) -> None:
    """Load ``model``'s cached checkpoint, or train it and save the checkpoint and the record."""
    from nas_tasks.objectives.introspectability import IntrospectionRegularizer
    from nas_tasks.training import loop

    state = cache.load_checkpoint(job.key) if record.get("train") else None
    if state is not None:
        with _doing("loading the checkpoint", job):
            model.load_state_dict(state)
            model.to(data.device)
        return
    training = job.training
    start = time.perf_counter()
    with _doing("training", job):
        if training.introspection_weight > 0:
            with IntrospectionRegularizer(model, training.introspection_weight, job.regularizer_layers,
                                          pair_weights=training.introspection_pair_weights,
                                          num_classes=data.num_classes) as reg:
                report = loop.train_model(model, data, training, job.seed, regularizer=reg)
        else:
            report = loop.train_model(model, data, training, job.seed)
    record["train"] = {**report.to_dict(), "wall_seconds": time.perf_counter() - start}
    record["trained_now"] = True
    cache.save_checkpoint(job.key, model.state_dict())  # the checkpoint before the record naming it
    _save(cache, job.key, record)


def _save(cache: TrainCache, key: str, record: dict) -> None:
    cache.save(key, {k: v for k, v in record.items() if k != "trained_now"})


def _with_values(record: dict, job: CellJob, info) -> dict:
    """Add ``record["values"]``: the job's objectives' ``{"val", "test"}`` in its order (keys such
    as latency's name the worker's device, so the caller must not recompute them)."""
    record["values"] = [record["metrics"][o.key(info)] for o in job.objectives]
    return record
