"""Training any image classifier (an ``nn.Module`` mapping ``B x c x h x w`` to ``B x k`` logits)
the XNAS way (appendix B of Carmichael et al.): cross-entropy, SGD with Nesterov momentum 0.9 and
weight decay 5e-4, learning rate 0.1 with half an epoch of linear warm-up then cosine decay to 0,
batch 512, channel-wise z-score normalization, and augmentation (pad + random crop, horizontal
flip, cutout; see :mod:`nas_tasks.training.augment`).

On a GPU the whole dataset lives on the device, the model runs channels-last under mixed
precision (bf16 where supported, else fp16 with loss scaling), and the loop never waits for the
host: losses are summed on the device and read once per epoch. On the CPU the thread count is
set explicitly (:func:`set_threads`).
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from lamoo.checks import check_int
from lamoo.exceptions import InvalidInputError
from nas_tasks.training.augment import Augmentation, cutout, random_crop, random_flip
from nas_tasks.training.data import Splits


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of one training run (all of them enter the cache key)."""

    epochs: int = 10
    batch_size: int = 512
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    warmup_epochs: float = 0.5
    augmentation: Augmentation = field(default_factory=Augmentation)
    introspection_weight: float = 0.0  # XNAS Eq. 5 regularizer weight (0.5 in the paper); 0 = off
    # per-class-pair weights of the regularizer (k x k nested tuples, >= 0; None = all 1)
    introspection_pair_weights: tuple | None = None

    def __post_init__(self):
        check_int(self.epochs, "epochs", 1)
        check_int(self.batch_size, "batch_size", 2)
        for name in ("lr", "momentum", "weight_decay", "warmup_epochs", "introspection_weight"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise InvalidInputError(f"{name} must be a finite number >= 0, got {v!r}")
        if self.lr <= 0:
            raise InvalidInputError(f"lr must be > 0, got {self.lr!r}")
        if self.introspection_pair_weights is not None:
            W = np.asarray(self.introspection_pair_weights, dtype=float)
            if W.ndim != 2 or W.shape[0] != W.shape[1] or not np.isfinite(W).all() or (W < 0).any():
                raise InvalidInputError(f"introspection_pair_weights must be a square (k x k) matrix of finite "
                                        f"numbers >= 0, got shape {W.shape}")
            if self.introspection_weight == 0:
                raise InvalidInputError("introspection_pair_weights need introspection_weight > 0 (the regularizer is off)")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["augmentation"] = self.augmentation.to_dict()
        return d


# ------------------------------------------------------------------------------------ devices
def resolve_device(device="auto") -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; otherwise ``torch.device(device)``."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise InvalidInputError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InvalidInputError(f"device {device!r} asked for but CUDA is not available")
    return dev


def set_threads(n: int | None) -> int:
    """Set torch's intra-op threads to ``n`` (default: the CPUs this process may use)."""
    if n is None:
        n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    n = max(1, int(n))
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def amp_dtype(device: torch.device) -> torch.dtype | None:
    """The autocast dtype on ``device``: bf16 on GPUs that support it, fp16 on older ones,
    None (full fp32) on the CPU."""
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def torch_generator(seed: int, device: torch.device) -> torch.Generator:
    g = torch.Generator(device=device)
    g.manual_seed(int(seed) % (2 ** 63))
    return g


# ------------------------------------------------------------------------------------ data on device
class DeviceData:
    """The splits as tensors on ``device`` with their normalization.

    ``x`` tensors keep the stored dtype (uint8 for most datasets); :meth:`prepare` turns a batch
    into float intensities in ``[0, 1]`` and :meth:`normalize` applies the channel-wise z-score
    computed on the training split."""

    def __init__(self, splits: Splits, device: torch.device):
        self.device = device
        self.splits = splits
        self.scale = float(splits.dataset.scale)
        self.num_classes = splits.num_classes
        self.image_shape = splits.image_shape

        def put(a):
            return torch.from_numpy(np.ascontiguousarray(a)).to(device)

        self.parts = {name: (put(x), put(y)) for name, (x, y) in
                      (("train", splits.train), ("val", splits.val), ("test", splits.test))}
        xtr = splits.train[0].astype(np.float64) * self.scale
        mean = xtr.mean(axis=(0, 2, 3))
        std = xtr.std(axis=(0, 2, 3))
        std[std < 1e-8] = 1.0
        self.mean = torch.tensor(mean, dtype=torch.float32, device=device).view(1, -1, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32, device=device).view(1, -1, 1, 1)

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        return x.float() * self.scale

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def batches(self, part: str, batch_size: int):
        """Yield normalized ``(x, y)`` batches of a split, in order (for evaluation)."""
        x, y = self.parts[part]
        for i in range(0, len(y), batch_size):
            yield self.normalize(self.prepare(x[i:i + batch_size])), y[i:i + batch_size]


# ------------------------------------------------------------------------------------ schedule
def lr_factor(step: int, warmup_steps: int, total_steps: int) -> float:
    """Multiplier of the base learning rate at optimizer step ``step`` (0-based): linear warm-up
    to 1 over ``warmup_steps``, then cosine decay to 0 at ``total_steps``."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    decay = max(1, total_steps - warmup_steps)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, (step - warmup_steps + 1) / decay)))


def _augment(x: torch.Tensor, aug: Augmentation, gen: torch.Generator, data: DeviceData) -> torch.Tensor:
    if aug.crop:
        x = random_crop(x, aug.padding, gen)
    if aug.flip:
        x = random_flip(x, gen)
    x = data.normalize(x)
    if aug.cutout:
        x = cutout(x, aug.cutout_size, gen)
    return x


@dataclass
class TrainReport:
    """What one training run did: per-epoch mean training loss, seconds, images/s."""

    epoch_loss: list[float]
    seconds: float
    images_per_second: float
    steps: int
    device: str
    amp: str | None

    def to_dict(self) -> dict:
        return asdict(self)


def train_model(model: torch.nn.Module, data: DeviceData, config: TrainConfig, seed: int,
                regularizer=None, progress=None) -> TrainReport:
    """Train ``model`` in place on ``data.parts["train"]``.

    Args:
        model: maps ``B x c x h x w`` to ``B x k`` logits; moved to ``data.device``.
        data: the splits on the device.
        config: hyper-parameters.
        seed: seeds the shuffling and augmentation generator (weights are initialised by the caller).
        regularizer: optional :class:`nas_tasks.objectives.introspectability.IntrospectionRegularizer`
            attached to ``model``; its ``loss(y)`` is added after each forward pass (computed in
            float32 with autocast off).
        progress: optional callable ``(epoch, mean_loss)`` called after every epoch.

    Raises:
        FloatingPointError: when the training loss becomes NaN or infinite.
    """
    device = data.device
    model.to(device)
    if device.type == "cuda":
        model.to(memory_format=torch.channels_last)
    x_all, y_all = data.parts["train"]
    n = len(y_all)
    if n < 2:
        raise InvalidInputError(f"training needs at least 2 samples, got {n}")
    bs = min(config.batch_size, n)
    # A lone last sample cannot be batch-normalized: it joins the batch before it, so every step
    # trains and the schedule (total steps) matches the optimizer steps.
    steps_per_epoch = n // bs if n % bs == 1 else math.ceil(n / bs)
    total = steps_per_epoch * config.epochs
    warmup = min(total, max(1, round(config.warmup_epochs * steps_per_epoch))) if config.warmup_epochs > 0 else 0
    decay, no_decay = [], []
    for p in model.parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    # Weight decay on conv/linear weights only, the usual choice for BN networks.
    opt = torch.optim.SGD([{"params": decay, "weight_decay": config.weight_decay},
                           {"params": no_decay, "weight_decay": 0.0}],
                          lr=config.lr, momentum=config.momentum, nesterov=config.nesterov and config.momentum > 0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, warmup, total))
    dtype = amp_dtype(device)
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    gen = torch_generator(seed, device)
    aug = config.augmentation.resolved(data.image_shape[1])
    model.train()
    losses: list[float] = []
    start = time.perf_counter()
    for epoch in range(config.epochs):
        perm = torch.randperm(n, device=device, generator=gen)
        total_loss = torch.zeros((), device=device)
        for i in range(steps_per_epoch):
            idx = perm[i * bs:n if i == steps_per_epoch - 1 else (i + 1) * bs]
            x = _augment(data.prepare(x_all[idx]), aug, gen, data)
            y = y_all[idx]
            if device.type == "cuda":
                x = x.contiguous(memory_format=torch.channels_last)
            with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
                logits = model(x)
            # the losses run outside autocast, in float32: the regularizer's class means and cosines
            # (on activations it casts to float32) would lose too much in bf16 / fp16
            loss = F.cross_entropy(logits.float(), y)
            if regularizer is not None:
                loss = loss + regularizer.loss(y)
            opt.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
            else:
                loss.backward()
                opt.step()
            sched.step()
            total_loss += loss.detach() * len(idx)
        mean_loss = float(total_loss) / n  # the one host sync per epoch
        if not math.isfinite(mean_loss):
            raise FloatingPointError(f"training diverged: mean loss {mean_loss} in epoch {epoch + 1}")
        losses.append(mean_loss)
        if progress is not None:
            progress(epoch, mean_loss)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - start
    model.eval()
    return TrainReport(losses, seconds, n * config.epochs / max(seconds, 1e-9), total, str(device),
                       None if dtype is None else str(dtype).replace("torch.", ""))


@torch.no_grad()
def predict_logits(model: torch.nn.Module, data: DeviceData, part: str, batch_size: int = 1024) -> torch.Tensor:
    """``n x k`` float32 logits of ``model`` (in eval mode) on split ``part``, on the device."""
    model.eval()
    dtype = amp_dtype(data.device)
    out = []
    for x, _ in data.batches(part, batch_size):
        if data.device.type == "cuda":
            x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(data.device.type, dtype=dtype, enabled=dtype is not None):
            out.append(model(x).float())
    return torch.cat(out)
