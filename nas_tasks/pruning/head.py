"""The sparse head and how it is trained: ``features (p) -> masked linear (H, ReLU) -> linear (k)``.

:func:`train_heads` trains ``n`` heads at once, one per genome, on the same features: their
weights are stacked (``n x H x p``...) and their losses summed, so each head's gradient is its own
and each head is trained exactly as if alone (the same initial weights, drawn from ``seed``, and
the same batches for every genome, as MO-EvoPruneDeepTL re-seeds before every fitness evaluation),
only faster. A head's result therefore depends on its genome, the data and the seed, never on
which other genomes share its batch.

:class:`HeadTraining` defaults to the released code's recipe (Keras): Glorot-uniform weights, zero
biases, no bias on the sparse layer; SGD with learning rate 1e-3, Nesterov momentum 0.9 and
time-based decay ``lr / (1 + 1e-6 * step)``; batches of 32 in a fresh random order each epoch; up to
600 epochs, stopped when the epoch's mean training loss has not improved by 1e-5 for 10 epochs;
the weights of the best epoch are kept. (Keras 2.2 keeps the last weights when all 600 epochs run;
here the best epoch's are kept in every case.) :meth:`HeadTraining.preset` ``("fast")`` is a
quicker recipe (Adam) for laptops and tests.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lamoo.checks import check_choice, check_int, check_number
from lamoo.exceptions import InvalidInputError

PRESETS = {
    "mo-evoprune": {},
    "fast": {"optimizer": "adam", "lr": 3e-3, "lr_decay": 0.0, "batch_size": 64, "max_epochs": 200,
             "patience": 10, "min_delta": 1e-4},
}
"""Named training recipes: MO-EvoPruneDeepTL's (the defaults) and a quicker one."""


@dataclass(frozen=True)
class HeadTraining:
    """How every sparse head is trained (see the module docstring; every field is validated).

    Attributes:
        optimizer: ``"sgd"`` or ``"adam"``; lr: its learning rate; momentum, nesterov: SGD's.
        lr_decay: Keras's time-based decay, ``lr / (1 + lr_decay * step)``.
        weight_decay: L2 penalty on the weights (0: none).
        batch_size: samples per step; max_epochs: the most epochs.
        patience, min_delta: stop when the mean training loss has not improved by ``min_delta``
            for ``patience`` epochs (the best epoch's weights are kept).
        hidden_bias: give the sparse layer a bias (the released code has none).
    """

    optimizer: str = "sgd"
    lr: float = 1e-3
    momentum: float = 0.9
    nesterov: bool = True
    lr_decay: float = 1e-6
    weight_decay: float = 0.0
    batch_size: int = 32
    max_epochs: int = 600
    patience: int = 10
    min_delta: float = 1e-5
    hidden_bias: bool = False

    def __post_init__(self):
        check_choice(self.optimizer, "head optimizer", ("sgd", "adam"))
        check_number(self.lr, "head lr", low=0, low_open=True)
        check_number(self.momentum, "head momentum", low=0, high=1)
        for name in ("lr_decay", "weight_decay", "min_delta"):
            check_number(getattr(self, name), f"head {name}", low=0)
        check_int(self.batch_size, "head batch_size", 1)
        check_int(self.max_epochs, "head max_epochs", 1)
        check_int(self.patience, "head patience", 1)
        for name in ("nesterov", "hidden_bias"):
            if not isinstance(getattr(self, name), bool):
                raise InvalidInputError(f"head {name} must be True or False, got {getattr(self, name)!r}")

    @classmethod
    def preset(cls, name: str, **overrides) -> "HeadTraining":
        """A named recipe (:data:`PRESETS`) with ``overrides``."""
        check_choice(name, "head training preset", tuple(PRESETS))
        return replace(cls(**PRESETS[name]), **overrides)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class HeadWeights:
    """``n`` trained heads, stacked.

    Attributes:
        W: ``n x H x p`` sparse-layer weights, masked (zero where the genome switches a
            connection off); b: ``n x H`` its biases or None; V: ``n x k x H``, c: ``n x k``: the
            output layer. epochs: ``(n,)`` epochs each head trained for; loss: ``(n,)`` its best
            mean training loss.
    """

    W: torch.Tensor
    b: torch.Tensor | None
    V: torch.Tensor
    c: torch.Tensor
    epochs: np.ndarray
    loss: np.ndarray

    def __len__(self) -> int:
        return len(self.W)

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """``n x N x H`` sparse-layer activations of ``N x p`` features."""
        h = torch.bmm(x.expand(len(self.W), *x.shape), self.W.transpose(1, 2))
        return torch.relu(h if self.b is None else h + self.b[:, None, :])

    @torch.no_grad()
    def logits(self, x: torch.Tensor, chunk: int = 2048) -> torch.Tensor:
        """``n x N x k`` logits of ``N x p`` features (in chunks of ``chunk`` samples)."""
        out = [torch.bmm(self.hidden(x[i:i + chunk]), self.V.transpose(1, 2)) + self.c[:, None, :]
               for i in range(0, len(x), chunk)]
        return torch.cat(out, dim=1) if out else torch.zeros((len(self), 0, self.V.shape[1]))

    def head(self, i: int) -> "SparseHead":
        """Head ``i`` as a module (``N x p`` features -> ``N x k`` logits)."""
        return SparseHead(self.W[i], None if self.b is None else self.b[i], self.V[i], self.c[i])


class SparseHead(nn.Module):
    """One trained head: ``hidden = relu(W x + b)`` (``W`` masked), ``logits = V hidden + c``."""

    def __init__(self, W, b, V, c):
        super().__init__()
        self.W, self.V, self.c = (nn.Parameter(t.detach().clone(), requires_grad=False) for t in (W, V, c))
        self.b = None if b is None else nn.Parameter(b.detach().clone(), requires_grad=False)

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(F.linear(x, self.W, self.b))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(self.hidden(x), self.V, self.c)


def _glorot(shape, generator) -> torch.Tensor:
    fan_out, fan_in = shape
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return (torch.rand(shape, generator=generator, dtype=torch.float32) * 2 - 1) * limit


class _Run:
    """The state of training ``n`` heads: parameters, optimizer and early-stopping bookkeeping."""

    def __init__(self, masks: torch.Tensor, k: int, config: HeadTraining, seed: int):
        n, h, p = masks.shape
        g = torch.Generator().manual_seed(int(seed))
        dev = masks.device
        self.mask = masks.float()
        self.W = _glorot((h, p), g).to(dev).expand(n, h, p).clone().requires_grad_(True)
        self.V = _glorot((k, h), g).to(dev).expand(n, k, h).clone().requires_grad_(True)
        self.c = torch.zeros((n, k), device=dev, requires_grad=True)
        self.b = torch.zeros((n, h), device=dev, requires_grad=True) if config.hidden_bias else None
        params = [p_ for p_ in (self.W, self.V, self.c, self.b) if p_ is not None]
        if config.optimizer == "sgd":
            self.opt = torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay,
                                       nesterov=config.nesterov and config.momentum > 0)
        else:
            self.opt = torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
        self.config, self.steps = config, 0
        self.best = torch.full((n,), math.inf, device=dev)
        self.wait = torch.zeros(n, dtype=torch.long, device=dev)
        self.active = torch.ones(n, dtype=torch.bool, device=dev)
        self.epochs = np.zeros(n, dtype=np.int64)
        self.saved = [t.detach().clone() for t in params]

    def weights(self, W=None):
        return (self.W if W is None else W) * self.mask

    def step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """One optimizer step of every head on the batch ``x, y``; the heads' mean losses ``(n,)``."""
        n = len(self.W)
        h = torch.bmm(x.expand(n, *x.shape), self.weights().transpose(1, 2))  # n x B x H
        h = torch.relu(h if self.b is None else h + self.b[:, None, :])
        z = torch.bmm(h, self.V.transpose(1, 2)) + self.c[:, None, :]
        _, batch, k = z.shape
        losses = F.cross_entropy(z.reshape(n * batch, k), y.repeat(n), reduction="none").view(n, batch).mean(1)
        for group in self.opt.param_groups:
            group["lr"] = self.config.lr / (1.0 + self.config.lr_decay * self.steps)
        self.opt.zero_grad(set_to_none=True)
        losses.sum().backward()
        self.opt.step()
        self.steps += 1
        return losses.detach()

    def end_epoch(self, epoch: int, mean_loss: torch.Tensor) -> bool:
        """Early-stopping bookkeeping after an epoch; True while some head still trains."""
        improved = self.active & (mean_loss < self.best - self.config.min_delta)
        self.best = torch.where(improved, mean_loss, self.best)
        params = [p_ for p_ in (self.W, self.V, self.c, self.b) if p_ is not None]
        for saved, p_ in zip(self.saved, params):
            saved[improved] = p_.detach()[improved]
        self.wait = torch.where(improved, torch.zeros_like(self.wait), self.wait + self.active.long())
        self.epochs[self.active.cpu().numpy()] = epoch + 1
        self.active &= self.wait < self.config.patience
        return bool(self.active.any())


def train_heads(x: torch.Tensor, y: torch.Tensor, masks, num_classes: int, config: HeadTraining,
                seed: int) -> HeadWeights:
    """Train one head per mask on features ``x`` (``N x p``) and labels ``y`` (``(N,)``, in
    ``0 .. num_classes-1``), on ``x``'s device.

    Args:
        masks: ``n x H x p`` bool connection masks (:meth:`~nas_tasks.pruning.genome.GenomeLayout.masks`).
        config: the recipe; seed: the initial weights and the batch order (the same for every head).
    """
    masks = torch.as_tensor(np.asarray(masks), device=x.device)
    if masks.ndim != 3 or masks.shape[2] != x.shape[1]:
        raise InvalidInputError(f"masks must be n x H x {x.shape[1]} (one column per feature), got {tuple(masks.shape)}")
    run = _Run(masks, num_classes, config, seed)
    order = torch.Generator().manual_seed(int(seed) + 1)
    N, bs = len(y), min(config.batch_size, len(y))
    for epoch in range(config.max_epochs):
        perm = torch.randperm(N, generator=order).to(x.device)
        total = torch.zeros(len(masks), device=x.device)
        for i in range(0, N, bs):
            idx = perm[i:i + bs]
            total += run.step(x[idx], y[idx]) * len(idx)
        if not run.end_epoch(epoch, total / N):
            break
    saved = iter(run.saved)
    W, V, c = next(saved), next(saved), next(saved)
    b = next(saved) if config.hidden_bias else None
    return HeadWeights(W * run.mask, b, V, c, run.epochs.copy(), run.best.cpu().numpy().astype(float))
