"""The Markdown of a report's task section: settings, sample efficiency, the ratio
``X / LaMOO(X)``, time, LaMOO's diagnostics and the plot (from a
:func:`~lamoo.bench.summary.task_summary`)."""
from __future__ import annotations

from pathlib import Path

from lamoo.bench.specs import seeds_text
from lamoo.bench.stats import Bounded, ratio
from lamoo.bench.summary import TIME_AT, TIME_WINDOW, lamoo_pairs


def fmt_quantiles(q: list[Bounded], fmt: str) -> str:
    """``[Q1, median, Q3]`` as ``"median [Q1, Q3]"``; ``"n/a"`` without a median."""
    med, lo, hi = q[1], q[0], q[2]
    if med.kind == "?":
        return "n/a"
    return f"{med.format(fmt)} [{lo.format(fmt)}, {hi.format(fmt)}]"


def fmt_gap(q: list[Bounded], floor_log: float) -> str:
    """Quantiles of ``log10(max HV - HV)``; ``"max"`` at the floor (the maximum reached)."""
    def one(b: Bounded) -> str:
        if b.kind == "?":
            return "n/a"
        return "max" if b.value <= floor_log + 1e-9 else f"{b.value:.2f}"

    return f"{one(q[1])} [{one(q[0])}, {one(q[2])}]"


def _sig(value: float) -> str:
    return f"{value:.3g}"


def _fmt_seconds(q: list[Bounded]) -> str:
    return "n/a" if q[1].kind == "?" else _sig(q[1].value)


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table, one line per row."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def task_section(task: str, summary: dict, plot: Path | None) -> list[str]:
    """The lines of one task's section (``plot``: the plot's path relative to the report)."""
    lines = [f"## {task}", ""] + _settings_lines(summary)
    lines += _results_table(summary)
    if any("igd" in s for s in summary["methods"].values()):
        lines += _indicator_table(summary)
    if summary["max_hv"] and lamoo_pairs(summary):
        lines += _ratio_table(summary)
    lines += _time_table(summary)
    if any("lamoo" in s for s in summary["methods"].values()):
        lines += _lamoo_table(summary)
    if plot is not None:
        lines += [f"![{task}: log10(max HV - HV) vs samples]({plot.as_posix()})", ""]
    return lines


def _settings_lines(summary: dict) -> list[str]:
    objs = ", ".join(f"{o['name']} ({'max' if o['direction'] == 'maximize' else 'min'})"
                     for o in summary["objectives"] or [])
    settings = "; ".join(f"budget {b}, batch {q}, n_init {i}" for b, q, i in summary["settings"])
    max_text = (f"{summary['max_hv']:.6g} (known)" if summary["max_known"] else
                f"{summary['max_hv']:.6g} (unknown: the best final hypervolume of all runs stands in)"
                if summary["max_hv"] else "unknown")
    return [f"Objectives: {objs}. Reference point: {summary['ref_point']}. Maximum hypervolume: {max_text}.",
            f"Runs: {settings}; seeds {seeds_text(summary['seeds'])} ({len(summary['seeds'])}).", ""]


def _results_table(summary: dict) -> list[str]:
    has_max, thresholds = bool(summary["max_hv"]), summary["thresholds"]
    header = ["method", "runs", "final HV median [Q1, Q3]"]
    if has_max:
        header += ["final log10(max HV - HV)"] + [f"samples to {t:.1%}" for t in thresholds] + \
                  [f"reached {t:.1%}" for t in thresholds]
    rows = []
    for label, s in summary["methods"].items():
        row = [f"`{label}`", f"{s['n_ok']}" + (f" (+{s['n_failed']} failed)" if s["n_failed"] else ""),
               fmt_quantiles(s["final_hv"], "{:.5g}")]
        if has_max:
            row.append(fmt_gap(s["log_gap"], s["log_gap_floor"]))
            row += [fmt_quantiles(s[f"to_{t}"], "{:g}") for t in thresholds]
            row += [f"{s[f'reached_{t}']}/{s['n_ok']}" for t in thresholds]
        rows.append(row)
    return markdown_table(header, rows) + [""]


def _indicator_table(summary: dict) -> list[str]:
    lines = ["Indicators against the task's exact Pareto front at the end of the budget (lower is better; each "
             "objective scaled to [0, 1] by the front's range; medians [Q1, Q3] over runs): IGD, IGD+ (weakly "
             "Pareto compliant) and the additive epsilon indicator, computed by moocore.", ""]
    rows = [[f"`{label}`"] + [fmt_quantiles(s[name], "{:.4g}") if name in s else "n/a"
                              for name in ("igd", "igd_plus", "epsilon_additive")]
            for label, s in summary["methods"].items()]
    return lines + markdown_table(["method", "IGD", "IGD+", "additive epsilon"], rows) + [""]


def _ratio_table(summary: dict) -> list[str]:
    thresholds = summary["thresholds"]
    lines = ["Sample-efficiency ratio X / LaMOO(X): median samples of X alone over median samples of "
             "LaMOO(X) to reach the threshold (> 1: LaMOO needs fewer). `>`/`<` mark bounds from "
             "censored medians; n/a when both medians are censored.", ""]
    rows = []
    for plain, wrapped in lamoo_pairs(summary):
        a, b = summary["methods"][plain], summary["methods"][wrapped]
        rows.append([f"`{plain}`", f"`{wrapped}`"] +
                    [ratio(a[f"to_{t}"][1], b[f"to_{t}"][1]).format("{:.2f}") for t in thresholds] +
                    [_gap_diff(a, b)])
    return lines + markdown_table(["X", "LaMOO(X)"] + [f"ratio to {t:.1%}" for t in thresholds] +
                                  ["median log10 gap: X - LaMOO(X)"], rows) + [""]


def _gap_diff(a: dict, b: dict) -> str:
    x, y = a["log_gap"][1], b["log_gap"][1]
    if x.kind == "?" or y.kind == "?":
        return "n/a"
    return f"{x.value - y.value:+.2f}"


def _time_table(summary: dict) -> list[str]:
    any_s = next(iter(summary["methods"].values()), None)
    at = any_s["time_at"] if any_s else TIME_AT
    lines = [f"Time (medians over runs, seconds): optimizer time per iteration = mean over the {TIME_WINDOW} "
             f"iterations nearest {at} samples (optimizer calls only: ask, and tell for peers); totals per run; "
             "repeat evals = evaluations of an already evaluated point, paid from the budget (lamoo's driver never "
             "repeats a point; a peer may, on continuous spaces as well as finite ones: Optuna's NSGA-II does).", ""]
    rows = [[f"`{label}`", _fmt_seconds(s["opt_per_iter"]), _fmt_seconds(s["opt_total"]),
             _fmt_seconds(s["eval_total"]), _fmt_seconds(s["wall"]),
             "n/a" if s["duplicates"][1].kind == "?" else f"{s['duplicates'][1].value:g}"]
            for label, s in summary["methods"].items()]
    return lines + markdown_table(["method", f"optimizer s/iter @~{at}", "optimizer s total", "evaluation s total",
                                   "wall s", "repeat evals"], rows) + [""]


def _lamoo_table(summary: dict) -> list[str]:
    lines = ["LaMOO diagnostics (medians over runs of per-run means over LaMOO's iterations): depth of the "
             "region the inner sampler searched, its share of the valid samples, iterations relaxed to a "
             "parent region (too few candidates or in-region points), proposals outside the region "
             "(total per run), leaves of the partition tree.", ""]
    wrapped = [(label, s["lamoo"]) for label, s in summary["methods"].items() if "lamoo" in s]
    rows = [[f"`{label}`", _sig(d["depth"][1].value), f"{d['share'][1].value:.0%}", f"{d['relaxed'][1].value:.0%}",
             f"{d['outside'][1].value:g}", _sig(d["leaves"][1].value)] for label, d in wrapped]
    return lines + markdown_table(["method", "region depth", "region share of samples", "iterations relaxed",
                                   "proposals outside region", "tree leaves"], rows) + [""]
