"""Planning a grid: the runs it holds (:class:`RunSpec`) and which of them a results folder
already has (:func:`plan_grid`), so that an interrupted grid resumes where it stopped.

A run is done when its file exists with ``"status": "ok"``; a run recorded as failed is kept
(``retry_failed`` runs it again). A file made with other settings (budget, batch size, initial
design size, task factory or options such as the NB201 table) is an error: mixing such runs
would corrupt the comparison.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from lamoo.bench.tasks import canonical_task_path, comparable_task_options
from lamoo.exceptions import InvalidInputError


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs to run one (task, method, seed) and write its file."""

    task: str  # task label, e.g. "dtlz2" or "dtlz2:dim=8"
    task_path: str  # factory import path, "module:attribute"
    task_options: dict  # keyword options of the factory
    method: dict  # MethodPlan.to_dict()
    seed: int
    budget: int
    batch_size: int
    n_init: int
    path: str  # the JSON file
    save_points: bool = True
    command: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def method_label(self) -> str:
        return self.method["label"]


@dataclass
class GridPlan:
    """The runs of a grid split into those to run, those done and those that failed before."""

    todo: list[RunSpec]
    done: list[RunSpec]
    failed_before: list[RunSpec]


def settings_mismatch(old: dict, spec: RunSpec) -> list[str]:
    """How an existing run record ``old`` differs from ``spec`` in the settings that shape its
    results, one phrase each (empty: none)."""
    out = [f"{k} {old.get(k)} in the file vs {getattr(spec, k)} asked" for k in ("budget", "batch_size", "n_init")
           if old.get(k) != getattr(spec, k)]
    old_path = canonical_task_path(old.get("task_path"))
    if old_path is not None and old_path != spec.task_path:
        out.append(f"task factory {old['task_path']} in the file vs {spec.task_path} asked (--add-task)")
    elif "task_options" in old:
        was = comparable_task_options(old_path or spec.task_path, old["task_options"])
        now = comparable_task_options(spec.task_path, spec.task_options)
        for key in sorted(set(was) | set(now)):
            if was.get(key) != now.get(key):
                what = "--table" if key == "table" else f"task option {key!r}"
                out.append(f"{what} {was.get(key, '(unset)')} in the file vs {now.get(key, '(unset)')} asked")
    return out


def plan_grid(specs: list[RunSpec], retry_failed: bool = False) -> GridPlan:
    """Split ``specs`` by the files that exist; :class:`InvalidInputError` listing (up to 10)
    files made with other settings."""
    todo, done, failed_before, conflicts = [], [], [], []
    for spec in specs:
        path = Path(spec.path)
        if not path.exists():
            todo.append(spec)
            continue
        try:
            old = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            todo.append(spec)  # unreadable (it cannot be half-written: writes are atomic): run again
            continue
        mismatch = settings_mismatch(old, spec)
        if mismatch:
            conflicts.append(f"{path.name}: " + ", ".join(mismatch))
        elif old.get("status") == "ok":
            done.append(spec)
        elif retry_failed:
            todo.append(spec)
        else:
            failed_before.append(spec)
    if conflicts:
        raise InvalidInputError("the results folder holds runs made with other settings (use another --out, or "
                                "delete them):\n  " + "\n  ".join(conflicts[:10]) +
                                (f"\n  ... and {len(conflicts) - 10} more" if len(conflicts) > 10 else ""))
    return GridPlan(todo, done, failed_before)
