"""Cost objectives (minimize): parameters and FLOPs (millions, NAS-Bench-201's convention) and
latency (milliseconds on the evaluating device), measured on the network the objective is handed.

Counting (:func:`count_parameters`, :func:`count_flops`) works on any ``nn.Module``. A network may
report its own cost the way its search space counts it (:class:`ReportsCost`): the NB201 network
counts the convolutions of dead edges too, as NAS-Bench-201 does
(:meth:`nas_tasks.nb201.network.NB201Network.cost`).

Default reference points: 1.1 x the value of the search space's most expensive network
(:attr:`TaskInfo.costliest_network <nas_tasks.objectives.base.TaskInfo>`), so every architecture
dominates them; for latency, 2 x that network's measured latency (latency is noisy).
"""
from __future__ import annotations

import statistics
import time
from typing import Protocol, runtime_checkable

import numpy as np
import torch

from lamoo.checks import check_int
from lamoo.exceptions import InvalidInputError
from nas_tasks.objectives.base import EvalContext, Objective, TaskInfo


def count_parameters(net: torch.nn.Module) -> float:
    """Trainable parameters of ``net``, in millions (NAS-Bench-201's "params")."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad) / 1e6


def count_flops(net: torch.nn.Module, input_size: int | tuple[int, int] = 32, in_channels: int = 3) -> float:
    """Multiply-accumulates of ``net`` for one ``in_channels x H x W`` image, in millions, as
    counted by ``torch.utils.flop_counter.FlopCounterMode`` (convolutions and matrix products;
    it reports 2 FLOPs per MAC, halved here). Only ops that actually run are counted. The pass
    runs in eval mode, without gradients, on the device of ``net``'s parameters."""
    from torch.utils.flop_counter import FlopCounterMode

    h, w = (input_size, input_size) if np.isscalar(input_size) else input_size
    device = next(net.parameters(), torch.empty(0)).device
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            net(torch.zeros(1, in_channels, int(h), int(w), device=device))
    finally:
        net.train(was_training)
    return counter.get_total_flops() / 2 / 1e6


@runtime_checkable
class ReportsCost(Protocol):
    """A network that reports its own ``(params, flops)`` in millions for ``h x w`` inputs, the
    way its search space counts them."""

    def cost(self, input_size: int | tuple[int, int]) -> tuple[float, float]: ...


def measure_cost(net: torch.nn.Module, image_shape: tuple[int, int, int]) -> tuple[float, float]:
    """``(params, flops)`` in millions of ``net`` for one ``(c, h, w)`` image: the network's own
    report (:class:`ReportsCost`) when it gives one, else :func:`count_parameters` and
    :func:`count_flops`."""
    c, h, w = image_shape
    if isinstance(net, ReportsCost):
        return net.cost((h, w))
    return count_parameters(net), count_flops(net, (h, w), c)


def costliest_network(info: TaskInfo, objective: str) -> torch.nn.Module:
    """``info.costliest_network()``, or a clear error when the task has none."""
    if info.costliest_network is None:
        raise InvalidInputError(f"objective {objective!r} has no default reference point: the task gives no "
                                f"costliest network; pass ref_point")
    return info.costliest_network()


class Params(Objective):
    """Trainable parameters, millions (as the network's search space counts them, see
    :func:`measure_cost`)."""

    name = "params"
    direction = "minimize"
    needs_training = False
    units = "M"

    def value(self, net: torch.nn.Module, info: TaskInfo) -> float:
        return measure_cost(net, info.image_shape)[0]

    def default_ref(self, info: TaskInfo) -> float:
        return 1.1 * self.value(costliest_network(info, self.name), info)

    def ideal(self, info: TaskInfo) -> float:
        return 0.0

    def measure(self, ctx: EvalContext) -> tuple[float, float]:
        v = self.value(ctx.model, ctx.info)
        return v, v


class Flops(Params):
    """Multiply-accumulates for one image, millions (NAS-Bench-201's "FLOPs")."""

    name = "flops"

    def value(self, net: torch.nn.Module, info: TaskInfo) -> float:
        return measure_cost(net, info.image_shape)[1]


class Latency(Objective):
    """Median wall time of one forward pass of a ``batch_size`` batch on the evaluating device,
    in milliseconds, after ``warmup`` untimed passes (``repeats`` timed passes)."""

    name = "latency"
    direction = "minimize"
    needs_training = False
    units = "ms"

    def __init__(self, batch_size: int = 256, warmup: int = 3, repeats: int = 10):
        for n, v, lo in (("batch_size", batch_size, 1), ("warmup", warmup, 0), ("repeats", repeats, 1)):
            check_int(v, f"latency {n}", lo)
        self.batch_size, self.warmup, self.repeats = int(batch_size), int(warmup), int(repeats)

    def params(self) -> dict:
        return {"batch_size": self.batch_size, "warmup": self.warmup, "repeats": self.repeats}

    def key(self, info: TaskInfo) -> str:
        dev = info.device
        where = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"cpu x{torch.get_num_threads()}"
        return super().key(info) + f"@{where}"

    def time_model(self, model: torch.nn.Module, info: TaskInfo) -> float:
        from nas_tasks.training.device import amp_dtype

        dev = info.device
        model = model.to(dev).eval()
        x = torch.randn(self.batch_size, *info.image_shape, device=dev)
        if dev.type == "cuda":
            model = model.to(memory_format=torch.channels_last)
            x = x.contiguous(memory_format=torch.channels_last)
        dtype = amp_dtype(dev)
        times = []
        with torch.no_grad(), torch.autocast(dev.type, dtype=dtype, enabled=dtype is not None):
            for i in range(self.warmup + self.repeats):
                if dev.type == "cuda":
                    torch.cuda.synchronize(dev)
                start = time.perf_counter()
                model(x)
                if dev.type == "cuda":
                    torch.cuda.synchronize(dev)
                if i >= self.warmup:
                    times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000.0

    def default_ref(self, info: TaskInfo) -> float:
        return 2.0 * self.time_model(costliest_network(info, self.name), info)

    def ideal(self, info: TaskInfo) -> float:
        return 0.0

    def measure(self, ctx: EvalContext) -> tuple[float, float]:
        v = self.time_model(ctx.model, ctx.info)
        return v, v
