"""Small synthetic NAS-Bench-201-like tables and pools for the preference tests (no files)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lamoo.task import ObjectiveSpec
from nas_tasks.nb201.encoding import all_cells, decode_many
from nas_tasks.preference.candidates import CandidatePool

METRICS = (ObjectiveSpec("cifar10_test_acc", "maximize"), ObjectiveSpec("latency_ms_raspi4", "minimize"),
           ObjectiveSpec("params", "minimize"), ObjectiveSpec("flops", "minimize"))
ROLES = {"accuracy": "cifar10_test_acc", "latency": "latency_ms_raspi4", "params": "params", "flops": "flops"}


def synthetic_table(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """``n`` random distinct cells with metrics that behave like NAS-Bench-201's: convolutions
    cost parameters and FLOPs (in steps, as in the real table) and buy accuracy; latency follows
    the op count with noise."""
    rng = np.random.default_rng(seed)
    cells = all_cells()[np.sort(rng.choice(len(all_cells()), n, replace=False))]
    conv3, conv1 = (cells == 3).sum(1), (cells == 2).sum(1)
    params = 0.07 + 0.09 * conv3 + 0.02 * conv1
    flops = 8.0 + 35.0 * conv3 + 8.0 * conv1
    latency = 3.0 + 6.0 * conv3 + 2.0 * conv1 + 1.5 * (cells == 4).sum(1) + rng.gamma(2.0, 1.0, n)
    acc = 60 + 30 * (1 - np.exp(-(1.2 * conv3 + 0.6 * conv1 + 0.3 * (cells == 1).sum(1)))) + rng.normal(0, 1.5, n)
    return pd.DataFrame({"arch": decode_many(cells), "cifar10_test_acc": acc, "latency_ms_raspi4": latency,
                         "params": params, "flops": flops})


def table_task(n: int = 400, seed: int = 0):
    from nas_tasks import NB201TableTask

    return NB201TableTask(synthetic_table(n, seed), [m.name for m in METRICS], dataset="cifar10", cache=False)


def small_pool(n: int = 30, seed: int = 0) -> CandidatePool:
    task = table_task(max(n, 50), seed)
    rows = np.arange(n)
    return CandidatePool(task.codes[rows], task.Y[rows], task.objectives, ids=rows,
                         names=task.space.names, choices=task.space.choices)
