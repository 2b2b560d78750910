"""``lamoo bench-report RESULTS`` / ``python -m benchmarks.report RESULTS``: a results folder
written by ``lamoo bench`` -> ``RESULTS/REPORT.md`` and ``RESULTS/plots/<task>.png``.

Per task: median and interquartile range of the final hypervolume, of ``log10(max HV - HV)`` and
of the samples needed to reach 99% and 99.9% of the maximum hypervolume (censored runs handled
as in :mod:`benchmarks.stats`), the sample ratio ``X / LaMOO(X)`` per sampler, optimizer time per
iteration near 200 samples, and a plot of ``log10(max HV - HV)`` against samples (medians and
interquartile bands).
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from lamoo.exceptions import InvalidInputError
from benchmarks.run import bench_command, seeds_text
from benchmarks.stats import Bounded, censored_quantiles, pad_trace, quantiles, ratio, samples_to_reach

HELP = "turn a 'lamoo bench' results folder into REPORT.md with tables and plots"
THRESHOLDS = (0.99, 0.999)
TIME_AT = 200  # samples at which optimizer time per iteration is reported
TIME_WINDOW = 5  # iterations averaged around it
GAP_FLOOR = 1e-12  # relative to the maximum hypervolume: a gap this small counts as the maximum reached


# ---------------------------------------------------------------------------- loading
def load_runs(folder: Path) -> list[dict]:
    """Every run record of a results folder (``folder/json/*.json``; ``folder/*.json`` too)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInputError(f"results folder not found: {folder}")
    runs = []
    for path in sorted(list((folder / "json").glob("*.json")) + list(folder.glob("*.json"))):
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise InvalidInputError(f"{path} is not a readable run record: {exc}") from None
        if isinstance(data, dict) and str(data.get("schema", "")).startswith("lamoo-bench-run/"):
            data["_path"] = str(path)
            runs.append(data)
    if not runs:
        hint = "" if (folder / "json").is_dir() else _missing_records_hint(folder)
        raise InvalidInputError(f"no run records (json/*.json written by 'lamoo bench') in {folder}{hint}")
    return runs


def _missing_records_hint(folder: Path) -> str:
    """How to make the records of a results folder without ``json/`` (not committed with it)."""
    listed = [str(folder / name) for name in ("REPORT.md", "grid.json") if (folder / name).is_file()]
    if not listed:
        how = f"run a 'lamoo bench' grid with --out {folder}"
    elif len(listed) == 1:
        how = f"run the 'lamoo bench' commands listed in {listed[0]}"
    else:
        how = f"run the 'lamoo bench' commands listed in {listed[0]} (or logged in {listed[1]})"
    return (f": {folder / 'json'}/ does not exist. The per-run records are not committed with the results; "
            f"{how} to write them, then 'lamoo bench-report {folder}' again")


def method_order(runs: list[dict]) -> list[str]:
    """Samplers alone then wrapped, family by family (``random`` first), then the peers."""
    def key(label: str):
        plan = next(r["method_plan"] for r in runs if r["method"] == label)
        family = plan.get("sampler") or plan.get("peer") or label
        kind = {"sampler": 0, "lamoo": 1, "peer": 2}.get(plan["kind"], 3)
        return (kind == 2, family != "random", family, kind, label)

    return sorted({r["method"] for r in runs}, key=key)


# ---------------------------------------------------------------------------- the commands of the runs
def reproduce_commands(runs: list[dict], out) -> list[str]:
    """``lamoo bench`` commands that make exactly the runs in ``runs`` (into ``out``), rebuilt
    from the run records themselves, not from the commands that were typed (an interrupted
    command finished by another one would list runs that do not exist).

    Runs are grouped by the settings that shape their results (budget, batch size, initial design
    size, the NB201 table); within a group, each method's runs are split into blocks
    ``tasks x seeds``, and methods with the same block share one command. A complete grid is one
    command; a partial one becomes one command per method (or per task and method) as needed.
    The worker count is left out (it does not change results)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in runs:
        groups[_run_settings(r, out)].append(r)
    commands = []
    for key in sorted(groups, key=lambda k: json.dumps(k)):
        budget, batch_size, n_init, table = key
        group = groups[key]
        seeds_of: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))  # method -> task -> seeds
        add_task = {}
        for r in group:
            seeds_of[r["method"]][r["task"]].add(int(r["seed"]))
            add_task.update(_add_task(r))
        blocks: dict[tuple, list[str]] = {}  # (tasks, seeds) -> methods, in method order
        for method in method_order(group):
            for block in _blocks(seeds_of[method]):
                blocks.setdefault(block, []).append(method)
        for (tasks, seeds), methods in blocks.items():
            commands.append(bench_command(tasks, methods, seeds, budget=budget, batch_size=batch_size, n_init=n_init,
                                          out=out, table=table,
                                          add_task=sorted({add_task[t] for t in tasks if t in add_task})))
    return commands


def _blocks(seeds_of: dict[str, set]) -> list[tuple[tuple, tuple]]:
    """Disjoint ``(tasks, seeds)`` products that cover one method's runs exactly (``seeds_of``:
    task -> seeds): the tasks that share a seed set, or the seeds that share a task set (an
    interrupted grid, which runs seed by seed, leaves whole seeds done), whichever needs fewer."""
    by_seeds: dict[tuple, list] = defaultdict(list)
    for task, seeds in seeds_of.items():
        by_seeds[tuple(sorted(seeds))].append(task)
    tasks_of_seed: dict[int, list] = defaultdict(list)
    for task, seeds in seeds_of.items():
        for seed in seeds:
            tasks_of_seed[seed].append(task)
    by_tasks: dict[tuple, list] = defaultdict(list)
    for seed, tasks in tasks_of_seed.items():
        by_tasks[tuple(sorted(tasks))].append(seed)
    a = sorted((tuple(sorted(tasks)), seeds) for seeds, tasks in by_seeds.items())
    b = sorted((tasks, tuple(sorted(seeds))) for tasks, seeds in by_tasks.items())
    return a if len(a) < len(b) else b


def _run_settings(run: dict, out) -> tuple:
    """What a run shares with the others of one ``lamoo bench`` command: budget, batch size,
    initial design size and ``--table`` (None for the default table)."""
    from benchmarks.specs import Spec

    options = dict(run.get("task_options") or {})
    for key in Spec.parse(run["task"], "task").options:  # inline options are part of the task label
        options.pop(key, None)
    return (int(run["budget"]), int(run["batch_size"]), int(run["n_init"]), _table_argument(options.get("table"), out))


def _table_argument(table, out) -> str | None:
    """The ``--table`` value of a run's table: None for the default table; relative to the working
    directory (or its parent) when ``out`` is relative (the commands run from there), else absolute."""
    import os

    from benchmarks.tasks import DEFAULT_NB201_TABLE

    if not table:
        return None
    path = Path(table).expanduser().resolve()
    if path == DEFAULT_NB201_TABLE.resolve():
        return None
    if Path(out).is_absolute() or not path.is_relative_to(Path.cwd().parent):
        return str(path)
    return os.path.relpath(path)


def _add_task(run: dict) -> dict[str, str]:
    """``{task label: "NAME=module:callable"}`` when the run's task is not a built-in one."""
    from benchmarks.specs import Spec
    from benchmarks.tasks import TASKS

    name, path = Spec.parse(run["task"], "task").name, run.get("task_path")
    if not path or (TASKS.get(name) == path and path.startswith("benchmarks.tasks:")):
        return {}
    return {run["task"]: f"{name}={path}"}


# ---------------------------------------------------------------------------- per-task numbers
def task_summary(runs: list[dict], thresholds=THRESHOLDS) -> dict:
    """Numbers of one task's runs: ``methods`` -> per-method stats, plus ``max_hv``,
    ``max_known`` and the runs' settings."""
    ok = [r for r in runs if r.get("status") == "ok"]
    max_known = next((r["max_hypervolume"] for r in ok if r.get("max_hypervolume")), None)
    max_hv = max_known if max_known else max((max(r["hypervolume_trace"], default=0.0) for r in ok), default=None)
    budget = max((r["budget"] for r in runs), default=0)
    out = {"max_hv": max_hv, "max_known": bool(max_known), "budget": budget, "methods": {},
           "thresholds": tuple(thresholds),
           "ref_point": ok[0]["ref_point"] if ok else None, "objectives": ok[0]["objectives"] if ok else None,
           "settings": sorted({(r["budget"], r["batch_size"], r["n_init"]) for r in runs}),
           "seeds": sorted({r["seed"] for r in runs})}
    by_method = defaultdict(list)
    for r in runs:
        by_method[r["method"]].append(r)
    for label in method_order(runs):
        out["methods"][label] = method_stats(by_method[label], max_hv, budget, thresholds)
    return out


def method_stats(runs: list[dict], max_hv: float | None, budget: int, thresholds=THRESHOLDS) -> dict:
    ok = [r for r in runs if r.get("status") == "ok"]
    s = {"n_ok": len(ok), "n_failed": len(runs) - len(ok), "plan": runs[0]["method_plan"],
         "final_hv": quantiles([r["final_hypervolume"] for r in ok])}
    if max_hv:
        floor = GAP_FLOOR * max_hv
        # quantiles of the gap itself, then the log: the log of an exact 0 gap would swamp an average
        s["log_gap"] = [q if q.kind == "?" else Bounded(float(np.log10(max(q.value, floor))))
                        for q in quantiles([max_hv - r["final_hypervolume"] for r in ok])]
        s["log_gap_floor"] = float(np.log10(floor))
        for t in thresholds:
            hits = [samples_to_reach(r["hypervolume_trace"], t * max_hv) for r in ok]
            s[f"to_{t}"] = censored_quantiles([h[0] for h in hits], [h[1] for h in hits])
            s[f"reached_{t}"] = sum(not h[1] for h in hits)
    target = min(TIME_AT, budget)
    s["time_at"] = target
    s["opt_per_iter"] = quantiles([v for v in (optimizer_seconds_near(r, target) for r in ok) if v is not None])
    s["opt_total"] = quantiles([r["timing"]["optimizer_seconds"] for r in ok])
    s["eval_total"] = quantiles([r["timing"]["evaluation_seconds"] for r in ok])
    s["wall"] = quantiles([r["wall_seconds"] for r in ok])
    s["duplicates"] = quantiles([r.get("n_duplicates", 0) for r in ok])
    probes = [r["lamoo"] for r in ok if r.get("lamoo")]
    if probes:
        s["lamoo"] = {
            "depth": quantiles([np.mean([p["depth"] for p in recs]) for recs in probes]),
            "share": quantiles([np.mean([p["region_members"] / max(p["n_valid"], 1) for p in recs]) for recs in probes]),
            "relaxed": quantiles([np.mean([p["relaxed"] > 0 for p in recs]) for recs in probes]),
            "outside": quantiles([sum(p["n_outside"] for p in recs) for recs in probes]),
            "leaves": quantiles([np.mean([p["tree_leaves"] for p in recs]) for recs in probes]),
        }
    return s


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
    from benchmarks.methods import MethodPlan, inner_label

    labels = summary["methods"]
    pairs = []
    for label, s in labels.items():
        plan = MethodPlan.from_dict(s["plan"])
        inner = inner_label(plan)
        if inner is not None and inner in labels:
            pairs.append((inner, label))
    return pairs


# ---------------------------------------------------------------------------- formatting
def _fmt_q(q: list[Bounded], fmt: str) -> str:
    med, lo, hi = q[1], q[0], q[2]
    if med.kind == "?":
        return "n/a"
    return f"{med.format(fmt)} [{lo.format(fmt)}, {hi.format(fmt)}]"


def _fmt_gap(q: list[Bounded], floor_log: float) -> str:
    def one(b: Bounded) -> str:
        if b.kind == "?":
            return "n/a"
        return "max" if b.value <= floor_log + 1e-9 else f"{b.value:.2f}"

    return f"{one(q[1])} [{one(q[0])}, {one(q[2])}]"


def _sig(value: float) -> str:
    return f"{value:.3g}"


def _fmt_seconds(q: list[Bounded]) -> str:
    return "n/a" if q[1].kind == "?" else _sig(q[1].value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def task_section(task: str, summary: dict, plot: Path | None) -> list[str]:
    lines = [f"## {task}", ""]
    objs = ", ".join(f"{o['name']} ({'max' if o['direction'] == 'maximize' else 'min'})"
                     for o in summary["objectives"] or [])
    settings = "; ".join(f"budget {b}, batch {q}, n_init {i}" for b, q, i in summary["settings"])
    max_text = (f"{summary['max_hv']:.6g} (known)" if summary["max_known"] else
                f"{summary['max_hv']:.6g} (unknown: the best final hypervolume of all runs stands in)"
                if summary["max_hv"] else "unknown")
    lines += [f"Objectives: {objs}. Reference point: {summary['ref_point']}. Maximum hypervolume: {max_text}.",
              f"Runs: {settings}; seeds {seeds_text(summary['seeds'])} ({len(summary['seeds'])}).", ""]
    has_max = bool(summary["max_hv"])
    thresholds = summary["thresholds"]
    header = ["method", "runs", "final HV median [Q1, Q3]"]
    if has_max:
        header += ["final log10(max HV - HV)"] + [f"samples to {t:.1%}" for t in thresholds] + \
                  [f"reached {t:.1%}" for t in thresholds]
    rows = []
    for label, s in summary["methods"].items():
        row = [f"`{label}`", f"{s['n_ok']}" + (f" (+{s['n_failed']} failed)" if s["n_failed"] else ""),
               _fmt_q(s["final_hv"], "{:.5g}")]
        if has_max:
            row.append(_fmt_gap(s["log_gap"], s["log_gap_floor"]))
            row += [_fmt_q(s[f"to_{t}"], "{:g}") for t in thresholds]
            row += [f"{s[f'reached_{t}']}/{s['n_ok']}" for t in thresholds]
        rows.append(row)
    lines += _table(header, rows) + [""]
    pairs = lamoo_pairs(summary)
    if has_max and pairs:
        lines += ["Sample-efficiency ratio X / LaMOO(X): median samples of X alone over median samples of "
                  "LaMOO(X) to reach the threshold (> 1: LaMOO needs fewer). `>`/`<` mark bounds from "
                  "censored medians; n/a when both medians are censored.", ""]
        rows = []
        for plain, wrapped in pairs:
            a, b = summary["methods"][plain], summary["methods"][wrapped]
            rows.append([f"`{plain}`", f"`{wrapped}`"] +
                        [ratio(a[f"to_{t}"][1], b[f"to_{t}"][1]).format("{:.2f}") for t in thresholds] +
                        [_gap_diff(a, b)])
        lines += _table(["X", "LaMOO(X)"] + [f"ratio to {t:.1%}" for t in thresholds] +
                        ["median log10 gap: X - LaMOO(X)"], rows) + [""]
    any_s = next(iter(summary["methods"].values()), None)
    at = any_s["time_at"] if any_s else TIME_AT
    lines += [f"Time (medians over runs, seconds): optimizer time per iteration = mean over the {TIME_WINDOW} "
              f"iterations nearest {at} samples (optimizer calls only: ask, and tell for peers); totals per run; "
              "repeat evals = evaluations of an already evaluated point, paid from the budget (lamoo's driver never "
              "repeats a point; a peer may, on continuous spaces as well as finite ones: Optuna's NSGA-II does).", ""]
    rows = [[f"`{label}`", _fmt_seconds(s["opt_per_iter"]), _fmt_seconds(s["opt_total"]),
             _fmt_seconds(s["eval_total"]), _fmt_seconds(s["wall"]),
             "n/a" if s["duplicates"][1].kind == "?" else f"{s['duplicates'][1].value:g}"]
            for label, s in summary["methods"].items()]
    lines += _table(["method", f"optimizer s/iter @~{at}", "optimizer s total", "evaluation s total", "wall s",
                     "repeat evals"], rows) + [""]
    wrapped = [(label, s["lamoo"]) for label, s in summary["methods"].items() if "lamoo" in s]
    if wrapped:
        lines += ["LaMOO diagnostics (medians over runs of per-run means over LaMOO's iterations): depth of the "
                  "region the inner sampler searched, its share of the valid samples, iterations relaxed to a "
                  "parent region (too few candidates or in-region points), proposals outside the region "
                  "(total per run), leaves of the partition tree.", ""]
        rows = [[f"`{label}`", _sig(d["depth"][1].value), f"{d['share'][1].value:.0%}", f"{d['relaxed'][1].value:.0%}",
                 f"{d['outside'][1].value:g}", _sig(d["leaves"][1].value)] for label, d in wrapped]
        lines += _table(["method", "region depth", "region share of samples", "iterations relaxed",
                         "proposals outside region", "tree leaves"], rows) + [""]
    if plot is not None:
        lines += [f"![{task}: log10(max HV - HV) vs samples]({plot.as_posix()})", ""]
    return lines


def _gap_diff(a: dict, b: dict) -> str:
    x, y = a["log_gap"][1], b["log_gap"][1]
    if x.kind == "?" or y.kind == "?":
        return "n/a"
    return f"{x.value - y.value:+.2f}"


# ---------------------------------------------------------------------------- plots
def plot_task(task: str, runs: list[dict], summary: dict, path: Path) -> Path | None:
    """``log10(max HV - HV)`` against samples: median line and interquartile band per method."""
    max_hv = summary["max_hv"]
    if not max_hv:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    floor = GAP_FLOOR * max_hv
    budget = summary["budget"]
    x = np.arange(1, budget + 1)
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    families: dict[str, int] = {}
    styles = {"sampler": "--", "lamoo": "-", "peer": ":"}
    seen_styles: dict[tuple, int] = defaultdict(int)
    for label, s in summary["methods"].items():
        traces = [pad_trace(r["hypervolume_trace"], budget) for r in runs if r["method"] == label and r.get("status") == "ok"]
        if not traces:
            continue
        gaps = max_hv - np.vstack(traces)  # quantiles of the gap, then the log (as in the tables)
        q1, med, q3 = np.log10(np.maximum(np.percentile(gaps, [25, 50, 75], axis=0), floor))
        plan = s["plan"]
        family = plan.get("sampler") or plan.get("peer") or label
        color = f"C{families.setdefault(family, len(families)) % 10}"
        variant = seen_styles[(family, plan["kind"])]
        seen_styles[(family, plan["kind"])] += 1
        style = styles.get(plan["kind"], "-") if variant == 0 else ["-.", (0, (5, 1)), (0, (1, 1))][variant % 3]
        ax.plot(x, med, color=color, ls=style, lw=1.6, label=f"{label} (n={len(traces)})")
        ax.fill_between(x, q1, q3, color=color, alpha=0.15, lw=0)
    for t in summary["thresholds"]:
        ax.axhline(np.log10((1 - t) * max_hv), color="0.5", lw=0.8, ls=(0, (2, 3)))
        ax.text(budget, np.log10((1 - t) * max_hv), f" {t:.1%}", va="center", ha="left", fontsize=7, color="0.4")
    ax.set_xlabel("samples (evaluations)")
    ax.set_ylabel("log10(max HV - HV)")
    known = "" if summary["max_known"] else " (max: best of all runs)"
    ax.set_title(f"{task}: median and interquartile range{known}")
    ax.legend(fontsize=7, loc="upper right", ncol=2 if len(summary["methods"]) > 6 else 1)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------- the report
def write_report(folder, out: Path | None = None, thresholds=THRESHOLDS) -> Path:
    """Write ``folder/REPORT.md`` (or ``out``) and ``folder/plots/*.png``; returns the report path."""
    from benchmarks.specs import filename_part

    folder = Path(folder)
    runs = load_runs(folder)
    out = Path(out) if out is not None else folder / "REPORT.md"
    by_task = defaultdict(list)
    for r in runs:
        by_task[r["task"]].append(r)
    commands = reproduce_commands(runs, folder)
    reproduce = f"lamoo bench-report {shlex.quote(str(folder))}"
    if tuple(thresholds) != THRESHOLDS:
        reproduce += " --thresholds " + ",".join(f"{t:g}" for t in thresholds)
    n_bad = sum(r.get("status") != "ok" for r in runs)
    json_dir = shlex.quote(str(folder / "json"))
    lines = [f"# Benchmark report: {folder.name}", "",
             f"Reproduce this report: the per-run records ({json_dir}/) are not committed, so first run the "
             f"`lamoo bench` commands (rebuilt from the run records, they make exactly the runs of this report and "
             f"write {json_dir}/; a command run again resumes, skipping finished runs; add `--workers N` to run N "
             f"at a time), then `lamoo bench-report`:", "",
             "```bash", *commands, reproduce, "```", ""]
    lines += [f"{len(runs)} runs ({n_bad} failed), {len(by_task)} task(s). Versions: "
              + ", ".join(f"{k} {v}" for k, v in (runs[0].get("versions") or {}).items() if v) + ".", "",
              "How to read the tables: every cell is the median over seeds with the interquartile range "
              "[Q1, Q3]. *Samples to p%*: evaluations (initial design included) until the hypervolume first "
              "reaches p% of the maximum. A run that never reaches it within its budget is censored (we only "
              "know it needs more than the budget); quantiles are order statistics with censored runs ranked "
              "above all others, so a quantile that depends on a censored run is a lower bound, written "
              "`> v` (`> budget` when it falls among censored runs only). *log10(max HV - HV)* is the final "
              f"gap ('max' when below {GAP_FLOOR:g} x max HV). Every method of a seed starts from the same "
              "initial design.", ""]
    plots_dir = folder / "plots"
    for task in sorted(by_task):
        summary = task_summary(by_task[task], thresholds)
        plot = plot_task(task, by_task[task], summary, plots_dir / f"{filename_part(task)}.png")
        rel = plot.relative_to(out.parent) if plot is not None and plot.is_relative_to(out.parent) else plot
        lines += task_section(task, summary, rel)
    if n_bad:
        lines += ["## Failed runs", ""]
        for r in runs:
            if r.get("status") != "ok":
                error = (r.get("error") or "").splitlines()[0] if r.get("error") else "unknown"
                lines.append(f"- `{r['task']}` `{r['method']}` seed {r['seed']}: {error}")
        lines.append("")
    out.write_text("\n".join(lines))
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = (HELP + ". Reads RESULTS/json/*.json and writes RESULTS/REPORT.md and RESULTS/plots/<task>.png: per "
                     "task, medians and interquartile ranges of the final hypervolume, of log10(max HV - HV) and of "
                     "the samples needed to reach 99% and 99.9% of the maximum hypervolume (censored runs "
                     "handled honestly), the ratio X / LaMOO(X), and optimizer time per iteration near 200 samples.")
    p.add_argument("results", type=Path, help="a results folder written by 'lamoo bench'")
    p.add_argument("--output", type=Path, default=None, help="report path (default: RESULTS/REPORT.md)")
    p.add_argument("--thresholds", type=_fractions, default=THRESHOLDS,
                   help="fractions of the maximum hypervolume for the samples-to-threshold columns, comma-separated "
                        "(default: 0.99,0.999)")


def _fractions(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if not values or not all(0 < v <= 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected fractions in (0, 1], comma-separated, got {text!r}")
    return values


def run(args) -> int:
    path = write_report(args.results, args.output, args.thresholds)
    print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from lamoo.cli import run_command_module

    return run_command_module(sys.modules[__name__], "python -m benchmarks.report", argv)


if __name__ == "__main__":
    sys.exit(main())
