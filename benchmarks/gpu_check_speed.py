"""The speed sections of ``benchmarks/gpu_check.py``: training throughput, and cells sharing a GPU.

Both train NB201 networks with the library's own loop (:func:`nas_tasks.training.loop.train_model`:
augmentation on the device, channels-last and autocast on CUDA) on CIFAR-shaped synthetic data held
on the device (:func:`synthetic_splits`: random ``3 x 32 x 32`` uint8 images, 10 balanced classes;
training speed does not depend on the pixel values). Images/s count training images over the wall
time of whole epochs, which end with the loop's one host sync per epoch. The cells are the
cheapest, the median and the most expensive by FLOPs (:func:`nas_tasks.nb201.cost.reference_cells`).

Each section gets a ``deadline`` (``time.time()`` seconds) and an ``emit(result)`` callback that
saves the partial result: a measurement that would not end in time is skipped and listed, so the
section ends inside its budget, and what was measured survives if it is stopped.
"""
from __future__ import annotations

import math
import os
import time

import numpy as np

MAX_EPOCHS = 50
"""Timed epochs are chosen to last about ``target_seconds``, at most this many."""


def synthetic_splits(n_train: int, n_eval: int = 256, shape=(3, 32, 32), num_classes: int = 10, seed: int = 0):
    """:class:`~nas_tasks.training.splits.Splits` of random uint8 images (``n x c x h x w``) with
    labels ``0 .. k-1`` in turn: ``n_train`` to train on, ``n_eval`` for validation and test."""
    from nas_tasks.training.data import ImageDataset
    from nas_tasks.training.splits import Splits

    rng = np.random.default_rng(seed)

    def part(n):
        return rng.integers(0, 256, (n, *shape), dtype=np.uint8), (np.arange(n) % num_classes).astype(np.int64)

    train, evaluation = part(n_train), part(n_eval)
    dataset = ImageDataset("synthetic", *train, *evaluation, tuple(f"class{i}" for i in range(num_classes)))
    info = {"dataset": "synthetic", "n_train": n_train, "n_val": n_eval, "n_test": n_eval}
    return Splits(dataset, train, evaluation, evaluation, info)


def _training(epochs: int, batch_size: int):
    from nas_tasks.training.config import TrainingConfig

    return TrainingConfig(epochs=epochs, batch_size=batch_size)


def timed_epochs(model, data, batch_size: int, target_seconds: float) -> int:
    """Train one epoch (untimed warm-up: cuDNN, the allocator, compilation), then one more to time
    it; the number of epochs that lasts about ``target_seconds`` (1 to :data:`MAX_EPOCHS`)."""
    from nas_tasks.training.loop import train_model

    train_model(model, data, _training(1, batch_size), seed=0)
    once = train_model(model, data, _training(1, batch_size), seed=1).seconds
    return int(min(MAX_EPOCHS, max(1, math.ceil(target_seconds / max(once, 1e-6)))))


def measure_training(model, data, batch_size: int, target_seconds: float, epochs: int | None = None) -> dict:
    """Training images/s of ``model`` on ``data`` (after :func:`timed_epochs`' warm-up), with the
    peak GPU memory of the timed epochs (None off CUDA)."""
    import torch

    from nas_tasks.training.loop import train_model

    cuda = data.device.type == "cuda"
    start = time.perf_counter()
    if epochs is None:
        epochs = timed_epochs(model, data, batch_size, target_seconds)
    warm = time.perf_counter() - start
    if cuda:
        torch.cuda.reset_peak_memory_stats(data.device)
    report = train_model(model, data, _training(epochs, batch_size), seed=2)
    peak = int(torch.cuda.max_memory_allocated(data.device)) if cuda else None
    return {"images_per_second": report.images_per_second, "seconds": report.seconds, "epochs": epochs,
            "steps": report.steps, "ms_per_step": 1000.0 * report.seconds / report.steps, "warmup_seconds": warm,
            "peak_memory_bytes": peak, "amp": report.amp, "final_loss": report.epoch_loss[-1]}


def _cells(network, cache: bool = False) -> dict:
    from nas_tasks.nb201.cost import reference_cells

    return reference_cells(channels=network[0], cells_per_stage=network[1], cache=cache)


def _plan(cfg: dict) -> list[tuple]:
    """``(network, cell name, variant)`` in the order they are measured: every cell eager, then the
    variants on the most expensive cell of the first network (cuDNN autotuning, ``torch.compile``,
    compiled with CUDA graphs when the backend is inductor), then the compiled cheapest cell."""
    first = tuple(cfg["networks"][0])
    plan = [(tuple(net), name, "eager") for net in cfg["networks"] for name in ("costliest", "median", "cheapest")]
    plan.append((first, "costliest", "cudnn_benchmark"))
    if cfg.get("compile_backend"):
        plan.append((first, "costliest", "compile"))
    if cfg.get("compile_backend") == "inductor":  # CUDA graphs: inductor's mode="reduce-overhead"
        plan.append((first, "costliest", "compile_cudagraphs"))
    if cfg.get("compile_backend"):
        plan.append((first, "cheapest", "compile"))
    return plan


def _one_row(net, name, variant, codes, flops, data, cfg) -> dict:
    import torch

    from nas_tasks.training.cell_job import build_model
    from nas_tasks.training.config import NetworkConfig

    model = build_model(codes, NetworkConfig(*net), data.splits, seed=0)
    row = {"channels": net[0], "cells_per_stage": net[1], "cell": name, "codes": [int(c) for c in codes],
           "mflops": flops, "variant": variant}
    benchmark = torch.backends.cudnn.benchmark
    try:
        if variant == "cudnn_benchmark":
            torch.backends.cudnn.benchmark = True
        if variant.startswith("compile"):
            row["compile_backend"] = cfg["compile_backend"]
            mode = {"compile_cudagraphs": "reduce-overhead"}.get(variant)
            model = torch.compile(model, backend=cfg["compile_backend"], **({"mode": mode} if mode else {}))
        row.update(measure_training(model, data, cfg["batch_size"], cfg["target_seconds"]))
        # training costs about 3 forward passes: 6 FLOPs per multiply-accumulate
        row["model_tflops"] = 6e6 * flops * row["images_per_second"] / 1e12
    except Exception as exc:  # noqa: BLE001 - one failed measurement must not stop the others
        row["error"] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    finally:
        torch.backends.cudnn.benchmark = benchmark
        if data.device.type == "cuda":
            torch.cuda.empty_cache()
    return row


def throughput_section(cfg: dict, deadline: float, emit) -> dict:
    """Training images/s of the cheapest, median and most expensive cell of each network in
    ``cfg["networks"]`` (``[C, N]`` pairs), eager; then, on the first network's most expensive
    cell, with ``torch.backends.cudnn.benchmark`` and with ``torch.compile``."""
    from nas_tasks.training.device import DeviceData, resolve_device, set_threads

    set_threads(cfg.get("threads"))
    device = resolve_device(cfg["device"])
    splits = synthetic_splits(cfg["batch_size"] * cfg["steps_per_epoch"])
    data = DeviceData(splits, device, cfg.get("precision", "auto"))
    cells = {tuple(net): _cells(net) for net in cfg["networks"]}
    result = {"device": str(device), "batch_size": cfg["batch_size"], "n_train": splits.info["n_train"],
              "image_shape": [3, 32, 32], "num_classes": 10, "amp": None if data.amp is None else str(data.amp)[6:],
              "target_seconds": cfg["target_seconds"], "rows": [], "skipped": []}
    for net, name, variant in _plan(cfg):
        need = cfg["compile_seconds"] if variant.startswith("compile") else cfg["measure_seconds"]
        if time.time() + need > deadline:
            result["skipped"].append(f"C={net[0]} N={net[1]} {name} {variant}: under {need:.0f} s left")
            continue
        codes, flops = cells[net][name]
        result["rows"].append(_one_row(net, name, variant, codes, flops, data, cfg))
        emit(result)
    return result


# ------------------------------------------------------------------------------------ concurrency
def _concurrency_worker(rank: int, n: int, cfg: dict, epochs, barrier, queue) -> None:
    """One of ``n`` processes training a cell at once: warm up, wait for the others, train ``epochs``
    (None: calibrate to ``target_seconds``), report images/s, wall times and peak memory."""
    try:
        import torch

        from nas_tasks.training.cell_job import build_model
        from nas_tasks.training.config import NetworkConfig
        from nas_tasks.training.device import DeviceData, resolve_device, set_threads
        from nas_tasks.training.loop import train_model

        set_threads(cfg.get("threads") or max(1, (os.cpu_count() or 1) // n))
        device = resolve_device(cfg["device"])
        splits = synthetic_splits(cfg["batch_size"] * cfg["steps_per_epoch"], seed=rank)
        data = DeviceData(splits, device, cfg.get("precision", "auto"))
        model = build_model(cfg["codes"], NetworkConfig(*cfg["network"]), splits, seed=rank)
        if epochs is None:
            epochs = timed_epochs(model, data, cfg["batch_size"], cfg["target_seconds"])
        else:
            train_model(model, data, _training(1, cfg["batch_size"]), seed=0)  # warm-up
        barrier.wait(timeout=cfg["barrier_seconds"])
        start = time.time()
        out = measure_training(model, data, cfg["batch_size"], cfg["target_seconds"], epochs=epochs)
        out.update(rank=rank, start=start, end=time.time(), images=epochs * splits.info["n_train"])
        if device.type == "cuda":
            out["gpu_memory_bytes"] = int(torch.cuda.get_device_properties(device).total_memory)
        queue.put(out)
    except BaseException as exc:  # noqa: BLE001 - report every failure to the parent
        barrier.abort()
        queue.put({"rank": rank, "error": f"{type(exc).__name__}: {exc}"})


def _round(ctx, n: int, cfg: dict, epochs, timeout: float) -> list[dict]:
    """Train ``n`` cells at once in ``n`` processes; their reports (or errors), by rank."""
    barrier, queue = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_concurrency_worker, args=(r, n, cfg, epochs, barrier, queue)) for r in range(n)]
    for p in procs:
        p.start()
    out, end = [], time.time() + timeout
    while len(out) < n and time.time() < end:
        try:
            out.append(queue.get(timeout=max(0.1, min(1.0, end - time.time()))))
        except Exception:  # noqa: BLE001 - queue.Empty: check whether the workers still live
            if not any(p.is_alive() for p in procs) and queue.empty():
                break
    for p in procs:
        p.join(timeout=1.0)
        if p.is_alive():
            p.kill()
            p.join()
    got = {o["rank"] for o in out}
    out += [{"rank": r, "error": "no report (timed out or died)"} for r in range(n) if r not in got]
    return sorted(out, key=lambda o: o["rank"])


def _point(n: int, reports: list[dict]) -> dict:
    good = [r for r in reports if "error" not in r]
    point = {"cells": n, "reports": reports}
    if len(good) == n:
        span = max(r["end"] for r in good) - min(r["start"] for r in good)
        peaks = [r["peak_memory_bytes"] for r in good if r["peak_memory_bytes"] is not None]
        point.update(per_cell_images_per_second=float(np.mean([r["images_per_second"] for r in good])),
                     total_images_per_second=sum(r["images"] for r in good) / span,
                     peak_memory_bytes=max(peaks) if peaks else None)
    return point


def concurrency_section(cfg: dict, deadline: float, emit) -> dict:
    """How many cells train at once on one GPU before each slows down: ``n`` processes
    (``cfg["cells"]``, e.g. 1, 2, 4, 8) train the same cell at once, ``n = 1`` setting the epochs,
    then :func:`~nas_tasks.training.packing.recommend_cells_per_gpu` and the Ray request it means."""
    import multiprocessing

    from nas_tasks.training.packing import ConcurrencyPoint, ray_gpus_per_task, recommend_cells_per_gpu

    codes, flops = _cells(cfg["network"])[cfg["cell"]]
    cfg = {**cfg, "codes": [int(c) for c in codes]}
    ctx = multiprocessing.get_context(cfg["start_method"])
    result = {"network": list(cfg["network"]), "cell": cfg["cell"], "codes": cfg["codes"], "mflops": flops,
              "batch_size": cfg["batch_size"], "start_method": cfg["start_method"], "points": [], "skipped": []}
    epochs, memory = None, None
    for n in cfg["cells"]:
        left = deadline - time.time()
        if left < cfg["round_seconds"] or (n > 1 and epochs is None):
            result["skipped"].append(f"{n} cells: " + ("no single-cell run" if left >= cfg["round_seconds"]
                                                        else f"under {cfg['round_seconds']:.0f} s left"))
            continue
        reports = _round(ctx, n, cfg, epochs, timeout=left - 2.0)
        point = _point(n, reports)
        if n == 1 and "per_cell_images_per_second" in point:
            epochs = reports[0]["epochs"]
        memory = memory or next((r.get("gpu_memory_bytes") for r in reports if r.get("gpu_memory_bytes")), None)
        result["points"].append(point)
        emit(result)
    measured = [ConcurrencyPoint(p["cells"], p["per_cell_images_per_second"], p["peak_memory_bytes"])
                for p in result["points"] if "per_cell_images_per_second" in p]
    if any(p.cells == 1 for p in measured):
        best = recommend_cells_per_gpu(measured, gpu_memory_bytes=memory)
        result.update(recommended_cells_per_gpu=best, ray_num_gpus=ray_gpus_per_task(None, best, 1),
                      gpu_memory_bytes=memory)
    return result
