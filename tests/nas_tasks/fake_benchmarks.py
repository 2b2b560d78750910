"""Tiny NAS-Bench-201 / NATS-Bench files in the official formats, built with the benchmarks' own
classes (``ArchResults``/``ResultsCount``), so the real API code paths are exercised offline.

Metric values follow a formula (:func:`expected`) so tests can check what the task reads.
:func:`synthetic_frame` makes a small CSV-style table.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from nas_tasks import nb201

DATASET_SETS = {  # evaluation sets each dataset has in NAS-Bench-201
    "cifar10-valid": ("x-valid", "ori-test"),
    "cifar10": ("ori-test",),
    "cifar100": ("x-valid", "x-test", "ori-test"),
    "ImageNet16-120": ("x-valid", "x-test", "ori-test"),
}
SEEDS = (777, 888)
EPOCHS = {"12": 12, "200": 4}  # few "200" epochs keep the files small; only the last one is read


def accuracy(index: int, dataset: str, split: str, hp: str, seed: int) -> float:
    base = {"cifar10-valid": 80.0, "cifar10": 85.0, "cifar100": 60.0, "ImageNet16-120": 30.0}[dataset]
    return base + index + {"x-valid": 0.5, "x-test": 0.25, "ori-test": 0.125, "train": 5.0}[split] \
        + (5.0 if hp == "200" else 0.0) + (0.2 if seed == 888 else 0.0)


def expected(index: int, dataset: str, split: str, hp: str) -> float:
    """The seed-averaged accuracy the API reports for ``split`` ("x-valid", "ori-test", ...)."""
    return float(np.mean([accuracy(index, dataset, split, hp, s) for s in SEEDS]))


def flops(index: int, dataset: str) -> float:
    return 10.0 + index + (0.5 if dataset == "cifar100" else 0.0)


def latency_s(index: int) -> float:
    return 0.001 * (index + 1)


def _arch_results(module, index: int, arch: str, hp: str):
    epochs = EPOCHS[hp]
    results = module.ArchResults(index, arch)
    for dataset, sets in DATASET_SETS.items():
        for seed in SEEDS:
            train = {e: np.float64(accuracy(index, dataset, "train", hp, seed) - (epochs - 1 - e)) for e in range(epochs)}
            r = module.ResultsCount(dataset, None, train, {e: np.float64(1.0 / (e + 1)) for e in range(epochs)},
                                    np.float64(0.1 + index / 100), np.float64(flops(index, dataset)),
                                    {"arch_str": arch, "channel": 16, "num_cells": 5, "class_num": 10}, seed, epochs,
                                    [latency_s(index)])
            r.update_train_info(train, None, r.train_losses, {e: 2.0 for e in range(epochs)})
            accs, losses, times = {}, {}, {}
            for s in sets:
                for e in range(epochs):
                    accs[f"{s}@{e}"] = np.float64(accuracy(index, dataset, s, hp, seed) - (epochs - 1 - e))
                    losses[f"{s}@{e}"] = np.float64(0.5)
                    times[f"{s}@{e}"] = 0.1
            r.update_eval(accs, losses, times)
            results.update(dataset, seed, r)
    return results


def nb201_dict(archs: list[str]) -> dict:
    """The dict an official NAS-Bench-201 ``.pth`` file holds, for ``archs`` (index = position)."""
    from nas_201_api import api_utils

    infos = {i: {"less": _arch_results(api_utils, i, a, "12").state_dict(),
                 "full": _arch_results(api_utils, i, a, "200").state_dict()} for i, a in enumerate(archs)}
    return {"meta_archs": list(archs), "arch2infos": infos, "evaluated_indexes": list(range(len(archs)))}


def write_nats_archive(folder, archs: list[str], fast: bool = True):
    """A NATS-Bench topology archive: the fast-mode folder (``meta`` + one file per index) or,
    with ``fast=False``, the single ``.pickle.pbz2`` file. Returns the path to give the API."""
    from nats_bench import api_utils

    per_index = {i: {hp: _arch_results(api_utils, i, a, hp).state_dict() for hp in ("12", "200")}
                 for i, a in enumerate(archs)}
    if not fast:
        path = folder / "NATS-tss-v1_0-tiny.pickle"
        api_utils.pickle_save({"meta_archs": list(archs), "arch2infos": per_index,
                               "evaluated_indexes": list(range(len(archs)))}, str(path))
        return folder / "NATS-tss-v1_0-tiny.pickle.pbz2"
    root = folder / "NATS-tss-v1_0-tiny-simple"
    root.mkdir()
    api_utils.pickle_save({"meta_archs": list(archs)}, str(root / "meta.pickle"))
    for i, data in per_index.items():
        api_utils.pickle_save(data, str(root / f"{i:06d}.pickle"))
    return root


def synthetic_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A made-up table over ``n`` random cells: accuracy grows with the number of convs, latency
    and energy with it too (so there is a real trade-off), plus noise."""
    rng = np.random.default_rng(seed)
    codes = nb201.all_cells()[rng.choice(15625, n, replace=False)]
    convs = ((codes == 2) | (codes == 3)).sum(axis=1)
    acc = 60 + 5 * convs - 0.3 * convs ** 2 + 3 * rng.random(n)
    acc[~nb201.is_connected(codes)] = 10.0
    return pd.DataFrame({
        "index": np.arange(n), "arch": nb201.decode_many(codes),
        "cifar10_test_acc": acc, "cifar100_test_acc": acc - 25,
        "latency_ms_dev": 1 + convs + rng.random(n), "energy_mj": 2 + 3 * convs + rng.random(n),
        "fraction_acc": acc / 100, "mystery": rng.random(n), "note": ["x"] * n,
    })
