"""Batched data augmentation on tensors, on whatever device the batch lives (no torchvision).

All functions take a batch ``x`` of shape ``(b x c x h x w)`` and a ``torch.Generator`` on the
batch's device, draw every random number in one call per batch and never synchronize with the
host, so they run inside a GPU training loop at full speed.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Augmentation:
    """Which augmentations to apply (XNAS appendix B). ``padding=None`` / ``cutout=None`` mean
    the image-size defaults ``ceil(h / 8)`` and ``2 * ceil(h / 8)``; ``0`` switches them off."""

    crop: bool = True
    padding: int | None = None
    flip: bool = True
    cutout: bool = True
    cutout_size: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def none(cls) -> "Augmentation":
        return cls(crop=False, flip=False, cutout=False)

    @classmethod
    def default_for(cls, dataset: str) -> "Augmentation":
        """Per-dataset defaults: no horizontal flips for digits (a flipped 2 is no digit)."""
        return cls(flip=dataset not in ("digits", "mnist"))

    def resolved(self, h: int) -> "Augmentation":
        pad = math.ceil(h / 8) if self.padding is None else int(self.padding)
        size = 2 * math.ceil(h / 8) if self.cutout_size is None else int(self.cutout_size)
        return Augmentation(self.crop and pad > 0, pad, self.flip, self.cutout and size > 0, size)


def random_crop(x: torch.Tensor, padding: int, gen: torch.Generator) -> torch.Tensor:
    """Zero-pad by ``padding`` on each side, then crop back to ``h x w`` at a random offset per image."""
    b, c, h, w = x.shape
    xp = F.pad(x, (padding, padding, padding, padding))
    offsets = torch.randint(0, 2 * padding + 1, (2, b), device=x.device, generator=gen)
    rows = (offsets[0][:, None] + torch.arange(h, device=x.device))[:, None, :, None]  # b x 1 x h x 1
    cols = (offsets[1][:, None] + torch.arange(w, device=x.device))[:, None, None, :]  # b x 1 x 1 x w
    bi = torch.arange(b, device=x.device)[:, None, None, None]
    ci = torch.arange(c, device=x.device)[None, :, None, None]
    return xp[bi, ci, rows, cols]


def random_flip(x: torch.Tensor, gen: torch.Generator, p: float = 0.5) -> torch.Tensor:
    """Mirror each image left-right with probability ``p``."""
    flip = torch.rand(x.shape[0], device=x.device, generator=gen) < p
    return torch.where(flip[:, None, None, None], x.flip(3), x)


def cutout(x: torch.Tensor, size: int, gen: torch.Generator) -> torch.Tensor:
    """Zero a ``size x size`` square (clipped at the borders) centred anywhere in each image
    (DeVries and Taylor, 2017)."""
    b, _, h, w = x.shape
    cy = torch.randint(0, h, (b,), device=x.device, generator=gen)
    cx = torch.randint(0, w, (b,), device=x.device, generator=gen)
    ys = torch.arange(h, device=x.device)[None, :]
    xs = torch.arange(w, device=x.device)[None, :]
    lo, hi = size // 2, size - size // 2
    in_y = (ys >= (cy[:, None] - lo)) & (ys < (cy[:, None] + hi))  # b x h
    in_x = (xs >= (cx[:, None] - lo)) & (xs < (cx[:, None] + hi))  # b x w
    mask = in_y[:, :, None] & in_x[:, None, :]
    return x.masked_fill(mask[:, None], 0.0)
