"""The NAS-Bench-201 network in PyTorch, and its parameter and FLOP counts.

Macro skeleton (NAS-Bench-201's ``TinyNetwork``), for ``C`` channels and ``N`` cells per stage::

    stem:    Conv3x3(in_channels -> C) + BN
    cells:   N cells (C)  | reduction (C -> 2C, /2) | N cells (2C) | reduction (2C -> 4C, /2) | N cells (4C)
    lastact: BN + ReLU;   global average pooling;   classifier: Linear(4C -> num_classes)

``net.cells`` holds all ``3N + 2`` blocks in that order, as in NAS-Bench-201: the reduction
blocks are at positions ``net.reduction_indices == (N, 2N + 1)``. Module names are laid out like
NAS-Bench-201's ``TinyNetwork`` (``stem.0``, ``cells.0.layers.3.op.1``, ``cells.5.conv_a.op.1``,
``cells.5.downsample.1``, ``lastact.0``, ``classifier``) so that its state dicts should load; no
real benchmark weights were available offline to confirm it. A
reduction block is a residual block: ReLU-Conv3x3(stride 2)-BN, ReLU-Conv3x3-BN, plus a shortcut of
2x2 average pooling and a 1x1 convolution. Cell ops are ReLU-Conv-BN with SAME padding
(``nor_conv_1x1``, ``nor_conv_3x3``), 3x3 average pooling (stride 1, padding 1, padding not
counted), identity (``skip_connect``) and zero (``none``).

Hooks for feature extraction: ``net.forward_features(x)`` returns every intermediate output by
name (:attr:`NB201Network.feature_names`: ``"stem"``, ``"cells.0"`` .. ``"cells.{3N+1}"``,
``"pooled"``), or register forward hooks on the named submodules ``net.stem``, ``net.cells[i]``
(``net.named_blocks()`` lists them) and ``net.global_pooling`` (its output is ``B x 4C x 1 x 1``;
``"pooled"`` is that flattened, after ``lastact``).

Disconnected and partly dead cells: an edge that leaves a *dead* node (one that no non-``none``
path reaches from the cell input, see :func:`~nas_tasks.nb201.encoding.live_nodes`) contributes an
exact zero and its op is not run, so a disconnected cell's output is exactly zero. (NAS-Bench-201
runs those ops on a zero tensor, which yields an input-independent constant, the BN bias.) The
modules of dead edges still exist, so parameter counts match NAS-Bench-201.

Counting (:func:`network_cost`, :meth:`NB201Network.cost`, with the generic counters
:func:`~nas_tasks.objectives.complexity.count_parameters` and
:func:`~nas_tasks.objectives.complexity.count_flops`, re-exported here): parameters are
all trainable parameters (BN included), in millions; FLOPs are the multiply-accumulates of the
convolutions and the classifier's matrix product, in millions, for one image, measured with
``torch.utils.flop_counter.FlopCounterMode`` (which counts 2 per MAC; halved here). That is what
NAS-Bench-201 reports: cell ``|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|
skip_connect~1|skip_connect~2|`` on CIFAR-10 (32x32, 10 classes) has 0.129306 M parameters and
15.64736 MFLOPs. :func:`network_cost` counts dead edges' convolutions too, as NAS-Bench-201 does.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

import numpy as np

from lamoo.checks import check_int
import torch
from torch import nn

from nas_tasks.nb201.encoding import EDGES, NONE, NUM_EDGES, OPS, SKIP, check_codes, decode, encode, live_nodes
from nas_tasks.objectives.complexity import count_flops, count_parameters


class ReLUConvBN(nn.Module):
    """ReLU -> Conv2d (no bias, SAME padding for odd kernels) -> BatchNorm2d, held in ``op``."""

    def __init__(self, c_in: int, c_out: int, kernel_size: int, stride: int = 1):
        super().__init__()
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel_size, stride=stride, padding=kernel_size // 2, bias=False),
            nn.BatchNorm2d(c_out),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class AvgPool3x3(nn.Module):
    """The ``avg_pool_3x3`` op: 3x3 average pooling, stride 1, padding not counted, in ``op``."""

    def __init__(self):
        super().__init__()
        self.op = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class Zero(nn.Module):
    """The ``none`` op: zeros shaped like the input."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(x)


def make_op(op: str, channels: int) -> nn.Module:
    """A cell edge's op for ``channels`` in and out (stride 1, same spatial size)."""
    if op == "none":
        return Zero()
    if op == "skip_connect":
        return nn.Identity()
    if op == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1)
    if op == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3)
    if op == "avg_pool_3x3":
        return AvgPool3x3()
    raise ValueError(f"unknown NB201 op {op!r}; ops are {list(OPS)}")


class NB201Cell(nn.Module):
    """A normal cell: node ``j`` is the sum of ``op_e(node_i)`` over its edges ``e = j <- i``;
    the output is node 3. ``layers[k]`` is the op of edge ``k`` in encoding order
    (:data:`~nas_tasks.nb201.encoding.EDGE_NAMES`). Input and output: ``B x C x H x W``."""

    def __init__(self, codes: Sequence[int], channels: int):
        super().__init__()
        self.codes = tuple(int(c) for c in check_codes(codes)[0])
        self.channels = channels
        self.layers = nn.ModuleList(make_op(OPS[c], channels) for c in self.codes)
        alive = live_nodes(self.codes)[0]
        self.is_connected = bool(alive[-1])
        # per node j >= 1: the (edge index, source node) pairs that carry a signal
        self._inputs = [[(k, i) for k, (to, i) in enumerate(EDGES) if to == j and self.codes[k] != NONE and alive[i]]
                        for j in (1, 2, 3)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for inputs in self._inputs:
            terms = [self.layers[k](nodes[i]) for k, i in inputs]
            nodes.append(sum(terms[1:], terms[0]) if terms else None)  # None: a dead node
        return nodes[-1] if nodes[-1] is not None else torch.zeros_like(x)

    def extra_repr(self) -> str:
        return f"arch={decode(self.codes)!r}, channels={self.channels}"


class ReductionBlock(nn.Module):
    """NAS-Bench-201's residual reduction block (``ResNetBasicblock`` with stride 2):
    ``conv_b(conv_a(x)) + downsample(x)``; ``B x C_in x H x W -> B x C_out x ceil(H/2) x ceil(W/2)``.
    The shortcut's pooling uses ``ceil_mode`` so odd sizes (MNIST's 7x7) work; even sizes are
    unaffected."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride=2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(kernel_size=2, stride=2, padding=0, ceil_mode=True),
            nn.Conv2d(c_in, c_out, kernel_size=1, stride=1, padding=0, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_b(self.conv_a(x)) + self.downsample(x)


class NB201Network(nn.Module):
    """The NAS-Bench-201 network for one cell (see the module docstring for the layout).

    ``forward(x)``: ``B x in_channels x H x W`` images -> ``B x num_classes`` logits.

    Attributes:
        arch: the cell's arch string; ``codes``: its ``(6,)`` encoding as a tuple.
        stem, cells, lastact, global_pooling, classifier: the submodules, in order.
        reduction_indices: positions of the two reduction blocks in ``cells``.
        cell_indices: positions of the ``3N`` normal cells in ``cells``.
        feature_names: the keys of :meth:`forward_features`.
    """

    def __init__(self, codes: Sequence[int], channels: int = 16, cells_per_stage: int = 5, num_classes: int = 10,
                 in_channels: int = 3):
        super().__init__()
        for name, value in (("channels", channels), ("cells_per_stage", cells_per_stage),
                            ("num_classes", num_classes), ("in_channels", in_channels)):
            check_int(value, name, 1)
        self.codes = tuple(int(c) for c in check_codes(codes)[0])
        self.arch = decode(self.codes)
        self.channels, self.cells_per_stage = int(channels), int(cells_per_stage)
        self.num_classes, self.in_channels = int(num_classes), int(in_channels)
        C, N = self.channels, self.cells_per_stage
        self.stem = nn.Sequential(nn.Conv2d(in_channels, C, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(C))
        blocks: list[nn.Module] = []
        c_prev = C
        for stage, c in enumerate((C, 2 * C, 4 * C)):
            if stage > 0:
                blocks.append(ReductionBlock(c_prev, c))
            blocks.extend(NB201Cell(self.codes, c) for _ in range(N))
            c_prev = c
        self.cells = nn.ModuleList(blocks)
        self.reduction_indices = (N, 2 * N + 1)
        self.cell_indices = tuple(i for i in range(len(blocks)) if i not in self.reduction_indices)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c_prev), nn.ReLU(inplace=False))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)
        self.feature_names = ("stem",) + tuple(f"cells.{i}" for i in range(len(blocks))) + ("pooled",)

    @property
    def is_connected(self) -> bool:
        """False for a disconnected cell: the network's output then does not depend on its input."""
        return self.cells[0].is_connected

    def named_blocks(self) -> list[tuple[str, nn.Module]]:
        """``[("stem", stem), ("cells.0", cells[0]), ...]``: the modules whose outputs
        :meth:`forward_features` returns (names as in ``named_modules()``)."""
        return [("stem", self.stem)] + [(f"cells.{i}", c) for i, c in enumerate(self.cells)]

    def forward_features(self, x: torch.Tensor) -> tuple["OrderedDict[str, torch.Tensor]", torch.Tensor]:
        """Run the network and return ``(features, logits)``: ``features`` maps each of
        :attr:`feature_names` to its output (``"pooled"``: ``B x 4C``), ``logits`` is
        ``B x num_classes``."""
        feats: OrderedDict[str, torch.Tensor] = OrderedDict()
        h = feats["stem"] = self.stem(x)
        for i, block in enumerate(self.cells):
            h = feats[f"cells.{i}"] = block(h)
        pooled = feats["pooled"] = self.global_pooling(self.lastact(h)).flatten(1)
        return feats, self.classifier(pooled)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stem(x)
        for block in self.cells:
            h = block(h)
        return self.classifier(self.global_pooling(self.lastact(h)).flatten(1))

    def cost(self, input_size: int | tuple[int, int] = 32) -> tuple[float, float]:
        """``(params, flops)`` in millions for ``H x W`` inputs, as NAS-Bench-201 reports them
        (:func:`network_cost`: dead edges' convolutions counted too); the cost objectives read it
        (:class:`~nas_tasks.objectives.complexity.ReportsCost`)."""
        return network_cost(self.codes, input_size=input_size, num_classes=self.num_classes, channels=self.channels,
                            cells_per_stage=self.cells_per_stage, in_channels=self.in_channels)


def build_network(arch: str | Sequence[int] | np.ndarray, channels: int = 16, cells_per_stage: int = 5,
                  num_classes: int = 10, in_channels: int = 3) -> NB201Network:
    """The NAS-Bench-201 network for ``arch`` (an arch string or ``(6,)`` codes).

    NAS-Bench-201 itself uses ``channels=16, cells_per_stage=5``; ``num_classes`` is 10 for
    CIFAR-10, 100 for CIFAR-100 and 120 for ImageNet16-120. Any input size works (global pooling);
    it only matters for FLOPs. Weights are PyTorch's default initialisation, drawn from torch's
    global generator: seed it (``torch.manual_seed``) for reproducible weights."""
    codes = encode(arch) if isinstance(arch, str) else check_codes(arch, "arch codes")[0]
    return NB201Network(codes, channels, cells_per_stage, num_classes, in_channels)


def cost_representative(codes) -> np.ndarray:
    """The cell with the same params and FLOPs as ``codes`` whose every edge is live:
    ``none`` edges become ``skip_connect`` (neither has parameters or FLOPs). ``(6,)`` int64."""
    c = check_codes(codes)[0].copy()
    c[c == NONE] = SKIP
    return c


def network_cost(arch: str | Sequence[int] | np.ndarray, *, input_size: int | tuple[int, int] = 32,
                 num_classes: int = 10, channels: int = 16, cells_per_stage: int = 5,
                 in_channels: int = 3) -> tuple[float, float]:
    """``(params, flops)`` in millions of the NB201 network for ``arch``, as NAS-Bench-201
    reports them (every edge's op counted, even on dead paths). Builds the network of
    :func:`cost_representative` (no dead edges) and counts it with
    :func:`~nas_tasks.objectives.complexity.count_parameters` and
    :func:`~nas_tasks.objectives.complexity.count_flops`. For many cells use
    :func:`nas_tasks.nb201.cost.params_flops` (cached)."""
    codes = encode(arch) if isinstance(arch, str) else check_codes(arch, "arch codes")[0]
    net = NB201Network(cost_representative(codes), channels, cells_per_stage, num_classes, in_channels)
    return count_parameters(net), count_flops(net, input_size, in_channels)


__all__ = ["AvgPool3x3", "NB201Cell", "NB201Network", "ReLUConvBN", "ReductionBlock", "Zero", "build_network", "count_flops",
           "count_parameters", "cost_representative", "make_op", "network_cost", "NUM_EDGES"]
