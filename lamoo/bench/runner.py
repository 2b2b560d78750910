"""Run one grid entry (task, method, seed) and write its record.

A lamoo method (a sampler alone or ``LaMOO(sampler)``) runs through :class:`lamoo.Study`; a peer
runs its own library's ask/tell loop, evaluating through a :class:`~lamoo.bench.recorder.Recorder`.
Both give a :class:`lamoo.result.Result`, from which the record takes the same fields: the
hypervolume after every evaluation, the optimizer / evaluation time split, ``X`` and ``Y``.
A run that raises is recorded too (``"status": "error"`` with the traceback).
"""
from __future__ import annotations

import math
import time
import traceback
from pathlib import Path
from typing import NamedTuple

from lamoo.bench.planning import RunSpec
from lamoo.bench.provenance import git_commit, machine
from lamoo.versions import library_versions
from lamoo.bench.records import SCHEMA, write_json_atomic


class Outcome(NamedTuple):
    """What a method's run gives the record: its ``result`` (a :class:`lamoo.result.Result`),
    per-batch ``iterations`` (``batch``, ``size``, ``n_evaluated``, ``optimizer_seconds``,
    ``evaluation_seconds``), ``extra`` record fields, and total optimizer and run seconds."""

    result: object
    iterations: list
    extra: dict
    optimizer_seconds: float
    run_seconds: float


def execute(spec: RunSpec) -> dict:
    """Run ``spec``, write its JSON file (also when it fails) and return a short summary:
    ``path``, ``task``, ``method``, ``seed``, ``status`` (``"ok"`` / ``"error"``), ``error``,
    ``final_hypervolume`` and ``wall_seconds``."""
    from lamoo.bench.methods import MethodPlan
    from lamoo.bench.tasks import cached_task

    started = time.time()
    env = machine()
    record = {
        "schema": SCHEMA, "status": "running", "task": spec.task, "task_path": spec.task_path,
        "task_options": spec.task_options, "method": spec.method_label, "method_plan": spec.method,
        "seed": spec.seed, "budget": spec.budget, "batch_size": spec.batch_size, "n_init": spec.n_init,
        "command": spec.command, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "versions": library_versions(), "git_commit": git_commit(), "platform": env["platform"],
        "threads": env["threads"], **spec.extra,
    }
    wall_start = time.perf_counter()
    try:
        task = cached_task(spec.task_path, spec.task_options)
        record.update(run_method(task, MethodPlan.from_dict(spec.method), spec))
        record["status"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a failing run is recorded and the grid goes on
        record["status"] = "error"
        record["error"] = f"{type(exc).__name__}: {exc}"
        record["traceback"] = traceback.format_exc()
    record["wall_seconds"] = time.perf_counter() - wall_start
    after = machine()  # torch is loaded now, if the run used it
    if "torch_threads" in after:
        record["torch_threads"] = after["torch_threads"]
    record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    write_json_atomic(Path(spec.path), record)
    return {"path": spec.path, "task": spec.task, "method": spec.method_label, "seed": spec.seed,
            "status": record["status"], "error": record.get("error"),
            "final_hypervolume": record.get("final_hypervolume"), "wall_seconds": record["wall_seconds"]}


def run_method(task, plan, spec: RunSpec) -> dict:
    """The record fields of one run of ``plan`` on ``task`` (everything but provenance)."""
    from lamoo.bench.methods import build_method

    method = build_method(plan)
    run = _run_peer if plan.kind == "peer" else _run_study
    result, iterations, extra, optimizer_seconds, run_seconds = run(task, method, plan, spec)
    trace = result.hypervolume_trace
    out = {
        "config": method.config(),  # after the run: a peer resolves its defaults while it runs
        "objectives": [{"name": o.name, "direction": o.direction} for o in result.objectives],
        "ref_point": result.ref_point.tolist(), "max_hypervolume": _max_hypervolume(task),
        "task_description": _describe(task),
        "n_evaluations": len(result), "n_failed": int(result.failed.sum()),
        "final_hypervolume": float(trace[-1]) if len(trace) else 0.0,
        "hypervolume_trace": [float(v) for v in trace],
        "timing": {"run_seconds": run_seconds, "optimizer_seconds": optimizer_seconds,
                   "evaluation_seconds": sum(it["evaluation_seconds"] for it in iterations),
                   "iterations": iterations},
        **extra,
    }
    indicators = _indicators(task, result)
    if indicators is not None:
        out["indicators"] = indicators
    if spec.save_points:
        out["X"] = result.X.tolist()
        out["Y"] = [[None if not math.isfinite(v) else float(v) for v in row] for row in result.Y]
        out["sources"] = list(result.sources)
    return out


def _indicators(task, result) -> dict | None:
    """IGD, IGD+ and additive epsilon of the run's points (normalized by the front's range) when
    the task knows its exact Pareto front (:mod:`lamoo.indicators`); NaN values (no successful
    point) are kept as None."""
    from lamoo.indicators import known_front

    front = known_front(task, result.objectives)
    if front is None:
        return None
    return {k: (float(v) if math.isfinite(v) else None) for k, v in result.indicators(front=front).items()}


def _max_hypervolume(task) -> float | None:
    return getattr(task, "max_hypervolume", None)  # a user's duck-typed task may not know it


def _run_peer(task, peer, plan, spec: RunSpec) -> Outcome:
    """A peer's own ask/tell loop, every evaluation through a Recorder."""
    from lamoo.bench.recorder import Recorder

    recorder = Recorder(task)
    start = time.perf_counter()
    peer.run(task, recorder, spec.budget, spec.n_init, spec.batch_size, spec.seed)
    run_seconds = time.perf_counter() - start
    recorder.finish()
    result = recorder.result(max_hypervolume=_max_hypervolume(task), seed=spec.seed)
    iterations = recorder.iterations
    extra = {"n_duplicates": recorder.n_duplicates, "n_repaired": recorder.n_repaired,
             "trailing_optimizer_seconds": recorder.trailing_optimizer_seconds}
    optimizer_seconds = sum(it["optimizer_seconds"] for it in iterations) + recorder.trailing_optimizer_seconds
    return Outcome(result, iterations, extra, optimizer_seconds, run_seconds)


def _run_study(task, sampler, plan, spec: RunSpec) -> Outcome:
    """A lamoo sampler through :class:`lamoo.Study` (LaMOO's diagnostics recorded by a
    :class:`~lamoo.bench.probe.LamooProbe`)."""
    from lamoo.bench.probe import LamooProbe
    from lamoo.bench.recorder import iterations_from_result
    from lamoo.driver import Study

    probe = LamooProbe() if plan.kind == "lamoo" else None
    start = time.perf_counter()
    study = Study(task, sampler, seed=spec.seed, n_init=spec.n_init)
    result = study.optimize(spec.budget, spec.batch_size, callback=probe)
    run_seconds = time.perf_counter() - start
    iterations = iterations_from_result(result)
    extra = {"n_duplicates": 0, "n_fill": int(sum(s == "fill" for s in result.sources))}
    if probe is not None:
        extra["lamoo"] = probe.records
    return Outcome(result, iterations, extra, sum(it["optimizer_seconds"] for it in iterations), run_seconds)


def _describe(task) -> dict:
    """``task.describe()``, or its class when it has none (or it raises)."""
    describe = getattr(task, "describe", None)
    try:
        return describe() if callable(describe) else {"class": f"{type(task).__module__}.{type(task).__qualname__}"}
    except Exception as exc:  # noqa: BLE001 - a description is informative only
        return {"error": repr(exc)}
