"""``NB201TrainTask``: NAS-Bench-201 cells trained for real and measured on chosen objectives."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from lamoo.checks import check_int
from lamoo.exceptions import InvalidInputError
from lamoo.task import ObjectiveSpec, check_ref_point

DATA_DEFAULTS = {"val_fraction": 0.2, "test_fraction": 0.2, "split_seed": 0}


class NB201TrainTask:
    """Search NAS-Bench-201 cells by training each one.

    Each proposed cell is built (:func:`nas_tasks.nb201.network.build_network`), trained with the
    XNAS recipe (:mod:`nas_tasks.training.loop`) and measured on the validation split; test values are
    measured too and reported beside them (:meth:`details`). Every (cell, data, training
    configuration, seed) is trained once: records and checkpoints are cached on disk
    (:mod:`nas_tasks.training.cache`) and reused, also across runs. A cell whose training fails (CUDA
    out-of-memory included) is a failed evaluation with its error; the run goes on.

    :meth:`close` (or leaving a ``with NB201TrainTask(...) as task:`` block) shuts down the executor
    the task created: a local Ray cluster it started stops, a cluster joined by address keeps
    running, and an executor object passed in is left to its owner.

    Args:
        dataset: ``"digits"`` (bundled with scikit-learn, the default), ``"mnist"``,
            ``"fashion-mnist"``, ``"cifar10"``, ``"cifar100"`` or ``"imagenet16-120"`` (read from
            ``data_root``; see :mod:`nas_tasks.training.data`).
        data_root: folder holding the dataset files.
        objectives: names from :mod:`nas_tasks.objectives` (``accuracy`` (%),
            ``introspectability``, ``introspectability_wordnet``, ``robustness`` maximize;
            ``params``, ``flops``, ``latency`` minimize), optionally suffixed ``:max``/``:min``
            (which must agree with the objective), or objective plug-in objects.
        epochs, batch_size, lr: training schedule (XNAS: batch 512, lr 0.1).
        channels, cells_per_stage: the network's ``C`` and ``N`` (NAS-Bench-201: 16 and 5).
        seed: weights, shuffling and augmentation seed (part of the cache key).
        device: ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda"``, ``"cuda:1"``...
        executor: ``"local"``, ``"ray"`` or an executor object (see :mod:`nas_tasks.training.executors`).
        cache_dir: cache folder (default ``$LAMOO_CACHE_DIR`` or ``~/.cache/lamoo``).
        ref_point: reference point in raw units (default: each objective's, see :attr:`ref_point`).
        augmentation: ``"default"`` (per dataset: no flips for digits), ``"none"``, a dict of
            :class:`nas_tasks.training.augment.Augmentation` fields, or an ``Augmentation``.
        introspection_weight: weight of the XNAS introspection regularizer while training
            (0 = off; the paper uses 0.5).
        introspection_pair_weights: the regularizer's per-class-pair weights: None (all 1),
            ``"wordnet"`` (XNAS Eqs. 3-4: WordNet path similarities of the dataset's classes,
            normalized to mean 1; needs the WordNet database) or a ``k x k`` array of numbers >= 0.
            Part of the cache key.
        objective_options: ``{objective name: {option: value}}``, e.g.
            ``{"robustness": {"ood": "inverted", "temperature": 1000}}``.
        val_fraction, test_fraction, max_train, max_eval, split_seed: how the splits are made
            (:func:`nas_tasks.training.data.make_splits`).
        num_threads: torch CPU threads for local training (default: every CPU this process may use).
        ray_address, cpus_per_task, gpus_per_task: Ray settings (``executor="ray"``).
        eval_batch_size: batch size of evaluation passes.
    """

    def __init__(self, dataset: str = "digits", data_root=None, objectives: Sequence = ("accuracy", "introspectability"),
                 *, epochs: int = 10, channels: int = 16, cells_per_stage: int = 5, batch_size: int = 512,
                 lr: float = 0.1, seed: int = 0, device: str = "auto", executor="local", cache_dir=None,
                 ref_point=None, augmentation="default", introspection_weight: float = 0.0,
                 introspection_pair_weights=None,
                 objective_options: dict | None = None, val_fraction: float = 0.2, test_fraction: float = 0.2,
                 max_train: int | None = None, max_eval: int | None = None, split_seed: int = 0,
                 num_threads: int | None = None, ray_address: str | None = None, cpus_per_task: int = 1,
                 gpus_per_task: float | None = None, eval_batch_size: int = 512):
        from nas_tasks.training.augment import Augmentation
        from nas_tasks.training.cache import default_cache_dir
        from nas_tasks.training.cell_job import get_splits, task_info
        from nas_tasks.training.data import canonical_name
        from nas_tasks.training.executors import get_executor
        from nas_tasks.nb201.encoding import search_space
        from nas_tasks.training.loop import TrainConfig, resolve_device

        for name, v in (("channels", channels), ("cells_per_stage", cells_per_stage), ("eval_batch_size", eval_batch_size)):
            check_int(v, name, 1)
        check_int(seed, "seed", 0)
        self.dataset = canonical_name(dataset)
        self.data_root = None if data_root is None else str(data_root)
        self.data_spec = {"dataset": self.dataset, "data_root": self.data_root, "val_fraction": val_fraction,
                          "test_fraction": test_fraction, "max_train": max_train, "max_eval": max_eval,
                          "split_seed": split_seed}
        self.splits = get_splits(self.data_spec)  # loads the data now: missing files fail here, clearly
        if isinstance(augmentation, Augmentation):
            aug = augmentation
        elif augmentation in (None, "default"):
            aug = Augmentation.default_for(self.dataset)
        elif augmentation == "none":
            aug = Augmentation.none()
        elif isinstance(augmentation, dict):
            try:
                aug = Augmentation(**{**Augmentation.default_for(self.dataset).to_dict(), **augmentation})
            except TypeError as exc:
                raise InvalidInputError(f"augmentation: {exc}") from None
        else:
            raise InvalidInputError(f"augmentation must be 'default', 'none', a dict or an Augmentation, got {augmentation!r}")
        self.net = {"channels": int(channels), "cells_per_stage": int(cells_per_stage)}
        self.seed = int(seed)
        self.device_name = device
        self.device = resolve_device(device)
        self.cache_dir = str(cache_dir if cache_dir is not None else default_cache_dir())
        self.num_threads = num_threads
        self.eval_batch_size = int(eval_batch_size)
        ray_opts = {"address": ray_address, "cpus_per_task": cpus_per_task, "gpus_per_task": gpus_per_task}
        self.executor = get_executor(executor, **ray_opts) if executor == "ray" else get_executor(executor)
        self._owns_executor = isinstance(executor, str)
        self.info = task_info(self.data_spec, self.net, self.splits, self.device, batch_size, self.cache_dir)
        self.train_config = TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, augmentation=aug,
                                        introspection_weight=introspection_weight,
                                        introspection_pair_weights=_pair_weights(introspection_pair_weights, self.info))
        self._objectives = _parse_objectives(objectives, objective_options or {})
        self.objectives = tuple(ObjectiveSpec(o.name, o.direction) for o in self._objectives)
        self.space = search_space()
        self.max_hypervolume = None
        ideal = [o.ideal(self.info) for o in self._objectives]
        self.ideal_point = None if any(v is None for v in ideal) else np.array(ideal, dtype=float)
        self._ref_point = None if ref_point is None else check_ref_point(ref_point, self.objectives, self.ideal_point)
        self._details: list[dict] = []
        self.details_path = None  # if set, every evaluated cell is appended there as a JSON line

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
        jobs = [self._job(row) for row in X]
        distinct: dict = {}  # cache key -> job: a cell repeated in X is evaluated once
        for job in jobs:
            distinct.setdefault(job.key, job)
        if getattr(self.executor, "name", None) == "local":
            from nas_tasks.training.loop import set_threads

            threads = set_threads(self.num_threads)  # explicit, so CPU training never guesses
            for job in distinct.values():
                job.threads = threads
        outcome = dict(zip(distinct, self.executor.map(run_cell_job, list(distinct.values()))))
        Y = np.full((len(X), len(self._objectives)), np.nan)
        errors: list[str | None] = []
        for i, job in enumerate(jobs):
            out = outcome[job.key]
            row = {"arch": _arch(job.codes), "codes": list(job.codes), "key": job.key}
            first = distinct[job.key] is job  # the job that was run for this cell
            if out.ok:
                for j, (o, m) in enumerate(zip(self._objectives, out.value["values"])):
                    Y[i, j] = m["val"]
                    row[o.name] = m["val"]
                    row[f"test_{o.name}"] = m["test"]
                train = out.value.get("train") or {}
                trained_now = bool(out.value.get("trained_now")) and first  # a duplicate reuses the first's training
                row.update(train_seconds=train.get("seconds"), trained_now=trained_now, error=None)
                errors.append(None)
            else:
                row["error"] = out.error
                errors.append(out.error)
            self._details.append(row)
        if self.details_path is not None:
            import json
            from pathlib import Path

            path = Path(self.details_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a") as f:
                for row in self._details[-len(jobs):]:
                    f.write(json.dumps(row, default=str) + "\n")
        return Y, errors

    def _job(self, codes):
        from nas_tasks.cache import cache_key
        from nas_tasks.training.cell_job import CellJob

        codes = tuple(int(c) for c in codes)
        payload = {"version": 1, "codes": codes, "data": {**self.data_spec, "fingerprint": self.splits.info["fingerprint"]},
                   "net": self.net, "train": self.train_config.to_dict(), "seed": self.seed}
        return CellJob(codes, cache_key(payload), self.data_spec, self.net, self.train_config, self.seed,
                       self._objectives, self.device_name, None, self.cache_dir, self.eval_batch_size)

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
        return {"class": "nas_tasks.NB201TrainTask", "dataset": self.dataset, "data_root": self.data_root,
                "objectives": [repr(o) for o in self._objectives], "net": self.net,
                "train": self.train_config.to_dict(), "seed": self.seed, "device": str(self.device),
                "executor": self.executor.name, "splits": self.splits.info, "cache_dir": self.cache_dir}

    def __repr__(self) -> str:
        return (f"NB201TrainTask(dataset={self.dataset!r}, objectives={[o.name for o in self.objectives]}, "
                f"epochs={self.train_config.epochs}, channels={self.net['channels']}, "
                f"cells_per_stage={self.net['cells_per_stage']}, device={str(self.device)!r})")


def _pair_weights(spec, info) -> tuple | None:
    """The regularizer's pair weights as nested tuples (hashable, JSON-able) from None,
    ``"wordnet"`` or a ``k x k`` array for the task's ``k`` classes."""
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec != "wordnet":
            raise InvalidInputError(f"introspection_pair_weights must be None, 'wordnet' or a k x k array, got {spec!r}")
        from nas_tasks.objectives.wordnet import IntrospectabilityWordNet

        W = IntrospectabilityWordNet().pair_weights(info).numpy()
    else:
        W = np.asarray(spec, dtype=float)
    if W.shape != (info.num_classes, info.num_classes):
        raise InvalidInputError(f"introspection_pair_weights must be {info.num_classes} x {info.num_classes} (one weight "
                                f"per pair of the dataset's classes), got shape {W.shape}")
    return tuple(tuple(float(v) for v in row) for row in W)


def _arch(codes) -> str:
    from nas_tasks.nb201.encoding import decode

    return decode(np.asarray(codes))


def _parse_objectives(objectives, options: dict) -> list:
    from nas_tasks.objectives import build_objectives

    return build_objectives(objectives, options)
