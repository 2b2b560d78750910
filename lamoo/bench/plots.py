"""The report's plot per task: ``log10(max HV - HV)`` against samples, the median line and the
interquartile band of each method (one colour per sampler family; dashed alone, solid in LaMOO,
dotted for peers), with the threshold levels marked."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from lamoo.bench.stats import pad_trace
from lamoo.bench.summary import GAP_FLOOR

_KIND_STYLES = {"sampler": "--", "lamoo": "-", "peer": ":"}
_VARIANT_STYLES = ["-.", (0, (5, 1)), (0, (1, 1))]  # further variants of one family and kind


def gap_quantiles(traces: list, max_hv: float, budget: int) -> np.ndarray:
    """``(3 x budget)``: log10 of Q1, median and Q3 over runs of ``max_hv - HV`` after each
    sample (quantiles of the gap, then the log, as in the tables; floored at
    ``GAP_FLOOR * max_hv``); ``traces`` are hypervolume traces, padded to ``budget``."""
    gaps = max_hv - np.vstack([pad_trace(t, budget) for t in traces])
    return np.log10(np.maximum(np.percentile(gaps, [25, 50, 75], axis=0), GAP_FLOOR * max_hv))


class _Styles:
    """Colour by family (sampler or peer name), line style by kind, in order of appearance."""

    def __init__(self):
        self.families: dict[str, int] = {}
        self.seen: dict[tuple, int] = defaultdict(int)

    def __call__(self, label: str, plan: dict) -> tuple[str, object]:
        family = plan.get("sampler") or plan.get("peer") or label
        color = f"C{self.families.setdefault(family, len(self.families)) % 10}"
        variant = self.seen[(family, plan["kind"])]
        self.seen[(family, plan["kind"])] += 1
        style = _KIND_STYLES.get(plan["kind"], "-") if variant == 0 else _VARIANT_STYLES[variant % 3]
        return color, style


def plot_task(task: str, runs: list[dict], summary: dict, path: Path) -> Path | None:
    """Write the plot of one task's ``runs`` (:func:`task_figure`) to ``path`` (PNG); None
    (nothing written) when the task has no maximum hypervolume."""
    fig = task_figure(task, runs, summary)
    if fig is None:
        return None
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def task_figure(task: str, runs: list[dict], summary: dict):
    """The matplotlib ``Figure`` of one task's ``runs`` (see the module docstring), or None when
    the task has no maximum hypervolume."""
    max_hv = summary["max_hv"]
    if not max_hv:
        return None
    from lamoo.plotting import pyplot

    plt = pyplot()

    budget = summary["budget"]
    x = np.arange(1, budget + 1)
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    styles = _Styles()
    for label, s in summary["methods"].items():
        traces = [r["hypervolume_trace"] for r in runs if r["method"] == label and r.get("status") == "ok"]
        if not traces:
            continue
        q1, med, q3 = gap_quantiles(traces, max_hv, budget)
        color, style = styles(label, s["plan"])
        ax.plot(x, med, color=color, ls=style, lw=1.6, label=f"{label} (n={len(traces)})")
        ax.fill_between(x, q1, q3, color=color, alpha=0.15, lw=0)
    for t in summary["thresholds"]:
        ax.axhline(np.log10((1 - t) * max_hv), color="0.5", lw=0.8, ls=(0, (2, 3)))
        ax.text(budget, np.log10((1 - t) * max_hv), f" {t:.1%}", va="center", ha="left", fontsize=7, color="0.4")
    ax.set_xlabel("samples (evaluations)")
    ax.set_ylabel("log10(max HV - HV) ↓")
    known = "" if summary["max_known"] else " (max: best of all runs)"
    ax.set_title(f"{task}: median and interquartile range{known}")
    ax.legend(fontsize=7, loc="upper right", ncol=2 if len(summary["methods"]) > 6 else 1)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
