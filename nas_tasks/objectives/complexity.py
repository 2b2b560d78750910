"""Cost objectives (minimize): parameters and FLOPs (millions, NAS-Bench-201's convention, from
the NB201 network builder's own counter) and latency (milliseconds on the evaluating device).

Default reference points: 1.1 x the value of the most expensive cell (every edge
``nor_conv_3x3``) at the task's size, so every cell of the space dominates them; for latency,
2 x that cell's measured latency (latency is noisy).
"""
from __future__ import annotations

import statistics
import time

import numpy as np

from lamoo.checks import check_int
import torch

from nas_tasks.objectives.base import EvalContext, Objective, TaskInfo

MOST_EXPENSIVE_CELL = (3, 3, 3, 3, 3, 3)  # every edge nor_conv_3x3


def _cost(arch, info: TaskInfo) -> tuple[float, float]:
    from nas_tasks.nb201.network import network_cost

    c, h, w = info.image_shape
    return network_cost(np.asarray(arch), input_size=(h, w), num_classes=info.num_classes, channels=info.channels,
                        cells_per_stage=info.cells_per_stage, in_channels=c)


class Params(Objective):
    """Trainable parameters, millions (every edge's op counted, as NAS-Bench-201 does)."""

    name = "params"
    direction = "minimize"
    needs_training = False
    units = "M"

    def value(self, arch, info: TaskInfo) -> float:
        return _cost(arch, info)[0]

    def default_ref(self, info: TaskInfo) -> float:
        return 1.1 * self.value(MOST_EXPENSIVE_CELL, info)

    def ideal(self, info: TaskInfo) -> float:
        return 0.0

    def measure(self, ctx: EvalContext) -> tuple[float, float]:
        v = self.value(ctx.arch, ctx.info)
        return v, v


class Flops(Params):
    """Multiply-accumulates for one image, millions (NAS-Bench-201's "FLOPs")."""

    name = "flops"

    def value(self, arch, info: TaskInfo) -> float:
        return _cost(arch, info)[1]


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
        from nas_tasks.training.loop import amp_dtype

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
        from nas_tasks.nb201.network import build_network

        c = info.image_shape[0]
        net = build_network(MOST_EXPENSIVE_CELL, info.channels, info.cells_per_stage, info.num_classes, c)
        return 2.0 * self.time_model(net, info)

    def ideal(self, info: TaskInfo) -> float:
        return 0.0

    def measure(self, ctx: EvalContext) -> tuple[float, float]:
        v = self.time_model(ctx.model, ctx.info)
        return v, v
