"""How far a cell trained on the GPU (bf16 autocast) may honestly land from the same cell trained
on the CPU (float32) with the same seed.

Not bit for bit, nor to rounding error: the same seed gives the same initial weights on both, but
CUDA draws the shuffles and augmentations from its own generator (Philox, not the CPU's Mersenne
Twister), so the GPU sees another data order; and any rounding difference (bf16 products, another
thread count, another kernel) is amplified by training until the trained networks differ the way
two data-order seeds do. The honest tolerance is therefore the spread of the CPU fp32 runs that
differ only in their data-order seed: a new run falls within ``mean +- t * sd * sqrt(1 + 1/k)``
with 99% probability (a Student-t prediction interval from ``k`` runs, ``t`` its 0.995 quantile),
never below the metric's resolution (one validation image for accuracy). The same run also
measures, side by side, what that spread is made of: bf16 against fp32 with the same data order
(on the CPU, and on the device), one CPU thread against all, and the device against itself.
"""
from __future__ import annotations

import math
import statistics

T_995 = {1: 63.657, 2: 9.925, 3: 5.841, 4: 4.604, 5: 4.032, 6: 3.707, 7: 3.499, 8: 3.355, 9: 3.250, 10: 3.169}
"""The 0.995 quantile of Student's t by degrees of freedom (more than 10: the value for 10, which
is larger than the true one, so the interval errs wide)."""
TOLERANCE_RULE = ("99% prediction interval of one more CPU fp32 run with another data-order seed: "
                  "t(0.995, k-1) * sd * sqrt(1 + 1/k) over the k CPU fp32 seeds, at least the metric's resolution")


def resolution(metric: str, n_val: int) -> float:
    """The smallest difference a metric can show: one validation image for accuracy (%), else 0."""
    return 100.0 / n_val if metric == "accuracy" and n_val else 0.0


def _values(runs: list[dict], role: str, metric: str) -> dict[int, float]:
    """``{order_seed: value}`` of the successful runs of ``role``."""
    return {r["order_seed"]: r["metrics"][metric] for r in runs
            if r.get("role") == role and "error" not in r and r["metrics"].get(metric) is not None}


def spread(values: list[float], floor: float) -> dict:
    """Mean, sample sd and the 99% prediction half-width of ``values`` (None below two values)."""
    k = len(values)
    if k < 2:
        return {"k": k, "mean": values[0] if values else None, "sd": None, "tolerance": None}
    sd = statistics.stdev(values)
    t = T_995.get(k - 1, T_995[10])
    return {"k": k, "mean": statistics.fmean(values), "sd": sd, "tolerance": max(t * sd * math.sqrt(1 + 1 / k), floor)}


def _pair(runs, what: str, role_a: str, role_b: str, metrics, tolerance: dict) -> dict:
    """``a - b`` per metric over the data-order seeds both roles ran (mean absolute difference when
    several), and whether it is within ``tolerance``."""
    out = {"what": what, "a": role_a, "b": role_b, "diff": {}, "within": {}}
    for m in metrics:
        a, b = _values(runs, role_a, m), _values(runs, role_b, m)
        seeds = sorted(set(a) & set(b))
        if not seeds:
            continue
        diffs = [a[s] - b[s] for s in seeds]
        d = diffs[0] if len(diffs) == 1 else statistics.fmean(abs(x) for x in diffs)
        out["diff"][m] = d
        if tolerance.get(m) is not None:
            out["within"][m] = abs(d) <= tolerance[m]
    return out


def compare(runs: list[dict], metrics) -> dict:
    """The CPU fp32 spread and tolerance per metric, the differences of interest, and a verdict on
    the device run (role ``"device"``) against the CPU fp32 runs."""
    n_val = next((r.get("n_val", 0) for r in runs if "error" not in r), 0)
    cpu = {m: spread(list(_values(runs, "cpu_seed", m).values()), resolution(m, n_val)) for m in metrics}
    tolerance = {m: cpu[m]["tolerance"] for m in metrics}
    pairs = [_pair(runs, "device (auto precision) - CPU fp32, same seed", "device", "cpu_seed", metrics, tolerance),
             _pair(runs, "device fp32 - device auto, same data order (the device's own bf16 effect)", "device_fp32",
                   "device", metrics, tolerance),
             _pair(runs, "device auto, second run - first (run-to-run spread)", "device_repeat", "device", metrics,
                   tolerance),
             _pair(runs, "CPU bf16 - CPU fp32, same data orders (mean |diff|)", "cpu_bf16", "cpu_seed", metrics,
                   tolerance),
             _pair(runs, "CPU fp32 one thread - all threads, same seed", "cpu_1thread", "cpu_seed", metrics, tolerance)]
    verdict, outside = {}, []
    for m in metrics:
        device = list(_values(runs, "device", m).values())
        if not device or cpu[m]["tolerance"] is None:
            verdict[m] = None
            continue
        diff = device[0] - cpu[m]["mean"]
        verdict[m] = {"device": device[0], "cpu_mean": cpu[m]["mean"], "diff": diff,
                      "within": abs(diff) <= cpu[m]["tolerance"]}
        if not verdict[m]["within"]:
            outside.append(m)
    judged = [m for m in metrics if verdict[m] is not None]
    summary = ("not enough runs to judge" if not judged else
               "within tolerance" if not outside else f"outside tolerance: {', '.join(outside)}")
    return {"cpu_fp32": cpu, "tolerance": tolerance, "tolerance_rule": TOLERANCE_RULE, "pairs": pairs,
            "device_vs_cpu_mean": verdict, "summary": summary}
