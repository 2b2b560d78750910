"""``NB201TrainTask``: NAS-Bench-201 cells trained for real and measured on chosen objectives."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import numpy as np

from lamoo.checks import check_int
from lamoo.exceptions import InvalidInputError
from lamoo.task import ObjectiveSpec, check_ref_point
from nas_tasks.training.config import (CONFIG_CLASSES, Augmentation, DataConfig, ExecutionConfig, NetworkConfig,
                                       TrainingConfig, split_settings, trained_cell_key)


class NB201TrainTask:
    """Search NAS-Bench-201 cells by training each one.

    Each proposed cell is built (:func:`nas_tasks.nb201.network.build_network`), trained with the
    XNAS recipe (:mod:`nas_tasks.training.loop`) and measured on the validation split; test values
    are measured too and reported beside them (:meth:`details`). Every (cell, data, network,
    training recipe, seed) is trained once: records and checkpoints are cached on disk
    (:mod:`nas_tasks.training.cache`) and reused, also across runs. A cell whose training fails
    (CUDA out-of-memory included) is a failed evaluation with its error; the run goes on.

    :meth:`close` (or leaving a ``with NB201TrainTask(...) as task:`` block) shuts down the executor
    the task created: a local Ray cluster it started stops, a cluster joined by address keeps
    running, and an executor object passed in is left to its owner.

    The settings come in four frozen configurations (:mod:`nas_tasks.training.config`), validated
    when the task is made: :class:`~nas_tasks.training.config.DataConfig`,
    :class:`~nas_tasks.training.config.NetworkConfig`,
    :class:`~nas_tasks.training.config.TrainingConfig` and
    :class:`~nas_tasks.training.config.ExecutionConfig`. Pass config objects (``data=``,
    ``network=``, ``training=``, ``execution=``), any of their fields as keyword settings
    (``epochs=3, channels=8, device="cpu"``), or both: settings override the objects' fields.

    Args:
        dataset: ``"digits"`` (bundled with scikit-learn; the default), ``"mnist"``,
            ``"fashion-mnist"``, ``"cifar10"``, ``"cifar100"`` or ``"imagenet16-120"`` (read from
            ``data_root``; see :mod:`nas_tasks.training.data`).
        data_root: folder holding the dataset files.
        objectives: specs of :mod:`nas_tasks.objectives` (``accuracy`` (%),
            ``introspectability``, ``introspectability_wordnet``, ``robustness`` maximize;
            ``params``, ``flops``, ``latency`` minimize), optionally suffixed ``:max`` / ``:min``
            (or ``:maximize`` / ``:minimize``; it must agree with the objective; see
            :mod:`nas_tasks.objectives.specs`), or objective plug-in objects.
        data, network, training, execution: configuration objects (default: their defaults).
        seed: weights, shuffling and augmentation seed (part of the cache key).
        executor: ``"local"``, ``"ray"`` or an executor object (see :mod:`nas_tasks.training.executors`).
        ref_point: reference point in raw units (default: each objective's, see :attr:`ref_point`).
        objective_options: ``{objective name: {option: value}}``, e.g.
            ``{"robustness": {"ood": "inverted", "temperature": 1000}}``.
        **settings: fields of the four configurations, among them ``epochs``, ``batch_size``,
            ``lr`` (XNAS: batch 512, lr 0.1); ``channels``, ``cells_per_stage`` (the network's
            ``C`` and ``N``; NAS-Bench-201: 16 and 5); ``val_fraction``, ``test_fraction``,
            ``max_train``, ``max_eval``, ``split_seed`` (the splits); ``augmentation``
            (``"default"``: per dataset, no flips for digits; ``"none"``; a dict of
            :class:`~nas_tasks.training.config.Augmentation` fields; or an ``Augmentation``);
            ``introspection_weight`` (XNAS regularizer, 0 = off, the paper uses 0.5) and
            ``introspection_pair_weights`` (None, ``"wordnet"`` or a ``k x k`` array);
            ``device`` (``"auto"``: CUDA when present), ``precision`` (``"auto"``: bf16 / fp16
            autocast on CUDA, float32 on the CPU), ``num_threads``, ``eval_batch_size``,
            ``cache_dir`` (default ``$LAMOO_CACHE_DIR`` or ``~/.cache/lamoo``), ``ray_address``,
            ``cpus_per_task``, ``gpus_per_task``, ``cells_per_gpu`` (cells trained at once on one
            GPU, by Ray or by the local executor; default 1). A name that is no field raises
            ``TypeError``.

    Attributes:
        data, network, training, execution: the resolved configurations (the augmentation, the
            WordNet pair weights and the cache folder filled in).
        splits: the data's splits; info: what the objectives see; device: the resolved device.
        objectives, space, ref_point, ideal_point, max_hypervolume (None): the task protocol.
        details_path: if set, every evaluated cell is appended there as a JSON line.
    """

    def __init__(self, dataset: str | None = None, data_root=None,
                 objectives: Sequence = ("accuracy", "introspectability"), *, data: DataConfig | None = None,
                 network: NetworkConfig | None = None, training: TrainingConfig | None = None,
                 execution: ExecutionConfig | None = None, seed: int = 0, executor="local", ref_point=None,
                 objective_options: dict | None = None, **settings):
        from nas_tasks.nb201.encoding import search_space
        from nas_tasks.objectives import build_objectives
        from nas_tasks.training.cell_job import get_splits, task_info
        from nas_tasks.training.device import amp_dtype, resolve_device
        from nas_tasks.training.executors import make_executor

        self.seed = check_int(seed, "seed", 0)
        self.data, self.network, self.training, self.execution = _configs(
            dataset, data_root, (data, network, training, execution), executor, settings)
        self.splits = get_splits(self.data)  # loads the data now: missing files fail here, clearly
        self.device = resolve_device(self.execution.device)
        amp_dtype(self.device, self.execution.precision)  # fails now for a precision the device lacks
        self.info = task_info(self.data, self.network, self.splits, self.device, self.training.batch_size,
                              self.execution.cache_dir)
        self.training = _with_pair_weights(self.training, self.info)
        self._objectives = build_objectives(objectives, objective_options)
        for o in self._objectives:
            o.check(self.info)  # e.g. an OoD set that is the task's own data fails here, not in every cell
        self.objectives = tuple(ObjectiveSpec(o.name, o.direction) for o in self._objectives)
        self.executor = make_executor(self.execution, self.device.type) if isinstance(executor, str) else executor
        self._owns_executor = isinstance(executor, str)
        self.space = search_space()
        self.max_hypervolume = None
        ideal = [o.ideal(self.info) for o in self._objectives]
        self.ideal_point = None if any(v is None for v in ideal) else np.array(ideal, dtype=float)
        self._ref_point = None if ref_point is None else check_ref_point(ref_point, self.objectives, self.ideal_point)
        self._details: list[dict] = []
        self.details_path = None

    @property
    def dataset(self) -> str:
        """The canonical dataset name (``self.data.dataset``)."""
        return self.data.dataset

    # ------------------------------------------------------------------ task protocol
    @property
    def ref_point(self) -> np.ndarray:
        """Default: accuracy ``100 / classes`` (%), introspectability 0, robustness 0.5 (chance
        AUROC), params / FLOPs 1.1 x and latency 2 x the most expensive cell's."""
        if self._ref_point is None:
            self._ref_point = check_ref_point([o.default_ref(self.info) for o in self._objectives], self.objectives,
                                              self.ideal_point)
        return self._ref_point

    @ref_point.setter
    def ref_point(self, value) -> None:
        self._ref_point = check_ref_point(value, self.objectives, self.ideal_point)

    def evaluate(self, X) -> np.ndarray:
        """``(n x 6)`` cell codes -> ``(n x m)`` raw objective values on the validation split
        (NaN rows for cells whose training failed)."""
        return self.evaluate_with_errors(X)[0]

    def evaluate_with_errors(self, X) -> tuple[np.ndarray, list[str | None]]:
        """Like :meth:`evaluate`, plus one error message per row (None where it succeeded). A cell
        repeated in ``X`` is trained and measured once; its result fills each of its rows."""
        from nas_tasks.training.cell_job import run_cell_job

        X = self.space.validate(X, "X")
        execution = self._worker_execution()
        jobs = [self._job(row, execution) for row in X]
        distinct: dict = {}  # cache key -> job: a cell repeated in X is evaluated once
        for job in jobs:
            distinct.setdefault(job.key, job)
        outcome = dict(zip(distinct, self.executor.map(run_cell_job, list(distinct.values()))))
        Y = np.full((len(X), len(self._objectives)), np.nan)
        errors: list[str | None] = []
        rows = []
        for i, job in enumerate(jobs):
            row, values, error = self._detail(job, outcome[job.key], first=distinct[job.key] is job)
            if values is not None:
                Y[i] = values
            errors.append(error)
            rows.append(row)
        self._details.extend(rows)
        if self.details_path is not None:
            path = Path(self.details_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a") as f:
                f.writelines(json.dumps(row, default=str) + "\n" for row in rows)
        return Y, errors

    def cache_key(self, codes) -> str:
        """The trained-cell cache key of a ``(6,)`` cell under this task's settings and seed."""
        return trained_cell_key(codes, self.data, self.splits.info["fingerprint"], self.network, self.training,
                                self.seed)

    @property
    def num_threads(self) -> int:
        """The torch CPU threads each cell trains with under every executor: ``num_threads``,
        default ``cpus_per_task`` (one number everywhere, so a cell's values do not depend on
        where it trained). A local executor that trains several cells at once (``cells_per_gpu``
        on a CUDA device) shares it among them."""
        execution = self.execution
        return execution.num_threads if execution.num_threads is not None else execution.cpus_per_task

    def _worker_execution(self) -> ExecutionConfig:
        """The execution settings jobs carry, with the thread count spelled out (:attr:`num_threads`,
        divided among a local executor's worker processes when it has several): each job sets it
        where it runs (:func:`~nas_tasks.training.cell_job.run_cell_job`)."""
        workers = getattr(self.executor, "workers", 1) if getattr(self.executor, "name", None) == "local" else 1
        return replace(self.execution, num_threads=max(1, self.num_threads // workers))

    def _job(self, codes, execution: ExecutionConfig):
        from nas_tasks.training.cell_job import CellJob

        codes = tuple(int(c) for c in codes)
        return CellJob(codes, self.cache_key(codes), self.data, self.network, self.training, self.seed,
                       tuple(self._objectives), execution)

    def _detail(self, job, out, first: bool) -> tuple[dict, list[float] | None, str | None]:
        """``(details row, validation values or None, error or None)`` of one evaluated row;
        ``first``: the row's job is the one that ran (a repeated cell reuses its training)."""
        from nas_tasks.nb201.encoding import decode

        row = {"arch": decode(np.asarray(job.codes)), "codes": list(job.codes), "key": job.key}
        if not out.ok:
            row["error"] = out.error
            return row, None, out.error
        values = []
        for o, m in zip(self._objectives, out.value["values"]):
            values.append(m["val"])
            row[o.name] = m["val"]
            row[f"test_{o.name}"] = m["test"]
        train = out.value.get("train") or {}
        row.update(train_seconds=train.get("seconds"), trained_now=bool(out.value.get("trained_now")) and first,
                   error=None)
        return row, values, None

    def close(self) -> None:
        """Shut down the executor this task created (see the class docstring); safe to call twice."""
        if self._owns_executor:
            self.executor.shutdown()

    def __enter__(self) -> "NB201TrainTask":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ reporting
    def details(self):
        """A DataFrame of every cell evaluated by this task object: arch string, each objective on
        validation and ``test_<objective>``, training seconds, whether it was trained now or read
        from the cache, and the error of failed cells."""
        import pandas as pd

        return pd.DataFrame(self._details)

    def describe(self) -> dict:
        """A JSON-serialisable description (recorded in run journals). A resume compares all of it
        but ``"execution"``: the data (its splits and their fingerprint), network, training
        recipe, objectives and seed must be the journal's; the data folder, device, executor,
        thread counts and cache folder may change."""
        data = {k: v for k, v in self.data.to_dict().items() if k != "data_root"}
        execution = {"data_root": self.data.data_root, "device": str(self.device), "executor": self.executor.name,
                     **{k: v for k, v in self.execution.to_dict().items() if k not in ("device", "executor")}}
        return {"class": "nas_tasks.NB201TrainTask", "dataset": self.data.dataset,
                "objectives": [repr(o) for o in self._objectives], "data": data,
                "net": self.network.to_dict(), "train": self.training.to_dict(), "seed": self.seed,
                "splits": self.splits.info, "execution": execution}

    def __repr__(self) -> str:
        return (f"NB201TrainTask(dataset={self.data.dataset!r}, objectives={[o.name for o in self.objectives]}, "
                f"epochs={self.training.epochs}, channels={self.network.channels}, "
                f"cells_per_stage={self.network.cells_per_stage}, device={str(self.device)!r})")


def _configs(dataset, data_root, given: tuple, executor, settings: dict) -> tuple:
    """The task's four configurations: the ``given`` objects (None: the defaults) with the keyword
    ``settings`` (and ``dataset``, ``data_root``, a string ``executor``) applied on top; the
    augmentation is resolved for the dataset and the cache folder filled in."""
    from nas_tasks.training.cache import default_cache_dir

    data_kw, net_kw, train_kw, exec_kw = split_settings(settings)
    if dataset is not None:
        data_kw["dataset"] = dataset
    if data_root is not None:
        data_kw["data_root"] = data_root
    if isinstance(executor, str):
        exec_kw["executor"] = executor
    elif not callable(getattr(executor, "map", None)):
        raise InvalidInputError(f"executor must be 'local', 'ray' or an object with map(fn, jobs), got {executor!r}")
    bases = []
    for name, obj, cls in zip(("data", "network", "training", "execution"), given, CONFIG_CLASSES):
        if obj is not None and not isinstance(obj, cls):
            raise InvalidInputError(f"{name} must be a {cls.__name__} or None, got {obj!r}")
        bases.append(obj if obj is not None else cls())
    data = replace(bases[0], **data_kw)
    network = replace(bases[1], **net_kw)
    augmentation = Augmentation.from_spec(train_kw.pop("augmentation", bases[2].augmentation), data.dataset)
    training = replace(bases[2], **train_kw, augmentation=augmentation)
    execution = replace(bases[3], **exec_kw)
    if execution.cache_dir is None:
        execution = replace(execution, cache_dir=str(default_cache_dir()))
    return data, network, training, execution


def _with_pair_weights(training: TrainingConfig, info) -> TrainingConfig:
    """``training`` with its regularizer's pair weights resolved (``"wordnet"``: XNAS Eqs. 3-4, the
    WordNet similarities of the dataset's classes normalized to mean 1) and checked against the
    task's ``k`` classes."""
    W = training.introspection_pair_weights
    if W is None:
        return training
    if W == "wordnet":
        from nas_tasks.objectives.wordnet import IntrospectabilityWordNet

        W = IntrospectabilityWordNet().pair_weights(info).numpy()
        training = replace(training, introspection_pair_weights=W)
    shape = np.shape(training.introspection_pair_weights)
    if shape != (info.num_classes, info.num_classes):
        raise InvalidInputError(f"introspection_pair_weights must be {info.num_classes} x {info.num_classes} (one "
                                f"weight per pair of the dataset's classes), got shape {shape}")
    return training
