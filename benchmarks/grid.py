"""Run a grid of benchmark runs (task x method x seed), one JSON file per run, resumable.

A run's file is ``<out>/json/<task>__<method>__s<seed>.json``, written atomically (a temporary
file renamed into place) when the run ends, so an interrupted grid resumes by skipping the files
that exist. A run that raises is recorded too (``"status": "error"`` with the traceback) and the
grid goes on; ``retry_failed`` runs such runs again.

Runs execute in ``workers`` processes started with ``spawn``; each worker limits its math
libraries to ``threads`` threads (``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``,
``torch.set_num_threads``) before anything imports torch: on a small machine, several torch
processes with default thread counts slow each other down many times over.
"""
from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from lamoo.exceptions import InvalidInputError

SCHEMA = "lamoo-bench-run/1"
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS")
VERSIONED = ("lamoo", "numpy", "scipy", "scikit-learn", "moocore", "torch", "botorch", "gpytorch", "optuna", "pymoo",
             "cma", "pandas")


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs to run one (task, method, seed) and write its file."""

    task: str  # task label, e.g. "dtlz2" or "dtlz2:dim=8"
    task_path: str  # factory import path
    task_options: dict
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


# ---------------------------------------------------------------------------- worker side
def limit_threads(threads: int = 1) -> None:
    """Limit BLAS/OpenMP/torch threads of this process. Call before torch is imported: the
    environment variables only take effect in libraries loaded afterwards."""
    for var in THREAD_VARS:
        os.environ[var] = str(threads)
    if "torch" in sys.modules or _importable("torch"):
        import torch

        torch.set_num_threads(threads)
        try:
            torch.set_num_interop_threads(threads)
        except RuntimeError:  # already set, or parallel work already started in this process
            pass


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


WARM_IMPORTS = ("scipy.stats", "sklearn.svm", "botorch", "optuna", "pymoo.algorithms.moo.nsga2", "moocore")


def warm_up(modules=WARM_IMPORTS) -> None:
    """Import the heavy back ends once per worker, so that their import time is not charged to
    the optimizer time of whichever run happens to use them first."""
    import importlib

    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            pass


def _init_worker(threads: int) -> None:
    limit_threads(threads)
    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warm_up()


@lru_cache(maxsize=8)
def _cached_task(task_path: str, options_json: str):
    from benchmarks.tasks import build_task

    return build_task(task_path, json.loads(options_json))


def get_task(task_path: str, options: dict):
    """The task of a run (built once per worker process and reused across its runs)."""
    return _cached_task(task_path, json.dumps(options, sort_keys=True))


def library_versions() -> dict:
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    try:
        import lamoo

        out["lamoo"] = lamoo.__version__  # the checkout in use, installed or not
    except ImportError:
        pass
    return out


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    root = Path(__file__).resolve().parents[1]
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def _finite_or_none(values):
    return [None if (v is None or not math.isfinite(v)) else float(v) for v in values]


def execute(spec: RunSpec) -> dict:
    """Run one grid entry, write its JSON file (also when it fails) and return a short summary."""
    from benchmarks.methods import MethodPlan

    started = time.time()
    record = {
        "schema": SCHEMA, "status": "running", "task": spec.task, "task_path": spec.task_path,
        "task_options": spec.task_options, "method": spec.method_label, "method_plan": spec.method,
        "seed": spec.seed, "budget": spec.budget, "batch_size": spec.batch_size, "n_init": spec.n_init,
        "command": spec.command, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "versions": library_versions(), "git_commit": git_commit(), "platform": platform.platform(),
        "threads": os.environ.get("OMP_NUM_THREADS"), **spec.extra,
    }
    wall_start = time.perf_counter()
    try:
        plan = MethodPlan.from_dict(spec.method)
        task = get_task(spec.task_path, spec.task_options)
        record.update(_run(task, plan, spec))
        record["status"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a failing run is recorded and the grid goes on
        record["status"] = "error"
        record["error"] = f"{type(exc).__name__}: {exc}"
        record["traceback"] = traceback.format_exc()
    record["wall_seconds"] = time.perf_counter() - wall_start
    if "torch" in sys.modules:
        record["torch_threads"] = sys.modules["torch"].get_num_threads()
    record["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    write_json_atomic(Path(spec.path), record)
    return {"path": spec.path, "task": spec.task, "method": spec.method_label, "seed": spec.seed,
            "status": record["status"], "error": record.get("error"),
            "final_hypervolume": record.get("final_hypervolume"), "wall_seconds": record["wall_seconds"]}


def _run(task, plan, spec: RunSpec) -> dict:
    from benchmarks.methods import build_method
    from benchmarks.trace import Recorder, iterations_from_result
    from lamoo.driver import Study

    method = build_method(plan)
    max_hv = getattr(task, "max_hypervolume", None)
    extra: dict = {}
    if plan.kind == "peer":
        recorder = Recorder(task)
        start = time.perf_counter()
        method.run(task, recorder, spec.budget, spec.n_init, spec.batch_size, spec.seed)
        run_seconds = time.perf_counter() - start
        recorder.finish()
        result = recorder.result(max_hypervolume=max_hv, seed=spec.seed)
        iterations = recorder.iterations
        config = method.config()
        extra = {"n_duplicates": recorder.n_duplicates, "n_repaired": recorder.n_repaired,
                 "trailing_optimizer_seconds": recorder.trailing_optimizer_seconds}
        optimizer_seconds = sum(it["optimizer_seconds"] for it in iterations) + recorder.trailing_optimizer_seconds
    else:
        probe = LamooProbe() if plan.kind == "lamoo" else None
        start = time.perf_counter()
        study = Study(task, method, seed=spec.seed, n_init=spec.n_init)
        result = study.optimize(spec.budget, spec.batch_size, callback=probe)
        run_seconds = time.perf_counter() - start
        iterations = iterations_from_result(result)
        config = method.config()
        extra = {"n_duplicates": 0, "n_fill": int(sum(s == "fill" for s in result.sources))}
        if probe is not None:
            extra["lamoo"] = probe.records
        optimizer_seconds = sum(it["optimizer_seconds"] for it in iterations)
    evaluation_seconds = sum(it["evaluation_seconds"] for it in iterations)
    trace = result.hypervolume_trace
    out = {
        "config": config,
        "objectives": [{"name": o.name, "direction": o.direction} for o in result.objectives],
        "ref_point": result.ref_point.tolist(), "max_hypervolume": max_hv,
        "task_description": _describe(task),
        "n_evaluations": len(result), "n_failed": int(result.failed.sum()),
        "final_hypervolume": float(trace[-1]) if len(trace) else 0.0,
        "hypervolume_trace": [float(v) for v in trace],
        "timing": {"run_seconds": run_seconds, "optimizer_seconds": optimizer_seconds,
                   "evaluation_seconds": evaluation_seconds, "iterations": iterations},
        **extra,
    }
    if spec.save_points:
        out["X"] = result.X.tolist()
        out["Y"] = [_finite_or_none(row) for row in result.Y]
        out["sources"] = list(result.sources)
    return out


class LamooProbe:
    """A :meth:`lamoo.Study.optimize` callback recording what LaMOO did for each batch it
    proposed: the depth of the region searched, how many of the valid samples it holds,
    relaxations to a parent region, proposals outside the region, and the tree's size."""

    def __init__(self):
        self.records: list[dict] = []
        self._last = None

    def __call__(self, study, X, Y) -> None:
        proposal = study.last_proposal
        if proposal is None or proposal is self._last:  # the initial design: LaMOO proposed nothing
            return
        self._last = proposal
        info = proposal.info
        self.records.append({
            # n_valid: successful samples when LaMOO proposed (before this batch was told)
            "n_evaluated": study.n_told, "n_valid": int((~study.archive.failed[:study.n_told - len(X)]).sum()),
            "region_members": int(info["n_members"]), "selected_depth": len(info["path"]) - 1,
            "depth": int(info["depth"]), "relaxed": int(info["relaxed"]),
            "n_outside": int(info["n_outside"]), "tree_nodes": int(info["n_nodes"]),
            "tree_leaves": int(info["n_leaves"])})


def _describe(task) -> dict:
    describe = getattr(task, "describe", None)
    try:
        return describe() if callable(describe) else {"class": f"{type(task).__module__}.{type(task).__qualname__}"}
    except Exception as exc:  # noqa: BLE001 - a description is informative only
        return {"error": repr(exc)}


def write_json_atomic(path: Path, data: dict) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as fh:
        json.dump(data, fh, indent=1, allow_nan=False, default=_json_default)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _json_default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return repr(value)


# ---------------------------------------------------------------------------- grid side
@dataclass
class GridPlan:
    """The runs of a grid split into those to run and those already done."""

    todo: list[RunSpec]
    done: list[RunSpec]
    failed_before: list[RunSpec]


def comparable_task_options(task_path: str, options: dict) -> dict:
    """A run's task options as they shape its task: a ``table`` path resolved, and, for a
    factory that reads a table, the default NB201 table filled in when none was given (a run
    without ``--table`` and one with ``--table`` naming the default file build the same task)."""
    import inspect

    from benchmarks.tasks import DEFAULT_NB201_TABLE, load_object

    out = dict(options or {})
    if out.get("table") is not None:
        out["table"] = str(Path(out["table"]).expanduser().resolve())
        return out
    try:
        reads_table = "table" in inspect.signature(load_object(task_path)).parameters
    except (InvalidInputError, TypeError, ValueError):
        reads_table = False
    if reads_table:
        out["table"] = str(DEFAULT_NB201_TABLE.resolve())
    return out


def _settings_mismatch(old: dict, spec: RunSpec) -> list[str]:
    """How an existing run record differs from ``spec`` in the settings that shape its results."""
    out = [f"{k} {old.get(k)} in the file vs {getattr(spec, k)} asked" for k in ("budget", "batch_size", "n_init")
           if old.get(k) != getattr(spec, k)]
    if "task_path" in old and old["task_path"] != spec.task_path:
        out.append(f"task factory {old['task_path']} in the file vs {spec.task_path} asked (--add-task)")
    elif "task_options" in old:
        was = comparable_task_options(old.get("task_path") or spec.task_path, old["task_options"])
        now = comparable_task_options(spec.task_path, spec.task_options)
        for key in sorted(set(was) | set(now)):
            if was.get(key) != now.get(key):
                what = "--table" if key == "table" else f"task option {key!r}"
                out.append(f"{what} {was.get(key, '(unset)')} in the file vs {now.get(key, '(unset)')} asked")
    return out


def plan_grid(specs: list[RunSpec], retry_failed: bool = False) -> GridPlan:
    """Split ``specs`` by the files that exist. An existing file made with another budget,
    batch size, initial design size or task (factory, options such as the NB201 table) is an
    error: mixing them would corrupt the comparison."""
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
        mismatch = _settings_mismatch(old, spec)
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


def run_grid(specs: list[RunSpec], *, workers: int = 1, threads: int = 1, progress: bool = True,
             on_result=None) -> list[dict]:
    """Run ``specs`` (already filtered by :func:`plan_grid`); returns their summaries.

    ``workers == 0`` runs them in this process (after limiting its threads); otherwise in
    ``workers`` spawned processes."""
    summaries: list[dict] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(specs), desc="runs", unit="run", dynamic_ncols=True)

    def done(summary: dict) -> None:
        summaries.append(summary)
        if bar is not None:
            errors = sum(s["status"] != "ok" for s in summaries)
            bar.set_postfix_str(f"{summary['task']} {summary['method']} s{summary['seed']} "
                                f"{summary['status']}" + (f" | {errors} failed" if errors else ""))
            bar.update(1)
        if on_result is not None:
            on_result(summary)

    try:
        if workers <= 0:
            limit_threads(threads)
            warm_up()
            for spec in specs:
                done(execute(spec))
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor, as_completed

            ctx = multiprocessing.get_context("spawn")
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                       initargs=(threads,))
            try:
                futures = {pool.submit(execute, spec): spec for spec in specs}
                for future in as_completed(futures):
                    spec = futures[future]
                    try:
                        done(future.result())
                    except Exception as exc:  # noqa: BLE001 - a worker killed by the OS: no file, resume reruns it
                        done({"path": spec.path, "task": spec.task, "method": spec.method_label, "seed": spec.seed,
                              "status": "crashed", "error": f"{type(exc).__name__}: {exc}",
                              "final_hypervolume": None, "wall_seconds": None})
            except BaseException:  # Ctrl-C: drop the queued runs instead of waiting for all of them
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown(wait=True)
    finally:
        if bar is not None:
            bar.close()
    return summaries


def spec_dict(spec: RunSpec) -> dict:
    return asdict(spec)
