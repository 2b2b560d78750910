"""The device, tests and correctness sections of ``benchmarks/gpu_check.py``.

- ``device``: what the device is (name, capability, memory, the autocast dtype lamoo picks on it,
  cuDNN and TF32 settings) and, on CUDA, its two ceilings measured on random data (a
  device-to-device copy and a bf16 matrix product).
- ``tests``: the ``gpu``-marked tests of :data:`GPU_TEST_FILES`, run by pytest in this process.
- ``correctness``: one digits cell trained on the device and on the CPU with the same seed; see
  :func:`correctness_section` for the runs and :mod:`benchmarks.gpu_check_tolerance` for how the
  differences are judged.

Like the speed sections, each takes ``(cfg, deadline, emit)`` and skips what would not end by the
deadline.
"""
from __future__ import annotations

import os
import time

GPU_TEST_FILES = ("tests/nas_tasks/test_gpu.py", "tests/nas_tasks/test_training.py")
"""Every test file with ``gpu``-marked tests (a test checks that none is missing)."""
METRICS = ("accuracy", "introspectability", "robustness")
"""The objectives measured on the validation split in the correctness runs."""


# ------------------------------------------------------------------------------------ device
def _ceilings(device) -> dict:
    """A device-to-device copy (GB/s, bytes read plus written) and a bf16 matrix product (TFLOP/s),
    each the median of 5 timed runs after 2 warm-ups, on random data."""
    import torch

    def median_ms(fn) -> float:
        for _ in range(2):
            fn()
        times = []
        for _ in range(5):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
        return sorted(times)[2]

    src = torch.rand(256 * 2 ** 20, device=device)  # 1 GiB of float32
    dst = torch.empty_like(src)
    copy_ms = median_ms(lambda: dst.copy_(src))
    n = 8192
    a, b = (torch.randn(n, n, device=device, dtype=torch.bfloat16) for _ in range(2))
    mm_ms = median_ms(lambda: a @ b)
    return {"copy_GBps": 2 * src.numel() * 4 / copy_ms / 1e6, "bf16_matmul_TFLOPs": 2 * n ** 3 / mm_ms / 1e9}


def device_section(cfg: dict, deadline: float, emit) -> dict:
    """The device and its settings (and, on CUDA, its ceilings)."""
    import importlib.util

    import torch

    from nas_tasks.training.device import amp_dtype, resolve_device

    device = resolve_device(cfg["device"])
    dtype = amp_dtype(device, cfg.get("precision", "auto"))
    out = {"device": str(device), "type": device.type, "torch": torch.__version__,
           "cuda_runtime": torch.version.cuda, "autocast_dtype": None if dtype is None else str(dtype)[6:],
           "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
           "cudnn_benchmark": bool(torch.backends.cudnn.benchmark),
           "cudnn_deterministic": bool(torch.backends.cudnn.deterministic),
           "tf32_matmul": bool(torch.backends.cuda.matmul.allow_tf32), "tf32_cudnn": bool(torch.backends.cudnn.allow_tf32),
           "triton": importlib.util.find_spec("triton") is not None, "cpu_count": os.cpu_count()}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        out.update(name=props.name, capability=list(torch.cuda.get_device_capability(device)),
                   memory_bytes=int(props.total_memory), multiprocessors=props.multi_processor_count,
                   bf16_native=torch.cuda.is_bf16_supported(including_emulation=False))
        emit(out)
        if time.time() + 10 < deadline:
            out["ceilings"] = _ceilings(device)
    return out


# ------------------------------------------------------------------------------------ tests
class _Collector:
    """A pytest plug-in keeping each test's outcome, seconds and first line of failure."""

    def __init__(self):
        self.rows: list[dict] = []

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome != "passed":
            longrepr = report.longrepr
            if isinstance(longrepr, tuple):  # a skip: (path, line, reason)
                longrepr = longrepr[-1]
            text = str(longrepr).strip().splitlines() if longrepr else []
            self.rows.append({"test": report.nodeid, "when": report.when, "outcome": report.outcome,
                              "seconds": round(report.duration, 3), "message": text[-1][:300] if text else None})


def tests_section(cfg: dict, deadline: float, emit) -> dict:
    """Run the ``gpu``-marked tests under pytest, in this process, output to ``cfg["log"]``."""
    try:
        import pytest
    except ImportError:
        return {"skipped": "pytest is not installed"}
    import importlib.util

    files = [f for f in GPU_TEST_FILES if os.path.isfile(f)]
    args = ["-m", "gpu", "-o", "addopts=", "-p", "no:cacheprovider", "-q", "-rA", *files]
    if importlib.util.find_spec("pytest_timeout") is not None:
        args += ["--timeout", str(max(5, int(deadline - time.time() - 2)))]
    with open(cfg["log"], "w") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        collector = _Collector()
        code = int(pytest.main(args, plugins=[collector]))
    counts: dict[str, int] = {}
    for row in collector.rows:
        if row["when"] == "call" or row["outcome"] != "passed":
            counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
    return {"files": files, "exit_code": code, "counts": counts, "tests": collector.rows}


# ------------------------------------------------------------------------------------ correctness
def train_and_measure(run: dict, cfg: dict) -> dict:
    """Train ``cfg``'s digits cell as ``run`` says (``device``, ``precision``, ``order_seed``:
    the shuffling and augmentation seed, ``threads``), weights from ``cfg["weight_seed"]``; its
    :data:`METRICS` on the validation split (an objective that fails is None, with its error)."""
    from nas_tasks.objectives import get_objective
    from nas_tasks.objectives.base import EvalContext
    from nas_tasks.training.cell_job import build_model, get_splits, task_info
    from nas_tasks.training.config import DataConfig, NetworkConfig, TrainingConfig
    from nas_tasks.training.device import DeviceData, resolve_device, set_threads
    from nas_tasks.training.loop import train_model

    threads = set_threads(run.get("threads") or cfg.get("threads"))
    device = resolve_device(run["device"])
    data_cfg = DataConfig(cfg["dataset"], max_train=cfg.get("max_train"), max_eval=cfg.get("max_eval"))
    splits = get_splits(data_cfg)
    data = DeviceData(splits, device, run["precision"])
    network = NetworkConfig(cfg["channels"], cfg["cells_per_stage"])
    training = TrainingConfig(epochs=cfg["epochs"], batch_size=cfg["batch_size"])
    model = build_model(cfg["cell"], network, splits, cfg["weight_seed"])
    report = train_model(model, data, training, run["order_seed"])
    ctx = EvalContext(model.eval(), data, task_info(data_cfg, network, splits, device, training.batch_size, None),
                      tuple(cfg["cell"]), 512)
    metrics, errors = {}, {}
    for name in METRICS:
        try:
            metrics[name] = float(get_objective(name).measure(ctx)[0])
        except Exception as exc:  # noqa: BLE001 - e.g. scikit-learn missing for robustness
            metrics[name], errors[name] = None, f"{type(exc).__name__}: {exc}"
    return {**run, "device": str(device), "threads": threads, "amp": report.amp, "metrics": metrics,
            "errors": errors, "train_seconds": report.seconds, "final_loss": report.epoch_loss[-1],
            "n_val": len(splits.val[1])}


def correctness_runs(cfg: dict) -> list[dict]:
    """The runs, most important first: the device (auto precision) and the CPU (fp32) with the
    same seed; more CPU fp32 data-order seeds (the spread a tolerance needs); the device in fp32
    and the device again (its own bf16 effect and run-to-run spread); CPU bf16 autocast with the
    same data orders as fp32 runs; CPU fp32 on one thread (unless all runs are)."""
    dev = cfg["device"]
    runs = [{"role": "device", "device": dev, "precision": "auto", "order_seed": 0},
            {"role": "cpu_seed", "device": "cpu", "precision": "fp32", "order_seed": 0}]
    runs += [{"role": "cpu_seed", "device": "cpu", "precision": "fp32", "order_seed": s} for s in range(1, cfg["seeds"])]
    runs += [{"role": "device_fp32", "device": dev, "precision": "fp32", "order_seed": 0},
             {"role": "device_repeat", "device": dev, "precision": "auto", "order_seed": 0}]
    runs += [{"role": "cpu_bf16", "device": "cpu", "precision": "bf16", "order_seed": s}
             for s in range(cfg["bf16_seeds"])]
    if cfg.get("threads") != 1:  # else every run is on one thread already
        runs.append({"role": "cpu_1thread", "device": "cpu", "precision": "fp32", "order_seed": 0, "threads": 1})
    return runs


def correctness_section(cfg: dict, deadline: float, emit) -> dict:
    """Train the runs of :func:`correctness_runs` while time allows, then compare them
    (:func:`benchmarks.gpu_check_tolerance.compare`)."""
    from benchmarks.gpu_check_tolerance import compare

    result = {"setting": {k: cfg[k] for k in ("dataset", "channels", "cells_per_stage", "epochs", "batch_size",
                                                 "cell", "weight_seed", "max_train", "max_eval")},
              "runs": [], "skipped": []}
    estimate = cfg["run_seconds"]
    for run in correctness_runs(cfg):
        if time.time() + estimate > deadline:
            result["skipped"].append(f"{run['role']} order_seed={run['order_seed']}: under {estimate:.0f} s left")
            continue
        start = time.time()
        try:
            result["runs"].append(train_and_measure(run, cfg))
        except Exception as exc:  # noqa: BLE001 - keep the other runs
            result["runs"].append({**run, "error": f"{type(exc).__name__}: {exc}"})
        estimate = max(estimate, time.time() - start)
        emit(result)
    result["comparison"] = compare(result["runs"], METRICS)
    return result
