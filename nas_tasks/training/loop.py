"""Training any image classifier (an ``nn.Module`` mapping ``B x c x h x w`` images to ``B x k``
logits) the XNAS way (appendix B of Carmichael et al.): cross-entropy, SGD with Nesterov momentum
0.9 and weight decay 5e-4, learning rate 0.1 with half an epoch of linear warm-up then cosine decay
to 0, batch 512, channel-wise z-score normalization, and augmentation (pad + random crop,
horizontal flip, cutout; see :mod:`nas_tasks.training.augment`). The recipe is a
:class:`~nas_tasks.training.config.TrainingConfig`.

On a GPU the data lives on the device, the model runs channels-last under mixed precision (the
data's :attr:`~nas_tasks.training.device.DeviceData.amp`: bf16, or fp16 with a ``GradScaler``
on GPUs without native bf16), SGD is the fused CUDA kernel, and the host never waits for the GPU
inside an epoch: shuffling and augmentation draw from a generator on the device, losses are summed
on the device and read once per epoch, and the fused optimizer applies the ``GradScaler``'s
inf/NaN check on the device (the unfused one reads it back every step).
"""
from __future__ import annotations

import inspect
import math
import time
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from lamoo.exceptions import InvalidInputError
from nas_tasks.training.augment import augment
from nas_tasks.training.config import Augmentation, TrainingConfig
from nas_tasks.training.device import DeviceData, torch_generator


def lr_factor(step: int, warmup_steps: int, total_steps: int) -> float:
    """Multiplier of the base learning rate at optimizer step ``step`` (0-based): linear warm-up
    to 1 over ``warmup_steps``, then cosine decay to 0 at ``total_steps``."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    decay = max(1, total_steps - warmup_steps)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, (step - warmup_steps + 1) / decay)))


@dataclass(frozen=True)
class Schedule:
    """How ``n`` training images are cut into optimizer steps.

    A lone last sample cannot be batch-normalized: it joins the batch before it, so every step
    trains and the learning-rate schedule (``total_steps``) matches the optimizer steps.
    """

    n: int
    batch_size: int
    steps_per_epoch: int
    total_steps: int
    warmup_steps: int

    @classmethod
    def plan(cls, n: int, config: TrainingConfig) -> "Schedule":
        if n < 2:
            raise InvalidInputError(f"training needs at least 2 samples, got {n}")
        bs = min(config.batch_size, n)
        per_epoch = n // bs if n % bs == 1 else math.ceil(n / bs)
        total = per_epoch * config.epochs
        warmup = min(total, max(1, round(config.warmup_epochs * per_epoch))) if config.warmup_epochs > 0 else 0
        return cls(n, bs, per_epoch, total, warmup)

    def batch(self, perm: torch.Tensor, i: int) -> torch.Tensor:
        """The indices of step ``i`` of an epoch whose order is ``perm`` (``(n,)``)."""
        end = self.n if i == self.steps_per_epoch - 1 else (i + 1) * self.batch_size
        return perm[i * self.batch_size:end]


_SGD_HAS_FUSED = "fused" in inspect.signature(torch.optim.SGD).parameters  # not in every torch the floor allows


def make_optimizer(model: torch.nn.Module, config: TrainingConfig, schedule: Schedule, fused: bool = False):
    """``(SGD, LambdaLR)``: weight decay on conv/linear weights only (the usual choice for BN
    networks), the learning rate following :func:`lr_factor` step by step. ``fused``: PyTorch's
    fused SGD kernel where this torch has it (used on CUDA: one launch per step, and a
    ``GradScaler`` needs no host sync)."""
    decay, no_decay = [], []
    for p in model.parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    opt = torch.optim.SGD([{"params": decay, "weight_decay": config.weight_decay},
                           {"params": no_decay, "weight_decay": 0.0}],
                          lr=config.lr, momentum=config.momentum, nesterov=config.nesterov and config.momentum > 0,
                          **({"fused": True} if fused and _SGD_HAS_FUSED else {}))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: lr_factor(s, schedule.warmup_steps, schedule.total_steps))
    return opt, sched


@dataclass
class TrainReport:
    """What one training run did: per-epoch mean training loss, seconds, images/s, optimizer
    steps, the device and the autocast dtype (None: full fp32)."""

    epoch_loss: list[float]
    seconds: float
    images_per_second: float
    steps: int
    device: str
    amp: str | None

    def to_dict(self) -> dict:
        return asdict(self)


def place_model(model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """Move ``model`` to ``device``, in channels-last memory format on CUDA (where cuDNN's
    convolutions and batch norms run fastest in it); returns it."""
    model.to(device)
    if device.type == "cuda":
        model.to(memory_format=torch.channels_last)
    return model


class _Epochs:
    """The state of one training run: model, data, optimizer, generator and autocast settings."""

    def __init__(self, model, data: DeviceData, config: TrainingConfig, seed: int, regularizer):
        self.model, self.data, self.regularizer = model, data, regularizer
        self.device = data.device
        self.schedule = Schedule.plan(len(data.parts["train"][1]), config)
        self.opt, self.sched = make_optimizer(model, config, self.schedule, fused=self.device.type == "cuda")
        self.dtype = data.amp
        # fp16 gradients underflow without loss scaling; bf16 has float32's range and needs none
        self.scaler = torch.amp.GradScaler(self.device.type) if self.dtype == torch.float16 else None
        self.gen = torch_generator(seed, self.device)
        aug = config.augmentation or Augmentation.default_for(data.splits.dataset.name)
        self.aug = aug.resolved(data.image_shape[1])

    def step(self, idx: torch.Tensor) -> torch.Tensor:
        """One optimizer step on the training images ``idx``; returns the (float32) loss."""
        x_all, y_all = self.data.parts["train"]
        x = augment(self.data.prepare(x_all[idx]), self.aug, self.gen, self.data.normalize)
        y = y_all[idx]
        if self.device.type == "cuda":
            x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device.type, dtype=self.dtype, enabled=self.dtype is not None):
            logits = self.model(x)
        # the losses run outside autocast, in float32: the regularizer's class means and cosines
        # (on activations it casts to float32) would lose too much in bf16 / fp16
        loss = F.cross_entropy(logits.float(), y)
        if self.regularizer is not None:
            loss = loss + self.regularizer.loss(y)
        self.opt.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.step(self.opt)
            self.scaler.update()
        else:
            loss.backward()
            self.opt.step()
        self.sched.step()
        return loss

    def epoch(self) -> torch.Tensor:
        """One pass in a fresh random order; the mean training loss, a 0-d tensor on the device
        (nothing here waits for the device: the caller reads it, once per epoch)."""
        plan = self.schedule
        perm = torch.randperm(plan.n, device=self.device, generator=self.gen)
        total_loss = torch.zeros((), device=self.device)
        for i in range(plan.steps_per_epoch):
            idx = plan.batch(perm, i)
            total_loss += self.step(idx).detach() * len(idx)
        return total_loss / plan.n


def train_model(model: torch.nn.Module, data: DeviceData, config: TrainingConfig, seed: int,
                regularizer=None, progress=None) -> TrainReport:
    """Train ``model`` in place on ``data.parts["train"]``.

    Args:
        model: maps ``B x c x h x w`` to ``B x k`` logits; moved to ``data.device``.
        data: the splits on the device.
        config: the recipe (``augmentation=None``: the dataset's default).
        seed: seeds the shuffling and augmentation generator (weights are initialised by the caller).
        regularizer: optional :class:`nas_tasks.objectives.introspectability.IntrospectionRegularizer`
            attached to ``model``; its ``loss(y)`` is added after each forward pass (computed in
            float32 with autocast off).
        progress: optional callable ``(epoch, mean_loss)`` called after every epoch.

    Raises:
        FloatingPointError: when the training loss becomes NaN or infinite.
    """
    device = data.device
    place_model(model, device)
    run = _Epochs(model, data, config, seed, regularizer)
    model.train()
    losses: list[float] = []
    start = time.perf_counter()
    for epoch in range(config.epochs):
        mean_loss = float(run.epoch())  # the one host sync of an epoch
        if not math.isfinite(mean_loss):
            raise FloatingPointError(f"training diverged: mean loss {mean_loss} in epoch {epoch + 1}")
        losses.append(mean_loss)
        if progress is not None:
            progress(epoch, mean_loss)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - start
    model.eval()
    n = run.schedule.n
    return TrainReport(losses, seconds, n * config.epochs / max(seconds, 1e-9), run.schedule.total_steps, str(device),
                       None if run.dtype is None else str(run.dtype).replace("torch.", ""))
