"""``lamoo bench`` / ``python -m lamoo.bench.run``: run a benchmark grid task x method x seed.

Example (the sample-efficiency grid of the synthetic problems)::

    lamoo bench --tasks branin-currin vehicle-safety dtlz2 \\
        --methods random lamoo-random optuna-nsga2 optuna-motpe pymoo-nsga2 \\
        --seeds 0-9 --budget 200 --batch-size 5 --n-init 10 --workers 2 --name synthetic
    lamoo bench-report benchmarks/results/synthetic

Each run writes ``<out>/json/<task>__<method>__s<seed>.json``; running the same command again
skips the runs whose file exists (resume).
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from lamoo.bench.command import Command, non_negative_int, positive_int
from lamoo.bench.specs import parse_seeds
from lamoo.exceptions import InvalidInputError

HELP = "run a benchmark grid (task x method x seed), one JSON file per run, resumable"
RESULTS_ROOT = Path("benchmarks") / "results"
DESCRIPTION = (
    HELP + ".\n\nMethods: any registered sampler X (whole space), lamoo-X (LaMOO(X), default settings), and the "
    "peers {peers} (real runs of those libraries with the same budget, initial design and batch size). Options go "
    "inline as NAME:KEY=VALUE[:KEY=VALUE], e.g. lamoo-random:cp_fraction=0.05 or "
    "lamoo-qehvi:inner.num_restarts=8; they become part of the method's label and file name.\n\n"
    "Results: <out>/json/<task>__<method>__s<seed>.json (hypervolume trace, optimizer and evaluation times, "
    "config, library versions). Run the same command again to resume; then 'lamoo bench-report <out>'.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of ``lamoo bench``."""
    from lamoo import plugins
    from lamoo.bench.methods import PEERS

    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.description = DESCRIPTION.format(peers=", ".join(sorted(PEERS)))
    g = p.add_argument_group("grid")
    g.add_argument("--tasks", nargs="+", required=True, metavar="TASK",
                   help=f"tasks (space- or comma-separated; NAME[:KEY=VALUE]): {', '.join(plugins.list_tasks())}")
    g.add_argument("--methods", nargs="+", required=True, metavar="METHOD",
                   help="methods (space- or comma-separated): sampler names, lamoo-<sampler>, peers")
    g.add_argument("--seeds", type=parse_seeds, default=parse_seeds("0-9"),
                   help="seeds: '0-9', '0,3,7' or '5' (default: 0-9)")
    g.add_argument("--budget", type=positive_int, default=200,
                   help="evaluations per run, initial design included (default: 200)")
    g.add_argument("--batch-size", type=positive_int, default=5, help="points per iteration (default: 5)")
    g.add_argument("--n-init", type=positive_int, default=10,
                   help="initial design size, the same for every method (default: 10)")
    t = p.add_argument_group("tasks and methods")
    t.add_argument("--table", default=None,
                   help="benchmark table for the tasks that read one (the nb201-* tasks; default: "
                        "../shared/data/nb201/nb201_cifar.csv from the repository root)")
    t.add_argument("--add-task", action="append", default=[], metavar="NAME=MODULE:CALLABLE",
                   help="a task factory by import path for this grid, repeatable (e.g. toy=tests.toys:FiniteToyTask)")
    t.add_argument("--lamoo-param", action="append", default=[], metavar="KEY=VALUE",
                   help="LaMOO argument for every lamoo-* method, repeatable (e.g. cp_fraction=0.05); "
                        "recorded in the method label")
    _output_arguments(p)


def _output_arguments(p: argparse.ArgumentParser) -> None:
    o = p.add_argument_group("output and execution")
    where = o.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="results folder")
    where.add_argument("--name", help=f"results folder {RESULTS_ROOT}/NAME")
    o.add_argument("--workers", type=non_negative_int, default=1,
                   help="worker processes (spawned, one thread each); 0 runs in this process (default: 1)")
    o.add_argument("--threads", type=positive_int, default=1, help="math threads per worker (default: 1)")
    o.add_argument("--retry-failed", action="store_true", help="run again the runs recorded as failed")
    o.add_argument("--no-points", action="store_true", help="do not store X and Y per evaluation (traces only)")
    o.add_argument("--list", action="store_true", help="print the planned runs and whether they are done, then exit")
    o.add_argument("--report", action="store_true", help="write the report (bench-report) when the grid ends")
    o.add_argument("--no-progress", action="store_true", help="no progress bar")


def results_dir(args: argparse.Namespace) -> Path:
    """``--out``, or ``benchmarks/results/NAME`` for ``--name NAME``."""
    return args.out if args.out is not None else RESULTS_ROOT / args.name


def reproduce_command(args: argparse.Namespace, out: Path) -> str:
    """The canonical ``lamoo bench`` command for these arguments (for the records)."""
    from lamoo.bench.provenance import bench_command
    from lamoo.bench.specs import split_list

    return bench_command(split_list(args.tasks), split_list(args.methods), args.seeds, budget=args.budget,
                         batch_size=args.batch_size, n_init=args.n_init, out=out, table=args.table,
                         add_task=args.add_task, lamoo_param=args.lamoo_param, workers=args.workers)


def build_specs(args: argparse.Namespace, out: Path, command: str) -> list:
    """The grid's :class:`~lamoo.bench.planning.RunSpec` list, seed-major (a partly run grid
    has every method for its first seeds). Task and method names and options are checked here."""
    from lamoo.bench.methods import plan_method
    from lamoo.bench.planning import RunSpec
    from lamoo.bench.specs import Spec, parse_key_values, run_filename, split_list
    from lamoo.bench.tasks import parse_add_task, run_options, task_path

    added = parse_add_task(args.add_task)
    lamoo_params = parse_key_values(args.lamoo_param, "--lamoo-param")
    tasks = [Spec.parse(t, "task") for t in split_list(args.tasks)]
    plans = [plan_method(m, lamoo_params) for m in split_list(args.methods)]
    for what, labels in (("task", [t.label for t in tasks]), ("method", [p.label for p in plans])):
        if len(set(labels)) != len(labels):
            raise InvalidInputError(f"a {what} is listed twice: {labels}")
    factories = {}
    for task in tasks:
        path = task_path(task.name, added)
        factories[task.label] = (path, run_options(task.label, path, task.options, args.table))
    return [RunSpec(task=task.label, task_path=factories[task.label][0], task_options=factories[task.label][1],
                    method=plan.to_dict(), seed=seed, budget=args.budget, batch_size=args.batch_size,
                    n_init=args.n_init, path=str(out / "json" / run_filename(task.label, plan.label, seed)),
                    save_points=not args.no_points, command=command)
            for seed in args.seeds for task in tasks for plan in plans]


def check_tasks(specs: list) -> None:
    """Build each task once before the grid starts, so that a missing table or a bad option
    stops the grid with one clear error instead of failing every run."""
    from lamoo.bench.tasks import cached_task

    seen = set()
    for spec in specs:
        key = (spec.task_path, json.dumps(spec.task_options, sort_keys=True))
        if key in seen:
            continue
        seen.add(key)
        task = cached_task(spec.task_path, spec.task_options)
        if spec.n_init > spec.budget:
            raise InvalidInputError(f"--n-init {spec.n_init} is larger than --budget {spec.budget}")
        n_cand = task.space.n_candidates
        if n_cand is not None and spec.budget > n_cand:
            raise InvalidInputError(f"task {spec.task!r} has only {n_cand} candidates, fewer than --budget {spec.budget}")


def run(args: argparse.Namespace) -> int:
    """Plan the grid, run what is left (or ``--list`` it), and write or name the report."""
    from lamoo.bench.planning import plan_grid

    out = results_dir(args)
    command = reproduce_command(args, out)
    specs = build_specs(args, out, command)
    plan = plan_grid(specs, retry_failed=args.retry_failed)
    print(f"grid: {len(specs)} runs in {out} ({len(plan.done)} done, {len(plan.failed_before)} failed before"
          f"{' (kept; --retry-failed runs them again)' if plan.failed_before else ''}, {len(plan.todo)} to run)")
    if args.list:
        _print_listing(specs, plan)
        return 0
    if plan.todo:
        status = _run_todo(args, out, command, specs, plan.todo)
        if status:
            return status
    if args.report:
        from lamoo.bench.report import write_report

        print(f"wrote {write_report(out)}")
    else:
        print(f"report: lamoo bench-report {shlex.quote(str(out))}")
    return 0


def _print_listing(specs: list, plan) -> None:
    status = {id(s): "todo" for s in plan.todo} | {id(s): "done" for s in plan.done} | \
             {id(s): "failed" for s in plan.failed_before}
    for s in specs:
        print(f"  {status[id(s)]:6} {s.task:24} {s.method_label:32} seed {s.seed}")


def _run_todo(args: argparse.Namespace, out: Path, command: str, specs: list, todo: list) -> int:
    """Run the runs left to do; 130 when interrupted (finished runs are kept), else 0."""
    from lamoo.bench.pool import run_grid
    from lamoo.bench.records import append_manifest

    check_tasks(todo)
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    append_manifest(out, {"command": command, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                          "runs": len(specs), "to_run": len(todo)})
    try:
        summaries = run_grid(todo, workers=args.workers, threads=args.threads, progress=not args.no_progress)
    except KeyboardInterrupt:
        print("\ninterrupted: finished runs are saved; run the same command again to resume", file=sys.stderr)
        return 130
    bad = [s for s in summaries if s["status"] != "ok"]
    print(f"ran {len(summaries)} runs in {time.time() - started:.1f} s; {len(bad)} failed")
    for s in bad:
        print(f"  FAILED {s['task']} {s['method']} seed {s['seed']}: {s['error']}", file=sys.stderr)
    return 0


COMMAND = Command(HELP, add_arguments, run)


def main(argv: list[str] | None = None) -> int:
    return COMMAND.main("python -m lamoo.bench.run", argv)


if __name__ == "__main__":
    sys.exit(main())
