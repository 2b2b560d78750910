"""Does LaMOO through Optuna (the ``optuna-lamoo`` peer) make the native ``lamoo-X`` runs?

Reads a ``lamoo bench`` results folder holding both, pairs each ``optuna-lamoo[:inner=X]`` run with
the ``lamoo-X`` run of the same task and seed, and prints per task and method: the pairs found,
how many evaluated the same points in the same order, the largest difference between their
hypervolume traces, the median optimizer time per run of each with its ratio (measured in the
same grid, one run at a time), and the failed evaluations of each side (a run whose evaluations
failed cannot make the native run's points, so a disagreement there is not the sampler's)::

    python -m benchmarks.optuna_agreement benchmarks/results/optuna-lamoo
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np


def native_label(method: str) -> str | None:
    """``lamoo-X`` for ``optuna-lamoo`` with ``inner=X`` (default ``random``) and no LaMOO option
    other than ``storage``; None for any other method."""
    name, *options = method.split(":")
    if name != "optuna-lamoo":
        return None
    opts = dict(o.split("=", 1) for o in options)
    inner = opts.pop("inner", "random")
    opts.pop("storage", None)
    return None if opts else f"lamoo-{inner}"


def agreement(folder: Path) -> list[dict]:
    runs = {}
    for path in sorted((folder / "json").glob("*.json")):
        record = json.loads(path.read_text())
        if record.get("status") == "ok":
            runs[(record["task"], record["method"], record["seed"])] = record
    rows = defaultdict(lambda: {"pairs": 0, "same_points": 0, "max_hv_diff": 0.0, "t_optuna": [], "t_native": [],
                                 "failed_optuna": 0, "failed_native": 0})
    for (task, method, seed), record in runs.items():
        native = runs.get((task, native_label(method) or "", seed))
        if native is None:
            continue
        row = rows[(task, method, native["method"])]
        row["pairs"] += 1
        row["same_points"] += record.get("X") is not None and record["X"] == native.get("X")
        diff = np.abs(np.subtract(record["hypervolume_trace"], native["hypervolume_trace"])).max()
        row["max_hv_diff"] = max(row["max_hv_diff"], float(diff))
        row["t_optuna"].append(record["timing"]["optimizer_seconds"])
        row["t_native"].append(native["timing"]["optimizer_seconds"])
        row["failed_optuna"] += record.get("n_failed", 0)
        row["failed_native"] += native.get("n_failed", 0)
    out = []
    for (task, method, native), row in sorted(rows.items()):
        t_o, t_n = float(np.median(row["t_optuna"])), float(np.median(row["t_native"]))
        out.append({"task": task, "method": method, "native": native, "pairs": row["pairs"],
                    "same_points": row["same_points"], "max_hv_diff": row["max_hv_diff"],
                    "optimizer_s_optuna": t_o, "optimizer_s_native": t_n, "ratio": t_o / t_n if t_n else float("nan"),
                    "failed_optuna": row["failed_optuna"], "failed_native": row["failed_native"]})
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a lamoo bench results folder")
    args = parser.parse_args(argv)
    rows = agreement(args.folder)
    print("| task | method | native | pairs | same points | max abs HV-trace difference | optimizer s/run "
          "(median) Optuna | native | ratio | failed evals Optuna / native |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['task']} | `{r['method']}` | `{r['native']}` | {r['pairs']} | {r['same_points']}/{r['pairs']} | "
              f"{r['max_hv_diff']:.3g} | {r['optimizer_s_optuna']:.3g} | {r['optimizer_s_native']:.3g} | "
              f"{r['ratio']:.2f} | {r['failed_optuna']} / {r['failed_native']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
