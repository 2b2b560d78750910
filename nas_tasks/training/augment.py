"""Batched data augmentation on tensors, on whatever device the batch lives (no torchvision).

What to apply is an :class:`~nas_tasks.training.config.Augmentation` (re-exported here). All
functions take a batch ``x`` of shape ``(b x c x h x w)`` and a ``torch.Generator`` on the batch's
device, draw every random number in one call per batch and never synchronize with the host, so
they run inside a GPU training loop at full speed.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from nas_tasks.training.config import Augmentation


def augment(x: torch.Tensor, aug: Augmentation, gen: torch.Generator,
            normalize: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """The training view of a batch of ``(b x c x h x w)`` intensities in ``[0, 1]``: random crop
    and flip, then ``normalize`` (the channel-wise z-score), then cutout, as ``aug`` (resolved for
    the image size, :meth:`Augmentation.resolved`) says. Random numbers come from ``gen`` in that
    order, so a seed gives the same batches."""
    if aug.crop:
        x = random_crop(x, aug.padding, gen)
    if aug.flip:
        x = random_flip(x, gen)
    x = normalize(x)
    if aug.cutout:
        x = cutout(x, aug.cutout_size, gen)
    return x


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


__all__ = ["Augmentation", "augment", "cutout", "random_crop", "random_flip"]
