"""The objective plug-in protocol and the evaluation context objectives measure on.

An :class:`Objective` has a ``name``, a ``direction``, a default reference point and a
``measure(ctx) -> (validation, test)`` method. ``ctx`` is an :class:`EvalContext`: the trained
network, the data on the device and lazily computed, shared results (logits, per-class activation
sums) so that several objectives reuse one pass over the data. Objectives know nothing of the
search space: they measure the network they are handed, and the task tells them (in
:class:`TaskInfo`) how to build the network their default reference points are measured on.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

import torch


@dataclass
class TaskInfo:
    """What an objective may need to know about the task (for reference points and costs).

    Attributes:
        dataset: canonical dataset name; num_classes: ``k``; image_shape: ``(c, h, w)``.
        device: the evaluating device; batch_size: the training batch size.
        classes: the ``k`` class names; cache_dir, data_root: the task's folders.
        costliest_network: builds an untrained network of the search space's most expensive
            architecture, sized for this data (the cost objectives' reference points); None when
            the task has none.
    """

    dataset: str
    num_classes: int
    image_shape: tuple[int, int, int]  # c, h, w
    device: torch.device
    batch_size: int
    classes: tuple[str, ...] = ()
    cache_dir: Any = None
    data_root: Any = None
    costliest_network: Callable[[], torch.nn.Module] | None = None


class Objective:
    """Base class of the objective plug-ins.

    Subclasses set ``name`` and ``direction`` and implement :meth:`measure`; ``needs_training``
    is False for objectives computed from the architecture alone (params, FLOPs, latency).
    """

    name: str = ""
    direction: str = "maximize"
    needs_training: bool = True
    units: str = ""

    def params(self) -> dict:
        """The settings that change the measured value (they enter the cache key)."""
        return {}

    def key(self, info: TaskInfo) -> str:
        return f"{self.name}:{json.dumps(self.params(), sort_keys=True, default=str)}"

    def default_ref(self, info: TaskInfo) -> float:
        raise NotImplementedError

    def ideal(self, info: TaskInfo) -> float | None:
        """The best achievable value, if known (used to validate reference points)."""
        return None

    def check(self, info: TaskInfo) -> None:
        """Raise :class:`~lamoo.exceptions.InvalidInputError` when the objective cannot be measured
        on this task's data (a task calls it once, when it is made; the default accepts any)."""

    def measure(self, ctx: "EvalContext") -> tuple[float, float | None]:
        """``(value on the validation split, value on the test split or None)``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"


@dataclass
class EvalContext:
    """A trained model and its data, with shared lazily computed results.

    Attributes:
        model: the trained network in eval mode, on ``data.device``.
        data: :class:`nas_tasks.training.device.DeviceData`.
        info: :class:`TaskInfo`.
        arch: the cell's ``(6,)`` codes.
        eval_batch_size: batch size of evaluation passes.
    """

    model: torch.nn.Module
    data: Any
    info: TaskInfo
    arch: tuple
    eval_batch_size: int = 512
    _cache: dict = field(default_factory=dict)

    def logits(self, part: str) -> torch.Tensor:
        """``n x k`` logits on split ``part`` (``"val"`` or ``"test"``), computed once."""
        key = ("logits", part)
        if key not in self._cache:
            from nas_tasks.training.device import predict_logits

            self._cache[key] = predict_logits(self.model, self.data, part, self.eval_batch_size)
        return self._cache[key]

    def labels(self, part: str) -> torch.Tensor:
        return self.data.parts[part][1]

    def cached(self, key, compute):
        """``compute()`` once per ``key`` (objectives share expensive passes through it)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]
