"""The numbers of a report, per task and method, from run records.

Per method: quantiles over seeds of the final hypervolume, of the final gap ``max HV - HV``,
of the final IGD, IGD+ and additive epsilon (tasks with a known exact front),
of the samples needed to reach each threshold fraction of the maximum hypervolume (censored
runs handled as in :mod:`lamoo.bench.stats`), of optimizer time per iteration near
:data:`TIME_AT` samples, of the run's totals, and LaMOO's diagnostics. Every quantile is a list
``[Q1, median, Q3]`` of :class:`~lamoo.bench.stats.Bounded`.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from lamoo.bench.methods import MethodPlan, inner_label
from lamoo.bench.stats import Bounded, censored_quantiles, quantiles, samples_to_reach
from lamoo.indicators import INDICATORS

THRESHOLDS = (0.99, 0.999)
TIME_AT = 200  # samples at which optimizer time per iteration is reported
TIME_WINDOW = 5  # iterations averaged around it
GAP_FLOOR = 1e-12  # relative to the maximum hypervolume: a gap this small counts as the maximum reached


def floored_log10_gap(max_hv: float, hv: float) -> float:
    """``log10(max_hv - hv)``, floored at ``GAP_FLOOR * max_hv``: one run's final gap as the report,
    ``runs.csv`` and the paired comparisons read it."""
    return float(np.log10(max(max_hv - hv, GAP_FLOOR * max_hv)))


def method_order(runs: list[dict]) -> list[str]:
    """The method labels of ``runs``: samplers alone then wrapped, family by family (``random``
    first), then the peers."""
    def key(label: str):
        plan = next(r["method_plan"] for r in runs if r["method"] == label)
        family = plan.get("sampler") or plan.get("peer") or label
        kind = {"sampler": 0, "lamoo": 1, "peer": 2}.get(plan["kind"], 3)
        return (kind == 2, family != "random", family, kind, label)

    return sorted({r["method"] for r in runs}, key=key)


def task_summary(runs: list[dict], thresholds=THRESHOLDS) -> dict:
    """Numbers of one task's runs: ``methods`` (label -> :func:`method_stats`, in
    :func:`method_order`), ``max_hv`` (the known maximum, else the best final hypervolume of
    all runs), ``max_known``, ``budget``, ``thresholds``, ``ref_point``, ``objectives``,
    ``settings`` (sorted ``(budget, batch_size, n_init)``) and ``seeds``."""
    ok = [r for r in runs if r.get("status") == "ok"]
    max_known = next((r["max_hypervolume"] for r in ok if r.get("max_hypervolume")), None)
    max_hv = max_known if max_known else max((max(r["hypervolume_trace"], default=0.0) for r in ok), default=None)
    budget = max((r["budget"] for r in runs), default=0)
    out = {"max_hv": max_hv, "max_known": bool(max_known), "budget": budget, "methods": {},
           "thresholds": tuple(thresholds),
           "ref_point": ok[0]["ref_point"] if ok else None, "objectives": ok[0]["objectives"] if ok else None,
           "settings": sorted({(r["budget"], r["batch_size"], r["n_init"]) for r in runs}),
           "seeds": sorted({r["seed"] for r in runs}),
           "constraints": ok[0].get("constraints") if ok else None}
    by_method = defaultdict(list)
    for r in runs:
        by_method[r["method"]].append(r)
    for label in method_order(runs):
        out["methods"][label] = method_stats(by_method[label], max_hv, budget, thresholds)
    return out


def method_stats(runs: list[dict], max_hv: float | None, budget: int, thresholds=THRESHOLDS) -> dict:
    """One method's numbers over its runs (see the module docstring): ``n_ok``, ``n_failed``,
    ``plan``, ``final_hv``; with a maximum: ``log_gap``, ``log_gap_floor``, ``to_<t>`` and
    ``reached_<t>`` per threshold; ``time_at``, ``opt_per_iter``, ``opt_total``,
    ``eval_total``, ``wall``, ``duplicates``; ``igd``, ``igd_plus`` and ``epsilon_additive``
    (final values) when the task knows its exact front; ``lamoo`` for LaMOO runs."""
    ok = [r for r in runs if r.get("status") == "ok"]
    s = {"n_ok": len(ok), "n_failed": len(runs) - len(ok), "plan": runs[0]["method_plan"],
         "final_hv": quantiles([r["final_hypervolume"] for r in ok])}
    if max_hv:
        s.update(_threshold_stats(ok, max_hv, thresholds))
    target = min(TIME_AT, budget)
    s["time_at"] = target
    s["opt_per_iter"] = quantiles([v for v in (optimizer_seconds_near(r, target) for r in ok) if v is not None])
    s["opt_total"] = quantiles([r["timing"]["optimizer_seconds"] for r in ok])
    s["eval_total"] = quantiles([r["timing"]["evaluation_seconds"] for r in ok])
    s["wall"] = quantiles([r["wall_seconds"] for r in ok])
    s["duplicates"] = quantiles([r.get("n_duplicates", 0) for r in ok])
    if any("n_feasible" in r for r in ok):  # constrained runs: their hypervolumes count feasible points only
        s["n_feasible"] = quantiles([r["n_feasible"] for r in ok])
        firsts = [r.get("first_feasible") for r in ok]
        s["first_feasible"] = censored_quantiles([budget if f is None else f for f in firsts],
                                                 [f is None for f in firsts])
    for name in INDICATORS:
        values = [r["indicators"][name] for r in ok if (r.get("indicators") or {}).get(name) is not None]
        if values:
            s[name] = quantiles(values)
    probes = [r["lamoo"] for r in ok if r.get("lamoo")]
    if probes:
        s["lamoo"] = lamoo_stats(probes)
    return s


def _threshold_stats(ok: list[dict], max_hv: float, thresholds) -> dict:
    floor = GAP_FLOOR * max_hv
    # quantiles of the gap itself, then the log: the log of an exact 0 gap would swamp an average
    s = {"log_gap": [q if q.kind == "?" else Bounded(float(np.log10(max(q.value, floor))))
                     for q in quantiles([max_hv - r["final_hypervolume"] for r in ok])],
         "log_gap_floor": float(np.log10(floor))}
    for t in thresholds:
        hits = [samples_to_reach(r["hypervolume_trace"], t * max_hv) for r in ok]
        s[f"to_{t}"] = censored_quantiles([h[0] for h in hits], [h[1] for h in hits])
        s[f"reached_{t}"] = sum(not h[1] for h in hits)
    return s


def lamoo_stats(probes: list[list[dict]]) -> dict:
    """Quantiles over runs of per-run means of LaMOO's diagnostics (one list of
    :class:`~lamoo.bench.probe.LamooProbe` records per run): ``depth``, ``share`` (of the valid
    samples in the region), ``relaxed`` (fraction of iterations), ``outside`` (total per run),
    ``leaves``."""
    return {
        "depth": quantiles([np.mean([p["depth"] for p in recs]) for recs in probes]),
        "share": quantiles([np.mean([p["region_members"] / max(p["n_valid"], 1) for p in recs]) for recs in probes]),
        "relaxed": quantiles([np.mean([p["relaxed"] > 0 for p in recs]) for recs in probes]),
        "outside": quantiles([sum(p["n_outside"] for p in recs) for recs in probes]),
        "leaves": quantiles([np.mean([p["tree_leaves"] for p in recs]) for recs in probes]),
    }


def optimizer_seconds_near(run: dict, target: int) -> float | None:
    """Mean optimizer seconds of the (up to) :data:`TIME_WINDOW` iterations after the initial
    design whose sample counts are closest to ``target``."""
    its = run["timing"]["iterations"][1:]
    if not its:
        return None
    its = sorted(its, key=lambda it: abs(it["n_evaluated"] - target))[:TIME_WINDOW]
    return float(np.mean([it["optimizer_seconds"] for it in its]))


def lamoo_pairs(summary: dict) -> list[tuple[str, str]]:
    """``(X, lamoo-X...)`` label pairs present in a task summary (same inner sampler options)."""
    labels = summary["methods"]
    pairs = []
    for label, s in labels.items():
        inner = inner_label(MethodPlan.from_dict(s["plan"]))
        if inner is not None and inner in labels:
            pairs.append((inner, label))
    return pairs
