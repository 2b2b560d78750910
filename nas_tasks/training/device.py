"""Devices, threads and data on the device: what the training loop and the objectives share.

On a GPU the whole dataset lives on the device (:class:`DeviceData`) and models run under mixed
precision (:func:`amp_dtype`: bf16 on GPUs with native bf16 (compute capability 8.0 and up),
fp16 on older ones; ``precision`` overrides it); on the CPU models run in float32 and the thread
count is set explicitly (:func:`set_threads`).
"""
from __future__ import annotations

import os

import numpy as np
import torch

from lamoo.checks import check_int
from lamoo.exceptions import InvalidInputError
from nas_tasks.training.config import PRECISIONS
from nas_tasks.training.splits import Splits


def resolve_device(device="auto") -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; otherwise ``torch.device(device)``.

    Raises:
        InvalidInputError: a name torch does not know, or CUDA asked for where there is none.
    """
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
    """Set torch's intra-op threads to ``n`` (an integer >= 1; default: the CPUs this process may
    use); returns ``n``."""
    if n is None:
        n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    n = check_int(n, "num_threads", 1)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


BF16_CAPABILITY = (8, 0)
"""The first CUDA compute capability with native bf16 matrix units (Ampere). Older GPUs only
emulate bf16 (``torch.cuda.is_bf16_supported()`` still says True there), so ``"auto"`` picks fp16."""


def autocast_dtype(device_type: str, capability: tuple[int, int] | None = None, precision: str = "auto",
                   hip: bool = False) -> torch.dtype | None:
    """The autocast dtype for ``precision`` on a device of type ``device_type`` (``"cuda"``,
    ``"cpu"``...) whose CUDA compute capability is ``capability`` (None off CUDA); ``hip``: a ROCm
    build (its GPUs all have bf16). None means full float32 (no autocast).

    Raises:
        InvalidInputError: an unknown ``precision``, or ``"fp16"`` off CUDA (it needs a GradScaler
            and the CPU has no fast fp16 kernels).
    """
    if precision not in PRECISIONS:
        raise InvalidInputError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if precision == "fp16":
        if device_type != "cuda":
            raise InvalidInputError(f"precision 'fp16' needs a CUDA device, got device type {device_type!r}")
        return torch.float16
    if device_type != "cuda":
        return None
    return torch.bfloat16 if hip or tuple(capability or (0, 0)) >= BF16_CAPABILITY else torch.float16


def amp_dtype(device: torch.device, precision: str = "auto") -> torch.dtype | None:
    """The autocast dtype on ``device`` (:func:`autocast_dtype` with that GPU's own capability):
    with ``"auto"``, bf16 on GPUs with native bf16, fp16 on older ones, None (float32) on the CPU."""
    device = torch.device(device)
    capability = torch.cuda.get_device_capability(device) if device.type == "cuda" else None
    return autocast_dtype(device.type, capability, precision, hip=bool(getattr(torch.version, "hip", None)))


def torch_generator(seed: int, device: torch.device) -> torch.Generator:
    """A generator on ``device`` seeded with ``seed`` (reduced modulo 2**63)."""
    g = torch.Generator(device=device)
    g.manual_seed(int(seed) % (2 ** 63))
    return g


def channel_stats(splits: Splits) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, std)``, each ``(c,)`` float64: the channel statistics of the training split's
    ``[0, 1]`` intensities (a std below 1e-8 becomes 1), the z-score every trained cell saw."""
    xtr = splits.train[0].astype(np.float64) * float(splits.dataset.scale)
    mean, std = xtr.mean(axis=(0, 2, 3)), xtr.std(axis=(0, 2, 3))
    std[std < 1e-8] = 1.0
    return mean, std


class DeviceData:
    """The splits as tensors on ``device`` with their normalization, and the precision models run
    in on them.

    Attributes:
        parts: ``{"train" | "val" | "test": (x, y)}``: ``(n x c x h x w)`` images in the stored
            dtype (uint8 for most datasets) and ``(n,)`` int64 labels, on the device.
        mean, std: ``(1 x c x 1 x 1)`` float32 channel statistics of the training split, in
            ``[0, 1]`` intensities.
        scale: stored value -> intensity factor; num_classes, image_shape ``(c, h, w)``: the dataset's.
        precision: one of :data:`PRECISIONS`; amp: the autocast dtype it means on ``device``
            (:func:`amp_dtype`; None: float32), used by training and by every evaluation pass.

    The data are copied to the device once, when the object is made (the cell jobs of a process
    share it, :func:`~nas_tasks.training.cell_job.get_device_data`), so no step copies from the host.

    :meth:`prepare` turns a batch into float intensities in ``[0, 1]`` and :meth:`normalize`
    applies the channel-wise z-score.
    """

    def __init__(self, splits: Splits, device: torch.device, precision: str = "auto"):
        self.device = torch.device(device)
        self.precision = precision
        self.amp = amp_dtype(self.device, precision)
        self.splits = splits
        self.scale = float(splits.dataset.scale)
        self.num_classes = splits.num_classes
        self.image_shape = splits.image_shape

        def put(a):
            return torch.from_numpy(np.ascontiguousarray(a)).to(device)

        self.parts = {name: (put(x), put(y)) for name, (x, y) in
                      (("train", splits.train), ("val", splits.val), ("test", splits.test))}
        mean, std = channel_stats(splits)
        self.mean = torch.tensor(mean, dtype=torch.float32, device=device).view(1, -1, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32, device=device).view(1, -1, 1, 1)

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        """Stored values -> float32 intensities in ``[0, 1]`` (same shape)."""
        return x.float() * self.scale

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """``(b x c x h x w)`` intensities -> the channel-wise z-score of the training split."""
        return (x - self.mean) / self.std

    def batches(self, part: str, batch_size: int):
        """Yield normalized ``(x, y)`` batches of a split, in order (for evaluation)."""
        x, y = self.parts[part]
        for i in range(0, len(y), batch_size):
            yield self.normalize(self.prepare(x[i:i + batch_size])), y[i:i + batch_size]


@torch.no_grad()
def predict_logits(model: torch.nn.Module, data: DeviceData, part: str, batch_size: int = 1024) -> torch.Tensor:
    """``(n x k)`` float32 logits of ``model`` (put in eval mode) on split ``part``, on the device."""
    model.eval()
    dtype = data.amp
    out = []
    for x, _ in data.batches(part, batch_size):
        if data.device.type == "cuda":
            x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(data.device.type, dtype=dtype, enabled=dtype is not None):
            out.append(model(x).float())
    return torch.cat(out)
