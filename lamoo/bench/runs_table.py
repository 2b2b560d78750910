"""``runs.csv``: one row per run of a results folder, small enough to commit with its report.

The per-run JSON records (``json/``) hold every point and are not committed, so a later grid
could not be paired seed by seed with a committed one. This table keeps, per run, what the
reports and the paired comparisons (``benchmarks.paired_seeds``, ``benchmarks.lamoo_targets``)
read: the task, method and seed, the status, the budget and evaluations made, the final and
maximum hypervolume, the final gap ``log10(max HV - HV)`` (floored as in the report:
:func:`lamoo.bench.summary.floored_log10_gap`), the samples until the hypervolume first reached
each threshold fraction of the maximum (empty when the run never did: censored at
``n_evaluations``), the optimizer and wall seconds, and the commit the run was made at. Failed
runs keep their identity, status and error. :func:`read_runs_table` reads it back for
``benchmarks.paired_seeds``, which pairs a folder that has only its table with others seed by seed.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from lamoo.bench.stats import samples_to_reach
from lamoo.bench.summary import floored_log10_gap

TABLE_THRESHOLDS = (0.9, 0.95, 0.99, 0.999)
"""Thresholds every table has: 90% is issue 12's synthetic threshold, 99% its NB201 one."""


def threshold_column(fraction: float) -> str:
    return f"samples_to_{100 * fraction:g}%"


def run_row(run: dict, thresholds) -> dict:
    """The table's row of one run record."""
    row = {"task": run["task"], "method": run["method"], "seed": run["seed"], "status": run.get("status"),
           "budget": run.get("budget"), "git_commit": (run.get("git_commit") or "")[:12]}
    if run.get("status") != "ok":
        return {**row, "error": (run.get("error") or "").splitlines()[0] if run.get("error") else ""}
    trace = np.asarray(run["hypervolume_trace"], dtype=float)
    max_hv = run.get("max_hypervolume") or None
    final = float(trace[-1]) if len(trace) else 0.0
    row.update({"n_evaluations": len(trace), "final_hypervolume": repr(final),
                "max_hypervolume": "" if max_hv is None else repr(float(max_hv))})
    if max_hv is not None:
        row["final_log10_gap"] = repr(floored_log10_gap(max_hv, final))
        for fraction in thresholds:
            k, censored = samples_to_reach(trace, fraction * max_hv)
            row[threshold_column(fraction)] = "" if censored else k
    timing = run.get("timing") or {}
    row["optimizer_seconds"] = f"{timing['optimizer_seconds']:.4g}" if "optimizer_seconds" in timing else ""
    row["wall_seconds"] = f"{run['wall_seconds']:.4g}" if run.get("wall_seconds") is not None else ""
    return row


def write_runs_table(runs: list[dict], path: Path, thresholds=()) -> Path:
    """Write ``runs`` (run records) to the CSV ``path``, sorted by task, method and seed, with
    a column of samples to each of :data:`TABLE_THRESHOLDS` and ``thresholds``; returns ``path``."""
    fractions = sorted(set(TABLE_THRESHOLDS) | set(thresholds))
    columns = ["task", "method", "seed", "status", "budget", "n_evaluations", "final_hypervolume",
               "max_hypervolume", "final_log10_gap", *map(threshold_column, fractions), "optimizer_seconds",
               "wall_seconds", "git_commit", "error"]
    rows = sorted((run_row(r, fractions) for r in runs), key=lambda row: (row["task"], row["method"], row["seed"]))
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_runs_table(path) -> list[dict]:
    """The rows of a runs table ``path`` as run summaries: ``task``, ``method``, ``seed`` (int),
    ``status``, ``budget`` (int), and for successful runs ``n_evaluations`` (int),
    ``max_hypervolume`` and ``final_log10_gap`` (floats, None when unknown) and ``samples_to``
    (``{fraction: samples, or None if censored}``); ``_path`` names the file."""
    path = Path(path)
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        fractions = {c: float(c[len("samples_to_"):-1]) / 100 for c in reader.fieldnames or ()
                     if c.startswith("samples_to_") and c.endswith("%")}
        rows = []
        for row in reader:
            run = {"task": row["task"], "method": row["method"], "seed": int(row["seed"]), "status": row["status"],
                   "budget": int(row["budget"]), "_path": str(path)}
            if row["status"] == "ok":
                run.update({"n_evaluations": int(row["n_evaluations"]),
                            "max_hypervolume": float(row["max_hypervolume"]) if row["max_hypervolume"] else None,
                            "final_log10_gap": float(row["final_log10_gap"]) if row["final_log10_gap"] else None,
                            "samples_to": {round(fraction, 9): int(row[c]) if row[c] else None
                                           for c, fraction in fractions.items()}})
            rows.append(run)
    return rows
