"""Prove the GPU training path in one run: tests, correctness, throughput and concurrency.

Run from the repository root (``benchmarks`` is not installed; nothing needs installing either):

    python -m benchmarks.gpu_check --out OUT                        # on a GPU machine: about 5 minutes
    python -m benchmarks.gpu_check --device cpu --tiny --out OUT    # CPU dry run: seconds

Sections, in order, each in its own process group with its own time budget (a share of
``--budget`` seconds, what earlier sections leave unused passed on), killed with its workers if it
overruns by more than :data:`GRACE_S`; each saves its partial result as it goes:

- ``device``: the device, the autocast dtype lamoo picks on it, cuDNN/TF32 settings, the ceilings;
- ``tests``: the ``gpu``-marked tests under pytest (log: ``OUT/pytest-gpu.txt``);
- ``correctness``: a digits cell on the device and on the CPU, same seed, judged against the spread
  of CPU data-order seeds (:mod:`benchmarks.gpu_check_tolerance`);
- ``throughput``: training images/s at batch 512 on CIFAR-shaped data held on the device, for
  C=16 N=5 and C=8 N=1, the cheapest / median / most expensive cell by FLOPs, eager, with
  cuDNN autotuning and with ``torch.compile`` (also with CUDA graphs); peak memory;
- ``concurrency``: 1, 2, 4, 8 cells trained at once in as many processes; the cells per GPU (and
  Ray ``num_gpus``) that :func:`nas_tasks.training.packing.recommend_cells_per_gpu` draws from it.

Writes ``OUT/gpu_check.json`` (schema :data:`SCHEMA_VERSION`, checked by :func:`check_schema`)
and ``OUT/gpu_check.txt`` (the same as tables, also printed). It imports only torch, numpy,
scikit-learn (robustness AUROC) and pytest (tests) besides lamoo and nas_tasks: never moocore,
pymoo, cma, Optuna or Ray (each section records :data:`NOT_ON_GPU_MACHINE` modules it imported).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

SCHEMA_VERSION = 1
SECTIONS = ("device", "tests", "correctness", "throughput", "concurrency")
SHARES = {"device": 20, "tests": 50, "correctness": 60, "throughput": 110, "concurrency": 60}
"""Each section's share of the budget (seconds of the default 300)."""
GRACE_S = 10.0
"""Seconds a section may overrun its budget before it is killed."""
TARGET_IMAGES_PER_SECOND = 20_000
"""Issue 20's target for the most expensive C=16, N=5 cell on one H100/H200-class GPU."""
NOT_ON_GPU_MACHINE = ("moocore", "pymoo", "cma", "optuna", "ray")
PACKAGES = ("torch", "numpy", "scipy", "scikit-learn", "pandas", "pytest", "pytest-timeout", "triton") + \
    NOT_ON_GPU_MACHINE


def settings(device: str, tiny: bool, threads: int | None, start_method: str, networks=None,
             steps_per_epoch: int | None = None, seeds: tuple[int | None, int | None] = (None, None)) -> dict:
    """Every section's settings: the real sizes, or ``tiny`` ones for a CPU dry run; ``networks``
    (``[C, N]`` pairs) and ``steps_per_epoch`` override the throughput sizes, ``seeds`` the
    numbers of CPU fp32 and CPU bf16 data-order seeds of the correctness runs."""
    common = {"device": device, "threads": threads}
    if tiny:
        corr = dict(max_train=120, max_eval=60, channels=2, epochs=1, batch_size=32, seeds=2, bf16_seeds=1,
                    run_seconds=1.0)
        speed = dict(batch_size=8, steps_per_epoch=2, target_seconds=0.02, compile_backend="eager",
                     measure_seconds=1.0, compile_seconds=3.0)
        conc = dict(network=[2, 1], cells=[1, 2], round_seconds=3.0)
        networks = networks or [[2, 1]]
    else:
        corr = dict(max_train=None, max_eval=None, channels=8, epochs=10, batch_size=512, seeds=8, bf16_seeds=2,
                    run_seconds=3.0)
        speed = dict(batch_size=512, steps_per_epoch=16, target_seconds=2.0, compile_backend=_compile_backend(device),
                     measure_seconds=8.0, compile_seconds=90.0)
        conc = dict(network=[16, 5], cells=[1, 2, 4, 8], round_seconds=15.0)
        networks = networks or [[16, 5], [8, 1]]
    if steps_per_epoch:
        speed["steps_per_epoch"] = steps_per_epoch
    for key, value in zip(("seeds", "bf16_seeds"), seeds):
        if value is not None:
            corr[key] = value
    correctness = {**common, "dataset": "digits", "cells_per_stage": 1, "cell": [3, 1, 3, 1, 3, 4], "weight_seed": 0,
                   **corr}
    throughput = {**common, "networks": networks, **speed}
    concurrency = {**common, **{k: speed[k] for k in ("batch_size", "steps_per_epoch")}, "cell": "median",
                   "target_seconds": 10 * speed["target_seconds"] if tiny else 3.0, "barrier_seconds": 120.0,
                   "start_method": start_method, **conc}
    return {"device": dict(common), "tests": dict(common), "correctness": correctness, "throughput": throughput,
            "concurrency": concurrency}


def _compile_backend(device: str) -> str | None:
    """``"inductor"`` where ``torch.compile`` can generate code for ``device`` (Triton on CUDA),
    else None (on the CPU, inductor's C++ build takes minutes: ``--tiny`` uses the eager backend)."""
    import importlib.util

    return "inductor" if device != "cpu" and importlib.util.find_spec("triton") is not None else None


# ------------------------------------------------------------------------------------ one section
def _write_json(path: str | Path, data) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, default=str)
    os.replace(tmp, path)


def _run_function(name: str):
    """The function of section ``name``, or of ``"module:function"`` (how tests run their own)."""
    import importlib

    from benchmarks import gpu_check_sections as sections
    from benchmarks import gpu_check_speed as speed

    if ":" in name:
        module, function = name.split(":")
        return getattr(importlib.import_module(module), function)
    return {"device": sections.device_section, "tests": sections.tests_section,
            "correctness": sections.correctness_section, "throughput": speed.throughput_section,
            "concurrency": speed.concurrency_section}[name]


def _section_child(name: str, cfg: dict, path: str, deadline: float) -> None:
    """A section's process: its own process group (so that it is killed with its workers), its
    result saved to ``path`` as it goes and at the end."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    start, last = time.time(), {"result": None}

    def save(status, result, **extra):
        loaded = [m for m in NOT_ON_GPU_MACHINE if m in sys.modules]
        _write_json(path, {"status": status, "seconds": time.time() - start, "result": result,
                           "imported_not_on_gpu_machine": loaded, **extra})

    def emit(result):
        last["result"] = result
        save("running", result)

    try:
        result = _run_function(name)(cfg, deadline, emit)
        save("skipped" if isinstance(result, dict) and isinstance(result.get("skipped"), str) else "ok", result)
    except BaseException as exc:  # noqa: BLE001 - record why the section failed
        save("error", last["result"], error=f"{type(exc).__name__}: {exc}",
             traceback=traceback.format_exc()[-3000:])


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def run_section(name: str, cfg: dict, out: Path, budget: float, ctx, grace: float = GRACE_S) -> dict:
    """Run section ``name`` in a child process for at most ``budget + grace`` seconds; its record."""
    import importlib

    path = out / f"section-{name.split(':')[-1]}.json"
    start = time.time()
    # by its module's name, not __main__'s: a spawned process must find it by pickle
    child = importlib.import_module("benchmarks.gpu_check")._section_child
    proc = ctx.Process(target=child, args=(name, cfg, str(path), start + budget))
    proc.start()
    proc.join(budget + grace)
    timed_out = proc.is_alive()
    _kill_group(proc.pid)  # the section and any worker it left behind
    proc.join()
    try:
        record = json.loads(path.read_text())
        path.unlink()
    except (OSError, ValueError):
        record = {"result": None}
    if timed_out:
        record["status"] = "timeout"
    elif record.get("status") in (None, "running"):
        record["status"] = "error"
        record.setdefault("error", f"the section process ended (exit code {proc.exitcode}) without a result")
    record.update(budget_s=round(budget, 1), seconds=round(time.time() - start, 2))
    return record


# ------------------------------------------------------------------------------------ the run
def environment() -> dict:
    """The machine and the packages (versions read from metadata: nothing is imported)."""
    from importlib import metadata

    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return {"python": platform.python_version(), "platform": platform.platform(), "cpu_count": os.cpu_count(),
            "git_commit": commit or None, "packages": {p: version(p) for p in PACKAGES}}


def summarize(report: dict) -> dict:
    """The figures the issue asks for, pulled out of the sections."""
    from benchmarks.gpu_check_report import best_costliest

    sections = report["sections"]
    result = {name: (sections.get(name) or {}).get("result") or {} for name in SECTIONS}
    eager, best = best_costliest(result["throughput"].get("rows", []))
    return {"statuses": {n: r["status"] for n, r in sections.items()},
            "tests": result["tests"].get("counts"), "correctness": (result["correctness"].get("comparison") or {}).get(
                "summary"), "target_images_per_second": TARGET_IMAGES_PER_SECOND,
            "costliest_c16n5_eager_images_per_second": eager, "costliest_c16n5_best": best,
            "meets_target": None if best is None or not str(result["throughput"].get("device")).startswith("cuda")
            else best["images_per_second"] >= TARGET_IMAGES_PER_SECOND,
            "recommended_cells_per_gpu": result["concurrency"].get("recommended_cells_per_gpu"),
            "ray_num_gpus": result["concurrency"].get("ray_num_gpus")}


def run(args) -> dict:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start_method = args.start_method if args.start_method != "auto" else ("fork" if args.device == "cpu" else "spawn")
    cfg = settings(args.device, args.tiny, args.threads, start_method, args.networks, args.steps_per_epoch,
                   (args.seeds, args.bf16_seeds))
    cfg["tests"]["log"] = str(out / "pytest-gpu.txt")
    ctx = multiprocessing.get_context(start_method)
    report = {"schema": SCHEMA_VERSION, "argv": sys.argv[1:], "device": args.device, "tiny": args.tiny,
              "budget_s": args.budget, "start_method": start_method, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                            time.gmtime()),
              "environment": environment(), "settings": cfg, "sections": {}}
    end = time.time() + args.budget
    todo = [s for s in SECTIONS if s in args.sections]
    for i, name in enumerate(todo):
        left = end - time.time()
        budget = max(1.0, left * SHARES[name] / sum(SHARES[s] for s in todo[i:]))
        report["sections"][name] = run_section(name, cfg[name], out, budget, ctx)
        report["summary"] = summarize(report)
        _write_json(out / "gpu_check.json", report)
    report["wall_s"] = round(time.time() - (end - args.budget), 1)
    report["summary"] = summarize(report)
    _write_json(out / "gpu_check.json", report)
    return report


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="folder for gpu_check.json, gpu_check.txt, pytest-gpu.txt")
    p.add_argument("--device", default="cuda", help="cuda (default), cuda:N, auto or cpu")
    p.add_argument("--budget", type=float, default=300.0, help="seconds for all sections together")
    p.add_argument("--tiny", action="store_true", help="tiny sizes (the CPU dry run)")
    p.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=SECTIONS)
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: all)")
    p.add_argument("--networks", nargs="+", default=None, type=lambda s: [int(v) for v in s.split(",")],
                   help="throughput networks as C,N (default: 16,5 8,1)")
    p.add_argument("--steps-per-epoch", type=int, default=None,
                   help="batches per epoch of the synthetic throughput data (default 16; fewer on a CPU)")
    p.add_argument("--seeds", type=int, default=None, help="CPU fp32 data-order seeds of the correctness runs "
                   "(default 8; at least 2 for a tolerance)")
    p.add_argument("--bf16-seeds", type=int, default=None, help="CPU bf16 data-order seeds (default 2)")
    p.add_argument("--start-method", default="auto", choices=("auto", "fork", "spawn", "forkserver"),
                   help="how section and worker processes start (auto: fork on the CPU, spawn on CUDA)")
    return p.parse_args(argv)


WARM_IMPORTS = ("torch", "sklearn.metrics", "sklearn.datasets", "nas_tasks.training.cell_job", "nas_tasks.training.loop",
                "nas_tasks.objectives.accuracy", "nas_tasks.objectives.introspectability",
                "nas_tasks.objectives.robustness", "nas_tasks.nb201.cost", "nas_tasks.nb201.network",
                "benchmarks.gpu_check_sections", "benchmarks.gpu_check_speed")
"""Imported here before forking sections (none of them touches CUDA), so each does not again."""


def main(argv=None) -> dict:
    args = parse_args(argv)
    import importlib

    from benchmarks.gpu_check_report import format_report

    for module in WARM_IMPORTS:
        try:
            importlib.import_module(module)
        except ImportError:  # a missing package fails in the section that needs it, and is reported there
            pass
    report = run(args)
    text = format_report(report)
    (Path(args.out) / "gpu_check.txt").write_text(text)
    print(text)
    return report


if __name__ == "__main__":
    main()
