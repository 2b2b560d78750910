"""``lamoo bench`` / ``python -m benchmarks.run``: run a benchmark grid task x method x seed.

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

from lamoo.exceptions import InvalidInputError

HELP = "run a benchmark grid (task x method x seed), one JSON file per run, resumable"
RESULTS_ROOT = Path("benchmarks") / "results"


def parse_seeds(text: str) -> list[int]:
    """``"0-9"``, ``"0,3,7"``, ``"5"`` or a mix (``"0-4,10"``) -> sorted distinct seeds."""
    seeds: set[int] = set()
    try:
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            if "-" in part:
                lo, hi = (int(v) for v in part.split("-", 1))
                if hi < lo:
                    raise ValueError
                seeds.update(range(lo, hi + 1))
            else:
                seeds.add(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds must look like '0-9', '0,3,7' or '5', got {text!r}") from None
    if not seeds or min(seeds) < 0:
        raise argparse.ArgumentTypeError(f"seeds must be non-negative integers, got {text!r}")
    return sorted(seeds)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    from benchmarks.peers import PEERS
    from benchmarks.tasks import list_tasks

    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.description = (HELP + ".\n\n"
                     "Methods: any registered sampler X (whole space), lamoo-X (LaMOO(X), default settings), and the "
                     f"peers {', '.join(sorted(PEERS))} (real runs of those libraries with the same budget, initial "
                     "design and batch size). Options go inline as NAME:KEY=VALUE[:KEY=VALUE], e.g. "
                     "lamoo-random:cp_fraction=0.05 or lamoo-qehvi:inner.acquisition=qlogehvi; they become part "
                     "of the method's label and file name.\n\n"
                     "Results: <out>/json/<task>__<method>__s<seed>.json (hypervolume trace, optimizer and "
                     "evaluation times, config, library versions). Run the same command again to resume; "
                     "then 'lamoo bench-report <out>'.")
    g = p.add_argument_group("grid")
    g.add_argument("--tasks", nargs="+", required=True, metavar="TASK",
                   help=f"tasks (space- or comma-separated; NAME[:KEY=VALUE]): {', '.join(list_tasks())}")
    g.add_argument("--methods", nargs="+", required=True, metavar="METHOD",
                   help="methods (space- or comma-separated): sampler names, lamoo-<sampler>, peers")
    g.add_argument("--seeds", type=parse_seeds, default=parse_seeds("0-9"),
                   help="seeds: '0-9', '0,3,7' or '5' (default: 0-9)")
    g.add_argument("--budget", type=_positive, default=200, help="evaluations per run, initial design included (default: 200)")
    g.add_argument("--batch-size", type=_positive, default=5, help="points per iteration (default: 5)")
    g.add_argument("--n-init", type=_positive, default=10, help="initial design size, the same for every method (default: 10)")
    t = p.add_argument_group("tasks and methods")
    t.add_argument("--table", default=None,
                   help="NAS-Bench-201 table for the nb201-* tasks (default: ../shared/data/nb201/nb201_cifar.csv "
                        "from the repository root)")
    t.add_argument("--add-task", action="append", default=[], metavar="NAME=MODULE:CALLABLE",
                   help="register a task factory by import path for this grid, repeatable "
                        "(e.g. toy=tests.toys:FiniteToyTask)")
    t.add_argument("--lamoo-param", action="append", default=[], metavar="KEY=VALUE",
                   help="LaMOO argument for every lamoo-* method, repeatable (e.g. cp_fraction=0.05); "
                        "recorded in the method label")
    o = p.add_argument_group("output and execution")
    where = o.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, help="results folder")
    where.add_argument("--name", help=f"results folder {RESULTS_ROOT}/NAME")
    o.add_argument("--workers", type=_non_negative, default=1,
                   help="worker processes (spawned, one thread each); 0 runs in this process (default: 1)")
    o.add_argument("--threads", type=_positive, default=1, help="math threads per worker (default: 1)")
    o.add_argument("--retry-failed", action="store_true", help="run again the runs recorded as failed")
    o.add_argument("--no-points", action="store_true", help="do not store X and Y per evaluation (traces only)")
    o.add_argument("--list", action="store_true", help="print the planned runs and whether they are done, then exit")
    o.add_argument("--report", action="store_true", help="write the report (bench-report) when the grid ends")
    o.add_argument("--no-progress", action="store_true", help="no progress bar")


def results_dir(args) -> Path:
    return args.out if args.out is not None else RESULTS_ROOT / args.name


def reproduce_command(args, out: Path) -> str:
    """The canonical ``lamoo bench`` command for these arguments (for the records)."""
    from benchmarks.specs import split_list

    return bench_command(split_list(args.tasks), split_list(args.methods), args.seeds, budget=args.budget,
                         batch_size=args.batch_size, n_init=args.n_init, out=out, table=args.table,
                         add_task=args.add_task, lamoo_param=args.lamoo_param, workers=args.workers)


def bench_command(tasks, methods, seeds, *, budget: int, batch_size: int, n_init: int, out, table=None,
                  add_task=(), lamoo_param=(), workers: int | None = None) -> str:
    """One ``lamoo bench`` command line (shell-quoted): the grid ``tasks x methods x seeds`` with
    these settings, written to ``out``. ``workers=None`` leaves the worker count at its default
    (it does not change results). Used for the records of a grid and by the report, which
    rebuilds the commands from the runs it holds."""
    parts = ["lamoo", "bench", "--tasks", *tasks, "--methods", *methods, "--seeds", seeds_text(seeds),
             "--budget", str(budget), "--batch-size", str(batch_size), "--n-init", str(n_init)]
    if table:
        parts += ["--table", str(table)]
    for item in add_task:
        parts += ["--add-task", item]
    for item in lamoo_param:
        parts += ["--lamoo-param", item]
    if workers is not None:
        parts += ["--workers", str(workers)]
    parts += ["--out", str(out)]
    return shlex.join(parts)


def seeds_text(seeds) -> str:
    """Seeds as ``--seeds`` reads them back: runs of 3 or more consecutive seeds as ``lo-hi``
    (``[0, 1, 2, 3, 7, 9]`` -> ``"0-3,7,9"``)."""
    seeds = sorted(set(int(s) for s in seeds))
    parts, start = [], 0
    for i in range(1, len(seeds) + 1):
        if i == len(seeds) or seeds[i] != seeds[i - 1] + 1:
            run = seeds[start:i]
            parts += [f"{run[0]}-{run[-1]}"] if len(run) >= 3 else [str(v) for v in run]
            start = i
    return ",".join(parts)


def build_specs(args, out: Path, command: str) -> list:
    """The grid's :class:`~benchmarks.grid.RunSpec` list, seed-major (a partly run grid has
    every method for its first seeds)."""
    from benchmarks.grid import RunSpec
    from benchmarks.methods import plan_method
    from benchmarks.specs import Spec, parse_key_values, run_filename, split_list
    from benchmarks.tasks import accepted_options, load_object, register_task, task_import_path

    for item in args.add_task:
        name, sep, path = item.partition("=")
        if not sep:
            raise InvalidInputError(f"--add-task expects NAME=module:callable, got {item!r}")
        register_task(name.strip(), path.strip())
    lamoo_params = parse_key_values(args.lamoo_param, "--lamoo-param")
    tasks = [Spec.parse(t, "task") for t in split_list(args.tasks)]
    plans = [plan_method(m, lamoo_params) for m in split_list(args.methods)]
    for what, labels in (("task", [t.label for t in tasks]), ("method", [p.label for p in plans])):
        if len(set(labels)) != len(labels):
            raise InvalidInputError(f"a {what} is listed twice: {labels}")
    task_options = {}
    for task in tasks:
        path = task_import_path(task.name)
        factory = load_object(path)
        rejected = sorted(set(task.options) - set(accepted_options(factory, task.options)))
        if rejected:
            raise InvalidInputError(f"task {task.label!r}: {path} takes no option(s) {rejected}")
        options = dict(task.options)
        if args.table is not None:  # only to the tasks that read a table
            options.update(accepted_options(factory, {"table": str(Path(args.table).expanduser().resolve())}))
        task_options[task.label] = (path, options)
    specs = []
    for seed in args.seeds:
        for task in tasks:
            path, options = task_options[task.label]
            for plan in plans:
                specs.append(RunSpec(task=task.label, task_path=path, task_options=options, method=plan.to_dict(),
                                     seed=seed, budget=args.budget, batch_size=args.batch_size, n_init=args.n_init,
                                     path=str(out / "json" / run_filename(task.label, plan.label, seed)),
                                     save_points=not args.no_points, command=command))
    return specs


def check_tasks(specs) -> None:
    """Build each task once before the grid starts, so that a missing table or a bad option
    stops the grid with one clear error instead of failing every run."""
    from benchmarks.grid import get_task

    seen = set()
    for spec in specs:
        key = (spec.task_path, json.dumps(spec.task_options, sort_keys=True))
        if key not in seen:
            seen.add(key)
            task = get_task(spec.task_path, spec.task_options)
            if spec.n_init > spec.budget:
                raise InvalidInputError(f"--n-init {spec.n_init} is larger than --budget {spec.budget}")
            n_cand = task.space.n_candidates
            if n_cand is not None and spec.budget > n_cand:
                raise InvalidInputError(f"task {spec.task!r} has only {n_cand} candidates, fewer than --budget {spec.budget}")


def _append_manifest(out: Path, entry: dict) -> None:
    from benchmarks.grid import write_json_atomic

    path = out / "grid.json"
    manifest = json.loads(path.read_text()) if path.exists() else {"commands": []}
    manifest["commands"].append(entry)
    write_json_atomic(path, manifest)


def run(args) -> int:
    from benchmarks.grid import plan_grid, run_grid

    out = results_dir(args)
    command = reproduce_command(args, out)
    specs = build_specs(args, out, command)
    plan = plan_grid(specs, retry_failed=args.retry_failed)
    print(f"grid: {len(specs)} runs in {out} ({len(plan.done)} done, {len(plan.failed_before)} failed before"
          f"{' (kept; --retry-failed runs them again)' if plan.failed_before else ''}, {len(plan.todo)} to run)")
    if args.list:
        status = {id(s): "todo" for s in plan.todo} | {id(s): "done" for s in plan.done} | \
                 {id(s): "failed" for s in plan.failed_before}
        for s in specs:
            print(f"  {status[id(s)]:6} {s.task:24} {s.method_label:32} seed {s.seed}")
        return 0
    if plan.todo:
        check_tasks(plan.todo)
        out.mkdir(parents=True, exist_ok=True)
        started = time.time()
        _append_manifest(out, {"command": command, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                               "runs": len(specs), "to_run": len(plan.todo)})
        try:
            summaries = run_grid(plan.todo, workers=args.workers, threads=args.threads, progress=not args.no_progress)
        except KeyboardInterrupt:
            print("\ninterrupted: finished runs are saved; run the same command again to resume", file=sys.stderr)
            return 130
        bad = [s for s in summaries if s["status"] != "ok"]
        print(f"ran {len(summaries)} runs in {time.time() - started:.1f} s; {len(bad)} failed")
        for s in bad:
            print(f"  FAILED {s['task']} {s['method']} seed {s['seed']}: {s['error']}", file=sys.stderr)
    if args.report:
        from benchmarks.report import write_report

        print(f"wrote {write_report(out)}")
    else:
        print(f"report: lamoo bench-report {shlex.quote(str(out))}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from lamoo.cli import run_command_module

    return run_command_module(sys.modules[__name__], "python -m benchmarks.run", argv)


if __name__ == "__main__":
    sys.exit(main())
