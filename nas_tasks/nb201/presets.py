"""The NAS-Bench-201 benchmark tasks, registered as ``lamoo.tasks`` entry points.

Each factory builds a :class:`nas_tasks.NB201TableTask` (two or three objectives, accuracy
maximized, costs minimized) on a benchmark table: ``table`` is a CSV/Parquet file with an
``arch`` column, an official NAS-Bench-201 ``.pth`` file or a NATS-Bench topology archive (these
two are Python pickles: pass ``trust_pickle=True`` for files you trust). Its
default, :data:`DEFAULT_NB201_TABLE`, is ``../shared/data/nb201/nb201_cifar.csv`` beside the
repository this module runs from (a checkout or an editable install), else beside the current
folder (``pip install .`` puts this module in site-packages, and the commands run from the
repository root). ``table=None`` means the default too.

    lamoo bench --tasks nb201-c10-flops --methods random lamoo-random --table PATH ...
    lamoo.plugins.get_task("nb201-c100-params", table=PATH)
"""
from __future__ import annotations

import os
from pathlib import Path

from lamoo.exceptions import InvalidInputError

REPO_ROOT = Path(__file__).resolve().parents[2]
_SHARED_TABLE = Path("shared", "data", "nb201", "nb201_cifar.csv")


def default_nb201_table() -> Path:
    """``../shared/data/nb201/nb201_cifar.csv`` beside :data:`REPO_ROOT` when it is there or
    when it is not beside the current folder either; else the one beside the current folder."""
    beside_repo = REPO_ROOT.parent / _SHARED_TABLE
    beside_cwd = (Path.cwd().parent / _SHARED_TABLE).resolve()
    return beside_repo if beside_repo.is_file() or not beside_cwd.is_file() else beside_cwd


DEFAULT_NB201_TABLE = default_nb201_table()

TablePath = str | os.PathLike | None


def resolve_table(table: TablePath = None) -> Path:
    """The table path (``None``: :data:`DEFAULT_NB201_TABLE`); :class:`InvalidInputError`
    naming the path when there is no such file."""
    path = Path(DEFAULT_NB201_TABLE if table is None else table).expanduser()
    if not path.is_file():
        raise InvalidInputError(
            f"NAS-Bench-201 table not found: {path} (pass --table PATH to a CSV/Parquet table with an 'arch' "
            f"column, an official NAS-Bench-201 .pth file or a NATS-Bench topology archive)")
    return path


def nb201_task(objectives: list[str], dataset: str, table: TablePath = None, trust_pickle: bool = False):
    """``nas_tasks.NB201TableTask`` on ``table`` with ``objectives`` (column names or computed
    metrics, as in the task's contract) for ``dataset``; ``trust_pickle`` as the task's (needed
    for a ``.pth`` file or a NATS-Bench archive)."""
    path = resolve_table(table)
    from nas_tasks.nb201.table_task import NB201TableTask

    return NB201TableTask(table=str(path), objectives=list(objectives), dataset=dataset, trust_pickle=trust_pickle)


def nb201_c10_flops(table: TablePath = DEFAULT_NB201_TABLE, trust_pickle: bool = False):
    """CIFAR-10 test accuracy (max, %) vs FLOPs (min, millions)."""
    return nb201_task(["cifar10_test_acc", "flops"], "cifar10", table, trust_pickle)


def nb201_c100_params(table: TablePath = DEFAULT_NB201_TABLE, trust_pickle: bool = False):
    """CIFAR-100 test accuracy (max, %) vs parameters (min, millions)."""
    return nb201_task(["cifar100_test_acc", "params"], "cifar100", table, trust_pickle)


def nb201_c10_fpga(table: TablePath = DEFAULT_NB201_TABLE, trust_pickle: bool = False):
    """CIFAR-10 test accuracy (max, %) vs FPGA latency (min, ms, HW-NAS-Bench)."""
    return nb201_task(["cifar10_test_acc", "latency_ms_fpga"], "cifar10", table, trust_pickle)


def nb201_c10_params_raspi4(table: TablePath = DEFAULT_NB201_TABLE, trust_pickle: bool = False):
    """CIFAR-10 test accuracy (max, %) vs parameters (min, millions) vs Raspberry Pi 4 latency
    (min, ms)."""
    return nb201_task(["cifar10_test_acc", "params", "latency_ms_raspi4"], "cifar10", table, trust_pickle)
