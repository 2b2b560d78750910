"""Issue 12's targets for LaMOO(X) against X, read from ``lamoo bench`` results folders.

For every pair ``X`` / ``lamoo-X[:options]`` of the folder and every task: the ratio of median
samples to the task's threshold (X over LaMOO(X); 99% of the maximum hypervolume on the NB201
tasks, 90% elsewhere, as the issue specifies), the difference of median final
``log10(max HV - HV)`` (X minus LaMOO(X): negative means LaMOO ends worse), and whether both
targets hold: ratio >= 0.9 and difference >= -0.05. Censored medians give bounds (``>``, ``<``) as
in ``lamoo bench-report``; when both medians are censored the ratio is n/a and only the gap
decides. Per pair: the tasks meeting both targets and the geometric mean of the ratios over the
NB201 tasks (the issue asks for >= 2 for random search and qEHVI).

    python -m benchmarks.lamoo_targets benchmarks/results/lamoo-policy [MORE_FOLDERS ...] [--out TARGETS.md]

Several folders are read as one (a run, by task, method and seed, may be in only one of them).

Run from the repository root (``benchmarks`` is not installed).
"""
from __future__ import annotations

import argparse
import math
from collections import defaultdict
from pathlib import Path

from lamoo.bench.records import load_runs
from lamoo.bench.specs import parse_seeds
from lamoo.exceptions import InvalidInputError
from lamoo.bench.stats import Bounded, ratio
from lamoo.bench.summary import lamoo_pairs, task_summary

MIN_RATIO = 0.9
MAX_GAP_LOSS = 0.05


def threshold_of(task: str) -> float:
    """99% on the NB201 tasks, 90% elsewhere."""
    return 0.99 if task.startswith("nb201-") else 0.9


def load_all(folders, seeds=None, loader=load_runs) -> list[dict]:
    """The run records of every folder, as ``loader`` reads a folder (only those of ``seeds`` when
    given); :class:`InvalidInputError` when one run (task, method, seed) is in two of them."""
    runs, seen = [], {}
    for folder in folders:
        for run in loader(folder):
            if seeds is not None and run["seed"] not in seeds:
                continue
            key = (run["task"], run["method"], run["seed"])
            if key in seen:
                raise InvalidInputError(f"run {key} is in two folders: {seen[key]} and {run['_path']}")
            seen[key] = run["_path"]
            runs.append(run)
    return runs


def pair_cells(folders, seeds=None) -> dict:
    """``{(X, LaMOO(X)): {task: (ratio Bounded, gap difference or None, number of seeds)}}`` for every
    pair of the folders' runs (of ``seeds`` only, when given), each computed on the seeds both
    methods have."""
    by_task = defaultdict(list)
    for run in load_all(folders, seeds):
        by_task[run["task"]].append(run)
    cells: dict = defaultdict(dict)
    for task in sorted(by_task):
        t = threshold_of(task)
        runs = by_task[task]
        for plain, wrapped in lamoo_pairs(task_summary(runs, thresholds=(t,))):
            shared = set.intersection(*({r["seed"] for r in runs if r["method"] == m} for m in (plain, wrapped)))
            common = [r for r in runs if r["method"] in (plain, wrapped) and r["seed"] in shared]
            methods = task_summary(common, thresholds=(t,))["methods"]
            a, b = methods[plain], methods[wrapped]
            x, y = a["log_gap"][1], b["log_gap"][1]
            gap = None if "?" in (x.kind, y.kind) else x.value - y.value
            cells[(plain, wrapped)][task] = (ratio(a[f"to_{t}"][1], b[f"to_{t}"][1]), gap, len(shared))
    return cells


def meets(r: Bounded, gap: float | None) -> bool | None:
    """Both targets: True, False, or None when a bound leaves the ratio undecided."""
    if gap is not None and gap < -MAX_GAP_LOSS:
        return False
    if r.kind == "?":
        return None if gap is None else True  # both censored: only the gap decides
    if r.kind == "<" and r.value < MIN_RATIO:
        return False
    if r.kind == ">" and r.value < MIN_RATIO or r.kind == "<":
        return None
    return r.value >= MIN_RATIO


def geometric_mean(ratios: list[Bounded]) -> Bounded:
    """The geometric mean, a lower (upper) bound when some ratios are; unknown when mixed."""
    if not ratios or any(r.kind == "?" for r in ratios):
        return Bounded(math.nan, "?")
    kinds = {r.kind for r in ratios} - {"="}
    if len(kinds) > 1:
        return Bounded(math.nan, "?")
    value = math.exp(sum(math.log(r.value) for r in ratios) / len(ratios))
    return Bounded(value, kinds.pop() if kinds else "=")


def table(cells: dict) -> list[str]:
    """A markdown table: one row per pair, one column per task, then the counts."""
    tasks = sorted({task for per in cells.values() for task in per})
    lines = ["| X | LaMOO(X) | " + " | ".join(f"{t} ({threshold_of(t):.0%})" for t in tasks) +
             " | NB201 geo-mean | tasks meeting both | seeds |",
             "|---|---|" + "---|" * (len(tasks) + 3)]
    for (plain, wrapped), per in cells.items():
        row, verdicts = [f"`{plain}`", f"`{wrapped}`"], []
        for task in tasks:
            if task not in per:
                row.append("")
                continue
            r, gap, _ = per[task]
            verdict = meets(r, gap)
            verdicts.append(verdict)
            mark = {True: "", False: " **x**", None: " ?"}[verdict]
            row.append(f"{r.format('{:.2f}')} ({'n/a' if gap is None else f'{gap:+.2f}'}){mark}")
        nb = [per[t][0] for t in tasks if t.startswith("nb201-") and t in per]
        row.append(geometric_mean(nb).format("{:.2f}") if nb else "")
        row.append(f"{sum(v is True for v in verdicts)}/{len(verdicts)}")
        row.append(", ".join(sorted({str(v[2]) for v in per.values()})))
        lines.append("| " + " | ".join(row) + " |")
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, nargs="+", help="results folders written by 'lamoo bench'")
    parser.add_argument("--seeds", type=parse_seeds, default=None,
                        help="only these seeds ('0-4', '0,3,7'), so that every pair is compared on the same seeds")
    parser.add_argument("--out", type=Path, default=None, help="also write the table to this markdown file")
    args = parser.parse_args(argv)
    lines = [f"Ratio X / LaMOO(X) of median samples to the threshold (in brackets: median final log10 gap, "
             f"X - LaMOO(X)); **x**: a target missed (ratio < {MIN_RATIO} or gap difference < -{MAX_GAP_LOSS}), "
             f"?: undecided (a censored median).", ""] + table(pair_cells(args.results, None if args.seeds is None else set(args.seeds)))
    print("\n".join(lines))
    if args.out is not None:
        args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
