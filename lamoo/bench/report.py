"""A results folder written by ``lamoo bench`` -> ``REPORT.md``, ``runs.csv`` and ``plots/<task>.png``.

The report opens with the commands that reproduce it (:mod:`lamoo.bench.reproduce`), then one
section per task (:mod:`lamoo.bench.tables`, numbers from :mod:`lamoo.bench.summary`, plot from
:mod:`lamoo.bench.plots`), then the failed runs. ``runs.csv`` (:mod:`lamoo.bench.runs_table`)
keeps one row per run, so that later grids can be paired seed by seed with a committed one.
"""
from __future__ import annotations

import shlex
from collections import defaultdict
from pathlib import Path

from lamoo.bench.plots import plot_task
from lamoo.bench.records import load_runs
from lamoo.bench.reproduce import reproduce_commands
from lamoo.bench.runs_table import write_runs_table
from lamoo.bench.specs import filename_part
from lamoo.bench.summary import GAP_FLOOR, THRESHOLDS, task_summary
from lamoo.bench.tables import task_section

HOW_TO_READ = (
    "How to read the tables: every cell is the median over seeds with the interquartile range "
    "[Q1, Q3]. *Samples to p%*: evaluations (initial design included) until the hypervolume first "
    "reaches p% of the maximum. A run that never reaches it within its budget is censored (we only "
    "know it needs more than the budget); quantiles are order statistics with censored runs ranked "
    "above all others, so a quantile that depends on a censored run is a lower bound, written "
    "`> v` (`> budget` when it falls among censored runs only). *log10(max HV - HV)* is the final "
    f"gap ('max' when below {GAP_FLOOR:g} x max HV). Every method of a seed starts from the same "
    "initial design.")


def write_report(folder, out: Path | None = None, thresholds=THRESHOLDS) -> Path:
    """Write ``folder/REPORT.md`` (or ``out``), the per-run table beside it (``runs.csv``, or for
    ``out`` ``REPORT-x.md`` ``runs-x.csv``, else ``out`` with ``.csv``) and ``folder/plots/*.png``
    from the run records of ``folder``; returns the report's path."""
    folder = Path(folder)
    runs = load_runs(folder)
    out = Path(out) if out is not None else folder / "REPORT.md"
    by_task = defaultdict(list)
    for r in runs:
        by_task[r["task"]].append(r)
    table = runs_table_path(out)
    lines = _header(folder, runs, thresholds, n_tasks=len(by_task), table_name=table.name)
    for task in sorted(by_task):
        summary = task_summary(by_task[task], thresholds)
        plot = plot_task(task, by_task[task], summary, folder / "plots" / f"{filename_part(task)}.png")
        rel = plot.relative_to(out.parent) if plot is not None and plot.is_relative_to(out.parent) else plot
        lines += task_section(task, summary, rel)
    lines += _failed_runs(runs)
    out.write_text("\n".join(lines))
    write_runs_table(runs, table, thresholds)
    return out


def runs_table_path(report: Path) -> Path:
    """``runs.csv`` beside ``REPORT.md``, ``runs-x.csv`` beside ``REPORT-x.md``, else the
    report's path with ``.csv``."""
    if report.stem == "REPORT" or report.stem.startswith("REPORT-"):
        return report.with_name("runs" + report.stem[len("REPORT"):] + ".csv")
    return report.with_suffix(".csv")


def _header(folder: Path, runs: list[dict], thresholds, n_tasks: int, table_name: str) -> list[str]:
    reproduce = f"lamoo bench-report {shlex.quote(str(folder))}"
    if tuple(thresholds) != THRESHOLDS:
        reproduce += " --thresholds " + ",".join(f"{t:g}" for t in thresholds)
    n_bad = sum(r.get("status") != "ok" for r in runs)
    json_dir = shlex.quote(str(folder / "json"))
    versions = ", ".join(f"{k} {v}" for k, v in (runs[0].get("versions") or {}).items() if v)
    return [f"# Benchmark report: {folder.name}", "",
            f"Reproduce this report: the per-run records ({json_dir}/) are not committed, so first run the "
            f"`lamoo bench` commands (rebuilt from the run records, they make exactly the runs of this report and "
            f"write {json_dir}/; a command run again resumes, skipping finished runs; add `--workers N` to run N "
            f"at a time), then `lamoo bench-report`:", "",
            "```bash", *reproduce_commands(runs, folder), reproduce, "```", "",
            f"{len(runs)} runs ({n_bad} failed), {n_tasks} task(s). Versions: {versions}. One row per run "
            f"(final gap, samples to each threshold, seconds, commit): `{table_name}`.", "",
            HOW_TO_READ, ""]


def _failed_runs(runs: list[dict]) -> list[str]:
    bad = [r for r in runs if r.get("status") != "ok"]
    if not bad:
        return []
    lines = ["## Failed runs", ""]
    for r in bad:
        error = (r.get("error") or "").splitlines()[0] if r.get("error") else "unknown"
        lines.append(f"- `{r['task']}` `{r['method']}` seed {r['seed']}: {error}")
    return lines + [""]
