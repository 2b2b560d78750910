"""Classification accuracy, in percent (maximize)."""
from __future__ import annotations

from nas_tasks.objectives.base import EvalContext, Objective, TaskInfo


class Accuracy(Objective):
    """Top-1 accuracy in percent (0..100), like the NAS-Bench-201 tables. Reference point:
    random guessing, ``100 / classes``."""

    name = "accuracy"
    direction = "maximize"
    units = "%"

    def default_ref(self, info: TaskInfo) -> float:
        return 100.0 / info.num_classes

    def ideal(self, info: TaskInfo) -> float:
        return 100.0

    def measure(self, ctx: EvalContext) -> tuple[float, float]:
        def acc(part):
            return float((ctx.logits(part).argmax(1) == ctx.labels(part)).float().mean()) * 100.0

        return acc("val"), acc("test")
