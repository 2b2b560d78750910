"""The settings of cell training, as small frozen dataclasses validated once, on creation.

- :class:`DataConfig`: the dataset and how it is split;
- :class:`NetworkConfig`: the NB201 network's width ``C`` and cells per stage ``N``;
- :class:`TrainingConfig`: the training recipe, with its :class:`Augmentation`;
- :class:`ExecutionConfig`: where and how cells run (device, threads, executor, cache folder).

The first three decide what a trained cell is: with the cell, the data's fingerprint and the seed
they make its cache key (:func:`trained_cell_key`). The execution settings never enter the key:
the same cell trained on another device or executor is the same cache entry. Every config is
hashable and picklable (it travels to the workers inside each
:class:`~nas_tasks.training.cell_job.CellJob`), and nothing here imports torch.

A bad value raises :class:`~lamoo.exceptions.InvalidInputError` naming the setting, what it must
be and the value. Values are stored as given (an int stays an int), so that the cache keys made
before these classes existed stay the same.
"""
from __future__ import annotations

import math
import numbers
import os
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from lamoo.checks import check_choice, check_int
from lamoo.exceptions import InvalidInputError

CACHE_KEY_VERSION = 1  # bump when a change in training or measuring makes cached cells stale
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
"""Precision settings (:attr:`ExecutionConfig.precision`): ``"auto"`` (bf16 / fp16 autocast on
CUDA by the GPU's capability, float32 on the CPU), ``"fp32"`` (no autocast), ``"bf16"`` and
``"fp16"`` (autocast to that dtype; fp16 on CUDA only)."""


def _number(value, name: str, *, low: float = 0.0, low_open: bool = False, below_one: bool = False) -> None:
    """Raise unless ``value`` is a finite real number ``>= low`` (``> low``), and ``< 1`` if asked."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value > low if low_open else value >= low) and (not below_one or value < 1)
    if not ok:
        bound = f"in ({low:g}, 1)" if below_one else f"{'>' if low_open else '>='} {low:g}"
        raise InvalidInputError(f"{name} must be a finite number {bound}, got {value!r}")


def _bool(value, name: str) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidInputError(f"{name} must be True or False, got {value!r}")


def _path(value, name: str) -> str | None:
    """``value`` (None, a str or an ``os.PathLike``) as a string, or None."""
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise InvalidInputError(f"{name} must be a folder path (str or os.PathLike) or None, got {value!r}")
    return os.fspath(value)


def _set(obj, name: str, value) -> None:
    """Normalize a field of a frozen dataclass in ``__post_init__``."""
    object.__setattr__(obj, name, value)


# ---------------------------------------------------------------------------------------- data
@dataclass(frozen=True)
class DataConfig:
    """Which images a cell is trained and measured on.

    Attributes:
        dataset: ``"digits"`` (bundled with scikit-learn), ``"mnist"``, ``"fashion-mnist"``,
            ``"cifar10"``, ``"cifar100"`` or ``"imagenet16-120"`` (aliases such as ``"cifar-10"``
            are read and stored under the canonical name; see :mod:`nas_tasks.training.data`).
        data_root: the folder holding the dataset's files (stored as a string; unused by digits).
        val_fraction: share of the training images held out for validation, in (0, 1).
        test_fraction: share of all images held out for testing, in (0, 1), for datasets without
            an official test split (digits); ignored otherwise.
        max_train, max_eval: caps on the training and on each evaluation split (stratified
            subsets, >= 2), or None.
        split_seed: seed of the (stratified) splits, >= 0.
        classes: None (all classes) or the class indices to keep, relabelled ``0 .. k'-1`` in the
            order given (``(0, 1, 2, 3, 4)``, or ``"0-4"``; see
            :func:`~nas_tasks.training.splits.parse_classes`): a source or target task of a
            transfer setting. Stored as a tuple of ints; left out of :meth:`to_dict` when None, so
            the cache keys of full datasets stay what they were.
    """

    dataset: str = "digits"
    data_root: str | None = None
    val_fraction: float = 0.2
    test_fraction: float = 0.2
    max_train: int | None = None
    max_eval: int | None = None
    split_seed: int = 0
    classes: tuple[int, ...] | None = None

    def __post_init__(self):
        from nas_tasks.training.data import canonical_name
        from nas_tasks.training.splits import parse_classes

        _set(self, "dataset", canonical_name(self.dataset))
        if self.classes is not None:
            _set(self, "classes", parse_classes(self.classes))
        _set(self, "data_root", _path(self.data_root, "data_root"))
        _number(self.val_fraction, "val_fraction", low_open=True, below_one=True)
        _number(self.test_fraction, "test_fraction", low_open=True, below_one=True)
        check_int(self.max_train, "max_train", 2, allow_none=True)
        check_int(self.max_eval, "max_eval", 2, allow_none=True)
        check_int(self.split_seed, "split_seed", 0)

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["classes"] is None:
            del d["classes"]  # the key of a full dataset is the one made before class subsets existed
        else:
            d["classes"] = list(d["classes"])
        return d


# ---------------------------------------------------------------------------------------- network
@dataclass(frozen=True)
class NetworkConfig:
    """The NB201 network around the cell: ``channels`` (``C``, 16 in NAS-Bench-201) and
    ``cells_per_stage`` (``N``, 5 in NAS-Bench-201), both integers >= 1."""

    channels: int = 16
    cells_per_stage: int = 5

    def __post_init__(self):
        _set(self, "channels", check_int(self.channels, "channels", 1))
        _set(self, "cells_per_stage", check_int(self.cells_per_stage, "cells_per_stage", 1))

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------------------------------- training
@dataclass(frozen=True)
class Augmentation:
    """Which augmentations to apply (XNAS appendix B). ``padding=None`` / ``cutout_size=None``
    mean the image-size defaults ``ceil(h / 8)`` and ``2 * ceil(h / 8)``; ``0`` switches them off."""

    crop: bool = True
    padding: int | None = None
    flip: bool = True
    cutout: bool = True
    cutout_size: int | None = None

    def __post_init__(self):
        for name in ("crop", "flip", "cutout"):
            _bool(getattr(self, name), f"augmentation {name}")
        check_int(self.padding, "augmentation padding", 0, allow_none=True)
        check_int(self.cutout_size, "augmentation cutout_size", 0, allow_none=True)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def none(cls) -> "Augmentation":
        return cls(crop=False, flip=False, cutout=False)

    @classmethod
    def default_for(cls, dataset: str) -> "Augmentation":
        """Per-dataset defaults: no horizontal flips for digits (a flipped 2 is no digit)."""
        return cls(flip=dataset not in ("digits", "mnist"))

    @classmethod
    def from_spec(cls, spec, dataset: str) -> "Augmentation":
        """An ``Augmentation`` from ``"default"`` or None (:meth:`default_for` the dataset),
        ``"none"``, a dict of fields (the others from the dataset's default) or an ``Augmentation``."""
        if isinstance(spec, Augmentation):
            return spec
        if spec is None or spec == "default":
            return cls.default_for(dataset)
        if spec == "none":
            return cls.none()
        if isinstance(spec, dict):
            try:
                return cls(**{**cls.default_for(dataset).to_dict(), **spec})
            except TypeError as exc:
                raise InvalidInputError(f"augmentation: {exc}") from None
        raise InvalidInputError(f"augmentation must be 'default', 'none', a dict or an Augmentation, got {spec!r}")

    def resolved(self, h: int) -> "Augmentation":
        """The settings for ``h x h`` images: sizes filled in, a zero size switching its step off."""
        pad = math.ceil(h / 8) if self.padding is None else int(self.padding)
        size = 2 * math.ceil(h / 8) if self.cutout_size is None else int(self.cutout_size)
        return Augmentation(self.crop and pad > 0, pad, self.flip, self.cutout and size > 0, size)


@dataclass(frozen=True)
class TrainingConfig:
    """The training recipe (XNAS appendix B by default); every field enters the cache key.

    Attributes:
        epochs: passes over the training split (>= 1).
        batch_size: images per step (>= 2).
        lr: peak learning rate (> 0): linear warm-up over ``warmup_epochs``, then cosine decay to 0.
        momentum, nesterov, weight_decay: SGD's (weight decay on conv/linear weights only).
        warmup_epochs: length of the warm-up, in epochs (>= 0).
        augmentation: an :class:`Augmentation`, or None for the dataset's default
            (:meth:`Augmentation.default_for`; a task stores the resolved one).
        introspection_weight: weight of the XNAS introspection regularizer (Eq. 5; 0 = off, the
            paper uses 0.5).
        introspection_pair_weights: the regularizer's per-class-pair weights: None (all 1),
            ``"wordnet"`` (WordNet similarities of the dataset's classes, resolved by the task) or
            a ``k x k`` matrix of finite numbers >= 0, stored as nested tuples. Needs
            ``introspection_weight > 0``.
    """

    epochs: int = 10
    batch_size: int = 512
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    warmup_epochs: float = 0.5
    augmentation: Augmentation | None = None
    introspection_weight: float = 0.0
    introspection_pair_weights: tuple | str | None = None

    def __post_init__(self):
        check_int(self.epochs, "epochs", 1)
        check_int(self.batch_size, "batch_size", 2)
        _number(self.lr, "lr", low_open=True)
        for name in ("momentum", "weight_decay", "warmup_epochs", "introspection_weight"):
            _number(getattr(self, name), name)
        _bool(self.nesterov, "nesterov")
        if self.augmentation is not None and not isinstance(self.augmentation, Augmentation):
            raise InvalidInputError(f"augmentation must be an Augmentation or None, got {self.augmentation!r}")
        if self.introspection_pair_weights is not None:
            _set(self, "introspection_pair_weights", _pair_weights(self.introspection_pair_weights))
            if self.introspection_weight == 0:
                raise InvalidInputError("introspection_pair_weights need introspection_weight > 0 (the regularizer "
                                        "is off)")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["augmentation"] = None if self.augmentation is None else self.augmentation.to_dict()
        return d


def _pair_weights(spec) -> tuple | str:
    """``"wordnet"``, or a symmetric square matrix of finite numbers >= 0 as nested tuples of floats."""
    if isinstance(spec, str):
        check_choice(spec, "introspection_pair_weights", ("wordnet",))
        return spec
    W = check_pair_weights(spec, "introspection_pair_weights")
    return tuple(tuple(float(v) for v in row) for row in W)


def check_pair_weights(spec, name: str = "pair_weights", k: int | None = None) -> np.ndarray:
    """``spec`` as a ``(k x k)`` float array of class-pair weights ``omega``: finite, >= 0 and
    symmetric (``omega[i, j] == omega[j, i]``: a class pair is unordered, so a weight given on one
    side only would be read or ignored depending on which side; pass ``(W + W.T) / 2`` to
    average two sides). :class:`InvalidInputError` naming the first offending pair otherwise."""
    try:
        W = np.asarray(spec, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be None, 'wordnet' or a k x k matrix, got {spec!r}") from None
    if W.ndim != 2 or W.shape[0] != W.shape[1] or not np.isfinite(W).all() or (W < 0).any():
        raise InvalidInputError(f"{name} must be a square (k x k) matrix of finite numbers >= 0, got shape {W.shape}")
    if k is not None and W.shape != (k, k):
        raise InvalidInputError(f"{name} must be {k} x {k} (one weight per pair of the {k} classes), got shape "
                                f"{W.shape}")
    bad = np.argwhere(~np.isclose(W, W.T, rtol=1e-9, atol=1e-12))
    if len(bad):
        i, j = (int(v) for v in bad[0])
        raise InvalidInputError(f"{name} must be symmetric (a class pair is unordered), got {name}[{i}, {j}] = "
                                f"{W[i, j]!r} but {name}[{j}, {i}] = {W[j, i]!r}; pass (W + W.T) / 2 to average them")
    return W


# ---------------------------------------------------------------------------------------- execution
@dataclass(frozen=True)
class ExecutionConfig:
    """Where and how cells run; none of it changes a trained cell (nor its cache key).

    Attributes:
        device: ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda"``, ``"cuda:1"``... (checked
            against the machine by the task, :func:`~nas_tasks.training.device.resolve_device`).
        executor: ``"local"`` (in this process) or ``"ray"`` (a Ray task per cell), see
            :mod:`nas_tasks.training.executors`.
        num_threads: torch CPU threads of each trained cell, wherever it trains (None:
            ``cpus_per_task``, so a cell trains with the same thread count under every executor;
            the thread count can change the last digits of a CPU-trained cell's values, see
            :mod:`nas_tasks.training.executors`).
        eval_batch_size: batch size of evaluation passes (>= 1).
        cache_dir: the cache folder (None: ``$LAMOO_CACHE_DIR`` or ``~/.cache/lamoo``, resolved by
            the task when it is created); stored as a string.
        ray_address: the Ray cluster to join (None: ``$RAY_ADDRESS`` or a new local cluster).
        cpus_per_task: CPUs (and torch threads) per Ray task (>= 1).
        gpus_per_task: GPUs per Ray task (>= 0; None: ``1 / cells_per_gpu`` when the cluster has
            GPUs, else 0). Give this or ``cells_per_gpu``, not both.
        cells_per_gpu: how many cells train at once on one GPU (>= 1; None:
            :data:`~nas_tasks.training.packing.DEFAULT_CELLS_PER_GPU`, one). With Ray each task
            asks for ``1 / cells_per_gpu`` of a GPU; the local executor on a CUDA device trains
            that many cells at once in worker processes (:mod:`nas_tasks.training.packing`; the
            number to use comes from ``benchmarks/gpu_check.py``'s concurrency measurement).
        precision: ``"auto"`` (bf16 autocast on GPUs with native bf16, fp16 with loss scaling on
            older GPUs, float32 on the CPU), ``"fp32"``, ``"bf16"`` or ``"fp16"`` (CUDA only); see
            :func:`~nas_tasks.training.device.autocast_dtype`. Like the device, it does not enter
            the cache key.
    """

    device: str = "auto"
    executor: str = "local"
    num_threads: int | None = None
    eval_batch_size: int = 512
    cache_dir: str | None = None
    ray_address: str | None = None
    cpus_per_task: int = 1
    gpus_per_task: float | None = None
    cells_per_gpu: int | None = None
    precision: str = "auto"

    def __post_init__(self):
        if type(self.device).__name__ == "device":  # a torch.device (not imported here)
            _set(self, "device", str(self.device))
        if not isinstance(self.device, str):
            raise InvalidInputError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device, got "
                                    f"{self.device!r}")
        check_choice(self.executor, "executor", ("local", "ray"))
        check_int(self.num_threads, "num_threads", 1, allow_none=True)
        check_int(self.eval_batch_size, "eval_batch_size", 1)
        _set(self, "cache_dir", _path(self.cache_dir, "cache_dir"))
        if self.ray_address is not None and not isinstance(self.ray_address, str):
            raise InvalidInputError(f"ray_address must be a string ('auto', 'ray://host:port', ...) or None, got "
                                    f"{self.ray_address!r}")
        check_int(self.cpus_per_task, "cpus_per_task", 1)
        if self.gpus_per_task is not None:
            _number(self.gpus_per_task, "gpus_per_task")
        check_int(self.cells_per_gpu, "cells_per_gpu", 1, allow_none=True)
        if self.gpus_per_task is not None and self.cells_per_gpu is not None:
            raise InvalidInputError(f"give gpus_per_task or cells_per_gpu, not both (got gpus_per_task="
                                    f"{self.gpus_per_task!r}, cells_per_gpu={self.cells_per_gpu!r})")
        check_choice(self.precision, "precision", PRECISIONS)

    def to_dict(self) -> dict:
        return asdict(self)


CONFIG_CLASSES = (DataConfig, NetworkConfig, TrainingConfig, ExecutionConfig)
"""The four configurations, in the order a task holds them."""


def split_settings(settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Sort flat keyword settings (``epochs=3, channels=8, device="cpu"``) into one dict per
    class of :data:`CONFIG_CLASSES`, by field name.

    Raises:
        TypeError: a name that is no field of any of them (like an unknown keyword argument).
    """
    out: list[dict[str, Any]] = [{} for _ in CONFIG_CLASSES]
    owner = {f.name: i for i, cls in enumerate(CONFIG_CLASSES) for f in fields(cls)}
    for name, value in settings.items():
        if name not in owner:
            known = ", ".join(sorted(owner))
            raise TypeError(f"unexpected setting {name!r}; the settings are the fields of "
                            f"{', '.join(c.__name__ for c in CONFIG_CLASSES)}: {known}")
        out[owner[name]][name] = value
    return out


def trained_cell_key(codes, data: DataConfig, fingerprint: str, network: NetworkConfig, training: TrainingConfig,
                     seed: int) -> str:
    """The cache key of one trained cell: 16 hex digits hashing the ``(6,)`` cell codes, the
    data settings and the data's fingerprint, the network, the training recipe and the seed.
    (The same payload as before these classes existed, so earlier caches are still read.)"""
    from nas_tasks.cache import cache_key

    return cache_key({"version": CACHE_KEY_VERSION, "codes": tuple(int(c) for c in codes),
                      "data": {**data.to_dict(), "fingerprint": fingerprint}, "net": network.to_dict(),
                      "train": training.to_dict(), "seed": int(seed)})


__all__ = ["Augmentation", "CACHE_KEY_VERSION", "CONFIG_CLASSES", "DataConfig", "ExecutionConfig", "NetworkConfig",
           "PRECISIONS", "TrainingConfig", "split_settings", "trained_cell_key"]
