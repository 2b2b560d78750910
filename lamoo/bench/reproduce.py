"""The ``lamoo bench`` commands that make exactly the runs of a results folder, rebuilt from the
run records themselves, not from the commands that were typed (an interrupted command finished
by another one would list runs that do not exist)."""
from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

from lamoo.bench.provenance import bench_command
from lamoo.bench.specs import Spec
from lamoo.bench.summary import method_order
from lamoo.bench.tasks import TABLE, canonical_task_path, default_option, registered_task_path


def reproduce_commands(runs: list[dict], out) -> list[str]:
    """Shell-quoted ``lamoo bench`` command lines making the runs in ``runs`` into ``out``.

    Runs are grouped by the settings that shape their results (budget, batch size, initial design
    size, the table); within a group, each method's runs are split into blocks ``tasks x seeds``,
    and methods with the same block share one command. A complete grid is one command; a partial
    one becomes one command per method (or per task and method) as needed. The worker count is
    left out (it does not change results)."""
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
    initial design size and ``--table`` (None for the factory's default table)."""
    options = dict(run.get("task_options") or {})
    for key in Spec.parse(run["task"], "task").options:  # inline options are part of the task label
        options.pop(key, None)
    table = _table_argument(options.get(TABLE), canonical_task_path(run.get("task_path")), out)
    return (int(run["budget"]), int(run["batch_size"]), int(run["n_init"]), table)


def _table_argument(table, task_path: str | None, out) -> str | None:
    """The ``--table`` value of a run's table: None for the factory's default table; relative to
    the working directory (or its parent) when ``out`` is relative (the commands run from there),
    else absolute."""
    if not table:
        return None
    path = Path(table).expanduser().resolve()
    default = default_option(task_path, TABLE) if task_path else None
    if default is not None and path == Path(default).expanduser().resolve():
        return None
    if Path(out).is_absolute() or not path.is_relative_to(Path.cwd().parent):
        return str(path)
    return os.path.relpath(path)


def _add_task(run: dict) -> dict[str, str]:
    """``{task label: "NAME=module:callable"}`` when the run's task is not the registered one of
    its name."""
    name, path = Spec.parse(run["task"], "task").name, canonical_task_path(run.get("task_path"))
    if not path or registered_task_path(name) == path:
        return {}
    return {run["task"]: f"{name}={path}"}
