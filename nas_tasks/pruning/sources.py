"""Where a :class:`~nas_tasks.pruning.backbone.Backbone` comes from: a cell lamoo trained (a run
folder or a task, read from the trained-cell cache), a checkpoint loaded into a module of yours, or
a torchvision architecture with a weights file you provide. Nothing is ever downloaded, and every
checkpoint is read with ``torch.load(weights_only=True)``: tensors and plain containers only.

Each backbone records its ``source`` (a JSON-able dict) so that :func:`backbone_from_source` can
rebuild it from a run's journal: a run folder, a checkpoint with a module given by import path
(``"mypkg.nets:make_net"``) and a torchvision architecture can; a module object cannot.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from lamoo.exceptions import InvalidInputError, MissingDependencyError
from nas_tasks.pruning.backbone import Backbone

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


# ---------------------------------------------------------------------------------------- checkpoints
def read_checkpoint(path) -> dict:
    """The state dict in ``path``, read by :func:`nas_tasks.safe_load.torch_load` (PyTorch's
    weights-only unpickler: tensors and plain containers only; a ``{"state_dict": ...}`` or
    ``{"model": ...}`` wrapper is unwrapped). :class:`InvalidInputError` when it is missing, holds
    anything else (:class:`~nas_tasks.safe_load.UnsafePickleError`) or is not a state dict."""
    from nas_tasks.safe_load import torch_load

    path = Path(path).expanduser()
    if not path.is_file():
        raise InvalidInputError(f"checkpoint {str(path)!r} does not exist")
    state = torch_load(path, "checkpoint (a state dict saved by torch.save)")
    for key in ("state_dict", "model"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InvalidInputError(f"checkpoint {str(path)!r} is not a state dict (a dict of tensors)")
    return state


def load_weights(module: torch.nn.Module, state: dict, origin: str) -> torch.nn.Module:
    """Load ``state`` into ``module``; :class:`InvalidInputError` listing the shape mismatches,
    missing and unexpected keys when it does not fit."""
    own = module.state_dict()
    shapes = [f"{k}: checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape)}" for k, v in state.items()
              if k in own and tuple(v.shape) != tuple(own[k].shape)]
    missing, unexpected = [k for k in own if k not in state], [k for k in state if k not in own]
    if shapes or missing or unexpected:
        parts = [f"{len(items)} {what} ({'; '.join(items[:4])}{'; ...' if len(items) > 4 else ''})"
                 for what, items in (("shape mismatches", shapes), ("missing keys", missing),
                                     ("unexpected keys", unexpected)) if items]
        raise InvalidInputError(f"{origin} does not fit {type(module).__name__}: {', '.join(parts)}")
    module.load_state_dict(state)
    return module


def _module_from(module):
    """A module object, or one built by the factory at an import path ``"pkg.mod:factory"``."""
    if isinstance(module, str):
        from lamoo.plugins import load_object

        module = load_object(module)()
    if not isinstance(module, torch.nn.Module):
        raise InvalidInputError(f"module must be a torch.nn.Module or the import path of a factory returning one, "
                                f"got {module!r}")
    return module


def from_checkpoint(path, module, **backbone_kwargs) -> Backbone:
    """A backbone: ``module`` (a ``torch.nn.Module``, or the import path ``"pkg.mod:factory"`` of a
    function building it) with the weights in checkpoint ``path``. ``backbone_kwargs`` go to
    :class:`~nas_tasks.pruning.backbone.Backbone` (``input_size``, ``mean``, ``std``...)."""
    net = load_weights(_module_from(module), read_checkpoint(path), f"checkpoint {str(path)!r}")
    source = {"kind": "checkpoint", "path": str(Path(path).expanduser().resolve()),
              "module": module if isinstance(module, str) else None, **_adapter(backbone_kwargs)}
    backbone_kwargs.setdefault("name", f"{type(net).__name__} from {Path(path).name}")
    return Backbone(net, source=source, **backbone_kwargs)


def from_torchvision(arch: str, weights, *, num_classes: int = 1000, input_size=224, mean=IMAGENET_MEAN,
                     std=IMAGENET_STD, **backbone_kwargs) -> Backbone:
    """A backbone: torchvision architecture ``arch`` (``"resnet50"``, ``"resnet18"``...) with the
    weights file ``weights`` you provide (never downloaded); ImageNet's input convention by
    default (224 x 224, its channel mean and std). Features: the input of its last ``nn.Linear``.

    Raises:
        MissingDependencyError: torchvision is not installed (it is imported only here).
        InvalidInputError: an unknown architecture, a checkpoint that does not fit it.
    """
    try:
        import torchvision
    except ImportError as exc:
        raise MissingDependencyError("torchvision is needed for torchvision backbones but is not installed: install the "
                                     "torchvision release that matches your torch, or pass the module yourself "
                                     "(from_checkpoint(path, module))") from exc
    try:
        net = torchvision.models.get_model(arch, weights=None, num_classes=num_classes)
    except ValueError as exc:
        raise InvalidInputError(f"unknown torchvision architecture {arch!r}: {exc}") from None
    load_weights(net, read_checkpoint(weights), f"weights file {str(weights)!r}")
    kwargs = {"input_size": input_size, "mean": mean, "std": std, **backbone_kwargs}
    source = {"kind": "torchvision", "arch": arch, "weights": str(Path(weights).expanduser().resolve()),
              "num_classes": num_classes, **_adapter(kwargs)}
    kwargs.setdefault("name", f"torchvision {arch}")
    return Backbone(net, source=source, **kwargs)


def _adapter(kwargs: dict) -> dict:
    """The JSON-able adapter settings among ``kwargs`` (recorded in a source)."""
    out = {}
    for key in ("input_size", "in_channels", "mean", "std", "features_from", "feature_map"):
        if kwargs.get(key) is not None:
            value = kwargs[key]
            out[key] = value if isinstance(value, (str, int)) else [float(v) for v in np.ravel(value)]
    return out


# ---------------------------------------------------------------------------------------- lamoo cells
def from_trained_cell(task, codes) -> Backbone:
    """A backbone: the cell ``codes`` (``(6,)`` or an arch string) of ``task`` (an
    :class:`~nas_tasks.NB201TrainTask`), loaded from its trained-cell cache (train it first:
    ``task.evaluate``), with its source data's normalization."""
    from nas_tasks.nb201.encoding import encode

    codes = tuple(int(c) for c in (encode(codes) if isinstance(codes, str) else codes))
    return _described_cell(task.describe(), codes, {"kind": "nb201-cell", "task": task.describe(),
                                                    "codes": list(codes)})


def from_run(run_dir, cell="best", objective: str | None = None) -> Backbone:
    """A backbone: a cell of a ``lamoo optimize --task nb201-train`` run folder, loaded from the
    trained-cell cache with its source data's normalization.

    Args:
        run_dir: the run folder (its ``journal.jsonl`` describes the training configuration).
        cell: ``"best"`` (the evaluated cell with the best validation value of ``objective``), a row
            index of the journal, ``(6,)`` codes or an arch string.
        objective: for ``"best"``; default: the run's first objective.
    """
    from lamoo.journal import read_journal
    from lamoo.result import Result

    journal = Path(run_dir) / "journal.jsonl"
    if not journal.is_file():
        raise InvalidInputError(f"{str(run_dir)!r} is not a run folder: it has no journal.jsonl")
    header, _ = read_journal(journal)
    codes = _pick_cell(Result.from_journal(journal), cell, objective, run_dir)
    return _described_cell(header.get("task") or {}, codes, {"kind": "nb201-run", "run": str(Path(run_dir).resolve()),
                                                              "codes": list(codes)})


def _described_cell(task: dict, codes, source: dict) -> Backbone:
    """The backbone of cell ``codes`` of the trained-cell task ``task`` describes."""
    from nas_tasks.preference.predictions import TRAIN_TASK_CLASS, TrainedPredictions
    from nas_tasks.training.config import DataConfig, NetworkConfig

    if task.get("class") != TRAIN_TASK_CLASS:
        raise InvalidInputError(f"a backbone cell comes from a {TRAIN_TASK_CLASS} (lamoo optimize --task nb201-train), "
                                f"not from {task.get('class')!r}")
    described = TrainedPredictions(task)  # reads the data root and cache folder where the journal keeps them
    t = described.task
    return _cell_backbone(codes, DataConfig(**t["data"]), NetworkConfig(**t["net"]), int(t["seed"]),
                          described.cache_key(codes), t["cache_dir"], source)


def _pick_cell(result, cell, objective, run_dir) -> tuple[int, ...]:
    from nas_tasks.nb201.encoding import encode

    if isinstance(cell, str) and cell != "best":
        return tuple(int(c) for c in encode(cell))
    if isinstance(cell, (int, np.integer)):
        if not 0 <= cell < len(result):
            raise InvalidInputError(f"cell index {cell} is not a row of {run_dir} ({len(result)} evaluations)")
        return tuple(int(c) for c in result.X[cell])
    if cell != "best":
        return tuple(int(c) for c in cell)
    names = [o.name for o in result.objectives]
    objective = objective or names[0]
    if objective not in names:
        raise InvalidInputError(f"objective {objective!r} is not one of the run's {names}")
    j = names.index(objective)
    sign = 1.0 if result.objectives[j].direction == "maximize" else -1.0
    values = np.where(result.failed, -np.inf, sign * np.nan_to_num(result.Y[:, j], nan=-np.inf))
    if not np.isfinite(values).any():
        raise InvalidInputError(f"{run_dir} has no successful evaluation to take a backbone from")
    return tuple(int(c) for c in result.X[int(np.argmax(values))])


def _cell_backbone(codes, data, network, seed: int, key: str, cache_dir, source: dict) -> Backbone:
    from nas_tasks.nb201.encoding import decode
    from nas_tasks.training.cache import TrainCache
    from nas_tasks.training.cell_job import build_model, get_splits
    from nas_tasks.training.device import channel_stats

    state = TrainCache(cache_dir).load_checkpoint(key)
    arch = decode(np.asarray(codes))
    if state is None:
        raise InvalidInputError(f"no cached weights for cell {arch} (key {key}) in {cache_dir}: train it first (the "
                                f"run's cache folder, $LAMOO_CACHE_DIR, must be the one it was trained with)")
    try:
        splits = get_splits(data)  # the source data: its size, channels, classes and normalization
    except FileNotFoundError as exc:
        raise InvalidInputError(f"the backbone's input normalization comes from its source data ({data.dataset}), "
                                f"which cannot be read: {exc}") from None
    net = load_weights(build_model(codes, network, splits, seed), state, f"the cached checkpoint of {arch}")
    mean, std = channel_stats(splits)
    c, h, w = splits.image_shape
    return Backbone(net, features_from="classifier", input_size=(h, w), in_channels=c, mean=mean, std=std,
                    name=f"NB201 cell {arch} ({data.dataset}, {splits.num_classes} classes)", source=source)


# ---------------------------------------------------------------------------------------- rebuilding
def backbone_from_source(source: dict) -> Backbone:
    """Rebuild a backbone from its recorded ``source`` (see the module docstring)."""
    kind = source.get("kind")
    adapter = {k: source[k] for k in ("input_size", "in_channels", "mean", "std", "features_from", "feature_map")
               if k in source}
    if kind == "nb201-run":
        return from_run(source["run"], tuple(source["codes"]))
    if kind == "nb201-cell":
        return _described_cell(source["task"], tuple(source["codes"]), source)
    if kind == "checkpoint" and source.get("module"):
        return from_checkpoint(source["path"], source["module"], **adapter)
    if kind == "torchvision":
        return from_torchvision(source["arch"], source["weights"], num_classes=source["num_classes"], **adapter)
    raise InvalidInputError(f"a backbone from {kind!r} cannot be rebuilt from its description (a module object, a "
                            f"task in memory): build the task again and pass it")
