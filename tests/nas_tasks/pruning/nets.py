"""Tiny networks for the pruning tests (importable by path: ``tests.nas_tasks.pruning.nets:tiny_cnn``)."""
import torch
from torch import nn


def tiny_cnn(num_classes: int = 5, width: int = 6) -> nn.Module:
    """conv(1 -> width) - ReLU - conv(width -> 2 width) - ReLU - pool - flatten - linear: 2 width features, with
    fixed weights (seed 0), for 1-channel images of any size."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return nn.Sequential(nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.Conv2d(width, 2 * width, 3, stride=2),
                             nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * width, num_classes))


def flat_mlp(num_classes: int = 5) -> nn.Module:
    """A network that only runs on 1 x 8 x 8 images (its first layer takes 64 inputs)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, num_classes))


class LeftRight(nn.Module):
    """Two feature maps: the image's left half and its right half (for Grad-CAM tests)."""

    def forward(self, x):
        w = x.shape[3]
        left = torch.zeros_like(x)
        left[..., : w // 2] = 1
        return torch.cat([x * left, x * (1 - left)], dim=1)


def left_right() -> nn.Module:
    """Features: the mean of the left half and of the right half (no linear layer)."""
    return nn.Sequential(LeftRight(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
