"""Training and measuring one cell: the unit of work an executor runs (in this process or a Ray
worker). Everything it needs travels in a picklable :class:`CellJob`; the datasets are loaded once
per process and kept."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch

from nas_tasks.training.cache import TrainCache
from nas_tasks.training.data import Splits, load_dataset, make_splits

_SPLITS: dict[tuple, Splits] = {}
_DEVICE_DATA: dict[tuple, object] = {}


@dataclass
class CellJob:
    """One cell to train and measure.

    Attributes:
        codes: the cell's ``(6,)`` encoding.
        key: its cache key (cell + data + training configuration + seed).
        data_spec: ``load_dataset`` / ``make_splits`` arguments (``dataset``, ``data_root``, ...).
        net: ``channels``, ``cells_per_stage``.
        train: :class:`nas_tasks.training.TrainConfig`.
        seed: weights, shuffling and augmentation seed.
        objectives: the objective plug-ins to measure (only missing values are measured).
        device: ``"auto"``, ``"cpu"``, ``"cuda"``...
        threads: torch CPU threads (None: leave as is).
        cache_root: the cache folder.
        eval_batch_size: batch size of evaluation passes.
        regularizer_layers: activations the introspection regularizer uses.
    """

    codes: tuple
    key: str
    data_spec: dict
    net: dict
    train: object
    seed: int
    objectives: list
    device: str = "auto"
    threads: int | None = None
    cache_root: str | None = None
    eval_batch_size: int = 512
    regularizer_layers: object = "all"
    extra: dict = field(default_factory=dict)


def get_splits(spec: dict) -> Splits:
    key = tuple(sorted((k, str(v)) for k, v in spec.items()))
    if key not in _SPLITS:
        ds = load_dataset(spec["dataset"], spec.get("data_root"))
        _SPLITS[key] = make_splits(ds, spec.get("val_fraction", 0.2), spec.get("test_fraction", 0.2),
                                   spec.get("max_train"), spec.get("max_eval"), spec.get("split_seed", 0))
    return _SPLITS[key]


def get_device_data(spec: dict, device: torch.device):
    from nas_tasks.training.loop import DeviceData

    key = (tuple(sorted((k, str(v)) for k, v in spec.items())), str(device))
    if key not in _DEVICE_DATA:
        if len(_DEVICE_DATA) >= 2:  # keep GPU memory for at most two datasets
            _DEVICE_DATA.pop(next(iter(_DEVICE_DATA)))
        _DEVICE_DATA[key] = DeviceData(get_splits(spec), device)
    return _DEVICE_DATA[key]


def build_model(codes, net: dict, splits: Splits, seed: int) -> torch.nn.Module:
    """The NB201 network for ``codes``, weights drawn from ``seed`` without touching torch's
    global random state."""
    from nas_tasks.nb201.network import build_network

    c = splits.image_shape[0]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return build_network(tuple(int(v) for v in codes), net["channels"], net["cells_per_stage"],
                             splits.num_classes, c)


def task_info(spec: dict, net: dict, splits: Splits, device: torch.device, batch_size: int, cache_root):
    from nas_tasks.objectives.base import TaskInfo

    return TaskInfo(dataset=splits.dataset.name, num_classes=splits.num_classes, image_shape=splits.image_shape,
                    channels=net["channels"], cells_per_stage=net["cells_per_stage"], device=device,
                    batch_size=batch_size, classes=splits.dataset.classes, cache_dir=cache_root,
                    data_root=spec.get("data_root"))


def run_cell_job(job: CellJob) -> dict:
    """Train ``job``'s cell (unless its checkpoint is cached), measure the objectives missing from
    its cached record, save, and return the record: ``{"values": [{"val", "test"} per objective],
    "metrics": {objective key: {"val", "test"}}, "train": report, "trained_now": bool, ...}``.

    The record is saved as soon as training ends and again after each objective is measured, so a
    measurement that fails (and raises) costs neither the training nor the values already measured.
    """
    from nas_tasks.objectives.base import EvalContext
    from nas_tasks.objectives.introspectability import IntrospectionRegularizer
    from nas_tasks.training.loop import resolve_device, set_threads, train_model

    if job.threads is not None:
        set_threads(job.threads)
    device = resolve_device(job.device)
    cache = TrainCache(job.cache_root)
    record = cache.load(job.key) or {"arch_codes": list(job.codes), "metrics": {}, "train": None}
    splits = get_splits(job.data_spec)
    info = task_info(job.data_spec, job.net, splits, device, job.train.batch_size, job.cache_root)
    missing = [o for o in job.objectives if o.key(info) not in record["metrics"]]
    record["trained_now"] = False
    if not missing:
        return _with_values(record, job, info)
    record["config"] = {"data": {k: str(v) for k, v in job.data_spec.items()}, "net": job.net,
                        "train": job.train.to_dict(), "seed": job.seed, "split": splits.info}
    record["device"] = str(device)
    phase = "moving the data to the device"
    try:
        data = get_device_data(job.data_spec, device)
        model = build_model(job.codes, job.net, splits, job.seed)
        if any(o.needs_training for o in missing):
            state = cache.load_checkpoint(job.key) if record.get("train") else None
            if state is not None:
                model.load_state_dict(state)
                model.to(device)
            else:
                phase = "training"
                start = time.perf_counter()
                if job.train.introspection_weight > 0:
                    with IntrospectionRegularizer(model, job.train.introspection_weight, job.regularizer_layers,
                                                  pair_weights=job.train.introspection_pair_weights,
                                                  num_classes=splits.num_classes) as reg:
                        report = train_model(model, data, job.train, job.seed, regularizer=reg)
                else:
                    report = train_model(model, data, job.train, job.seed)
                record["train"] = {**report.to_dict(), "wall_seconds": time.perf_counter() - start}
                record["trained_now"] = True
                cache.save_checkpoint(job.key, model.state_dict())  # the checkpoint before the record naming it
                _save(cache, job.key, record)
        model.to(device).eval()
        ctx = EvalContext(model, data, info, tuple(job.codes), job.eval_batch_size)
        timings = record.setdefault("measure_seconds", {})
        for o in missing:
            phase = f"measuring objective {o.name!r}"
            start = time.perf_counter()
            val, test = o.measure(ctx)
            timings[o.key(info)] = time.perf_counter() - start
            record["metrics"][o.key(info)] = {"val": float(val), "test": None if test is None else float(test)}
            _save(cache, job.key, record)
    except torch.cuda.OutOfMemoryError as exc:
        torch.cuda.empty_cache()
        raise RuntimeError(f"CUDA out of memory while {phase} (cell {list(job.codes)}): "
                           f"{str(exc).splitlines()[0]}") from None
    return _with_values(record, job, info)


def _save(cache: TrainCache, key: str, record: dict) -> None:
    cache.save(key, {k: v for k, v in record.items() if k != "trained_now"})


def _with_values(record: dict, job: CellJob, info) -> dict:
    """Add ``record["values"]``: the job's objectives' ``{"val", "test"}`` in its order (keys such
    as latency's name the worker's device, so the caller must not recompute them)."""
    record["values"] = [record["metrics"][o.key(info)] for o in job.objectives]
    return record
