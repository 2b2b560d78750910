"""The benchmark tasks, by name, each a factory given by import path (loaded only when used).

``TASKS`` maps a task name to ``"module:callable"``; the callable returns a task (see
:class:`lamoo.task.Task`). It is called with the run's task options (inline ``NAME:KEY=VALUE``
options and the grid's ``--table``), keeping only the keyword arguments its signature accepts.
Add a task without touching this file with :func:`register_task` or ``lamoo bench --add-task
NAME=module:callable``: e.g. ``toy=tests.toys:FiniteToyTask``.

The NAS-Bench-201 tasks read a benchmark table (``--table``; default
``../shared/data/nb201/nb201_cifar.csv`` relative to the repository root, or to the current
folder when lamoo is installed from a copy of the repository) through ``nas_tasks.NB201TableTask``.
"""
from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from lamoo.exceptions import InvalidInputError

REPO_ROOT = Path(__file__).resolve().parents[1]
_SHARED_TABLE = Path("shared", "data", "nb201", "nb201_cifar.csv")


def _default_nb201_table() -> Path:
    """``../shared/...`` beside the repository this module runs from (a checkout or an editable
    install), else beside the current folder (``pip install .`` puts this module in
    site-packages, and the commands run from the repository root)."""
    beside_repo = REPO_ROOT.parent / _SHARED_TABLE
    beside_cwd = (Path.cwd().parent / _SHARED_TABLE).resolve()
    return beside_repo if beside_repo.is_file() or not beside_cwd.is_file() else beside_cwd


DEFAULT_NB201_TABLE = _default_nb201_table()

TASKS: dict[str, str] = {
    "branin-currin": "benchmarks.tasks:branin_currin",
    "vehicle-safety": "benchmarks.tasks:vehicle_safety",
    "dtlz2": "benchmarks.tasks:dtlz2",
    "nb201-c10-flops": "benchmarks.tasks:nb201_c10_flops",
    "nb201-c100-params": "benchmarks.tasks:nb201_c100_params",
    "nb201-c10-fpga": "benchmarks.tasks:nb201_c10_fpga",
    "nb201-c10-params-raspi4": "benchmarks.tasks:nb201_c10_params_raspi4",
}


def register_task(name: str, import_path: str) -> None:
    """Make ``name`` build its task with the callable at ``import_path`` (``"module:attr"``)."""
    check_import_path(import_path, f"task {name!r}")
    TASKS[name] = import_path


def list_tasks() -> list[str]:
    return sorted(TASKS)


def check_import_path(import_path: str, what: str) -> None:
    module, sep, attr = import_path.partition(":")
    if not sep or not module or not attr:
        raise InvalidInputError(f"{what}: expected an import path 'module:attribute', got {import_path!r}")


def load_object(import_path: str):
    """The object at ``"module:attribute"``."""
    check_import_path(import_path, "import path")
    module, _, attr = import_path.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise InvalidInputError(f"cannot load {import_path!r}: {exc}") from exc


def task_import_path(name: str) -> str:
    if name not in TASKS:
        raise InvalidInputError(f"unknown task {name!r}; available: {', '.join(list_tasks())} "
                                f"(or register one with --add-task NAME=module:callable)")
    return TASKS[name]


def accepted_options(factory, options: dict) -> dict:
    """The subset of ``options`` that ``factory``'s signature accepts."""
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return dict(options)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return dict(options)
    return {k: v for k, v in options.items() if k in params}


def build_task(import_path: str, options: dict):
    """Call the factory at ``import_path`` with the options it accepts."""
    factory = load_object(import_path)
    kwargs = accepted_options(factory, options)
    try:
        return factory(**kwargs)
    except TypeError as exc:
        raise InvalidInputError(f"task factory {import_path!r} rejected options {kwargs}: {exc}") from exc


# ---------------------------------------------------------------------------- built-in problems
def branin_currin():
    from lamoo.problems import get_problem

    return get_problem("branin-currin")


def vehicle_safety():
    from lamoo.problems import get_problem

    return get_problem("vehicle-safety")


def dtlz2(dim: int = 6, num_objectives: int = 2):
    from lamoo.problems import get_problem

    return get_problem("dtlz2", dim=dim, num_objectives=num_objectives)


# ---------------------------------------------------------------------------- NAS-Bench-201 tables
def resolve_table(table=None) -> Path:
    """The NB201 table path (default :data:`DEFAULT_NB201_TABLE`); a clear error if missing."""
    path = Path(DEFAULT_NB201_TABLE if table is None else table).expanduser()
    if not path.is_file():
        raise InvalidInputError(
            f"NAS-Bench-201 table not found: {path} (pass --table PATH to a CSV/Parquet table with an 'arch' "
            f"column, an official NAS-Bench-201 .pth file or a NATS-Bench topology archive)")
    return path


def nb201_task(objectives: list[str], dataset: str, table=None):
    """``nas_tasks.NB201TableTask`` on ``table`` with ``objectives`` (column names or computed
    metrics, as in the task's contract)."""
    path = resolve_table(table)
    try:
        from nas_tasks import NB201TableTask
    except ImportError as exc:
        raise InvalidInputError(f"the NAS-Bench-201 tasks need nas_tasks.NB201TableTask, which is not "
                                f"importable here: {exc}") from exc
    return NB201TableTask(table=str(path), objectives=list(objectives), dataset=dataset)


def nb201_c10_flops(table=None):
    """CIFAR-10 test accuracy (max) vs FLOPs (min, millions)."""
    return nb201_task(["cifar10_test_acc", "flops"], "cifar10", table)


def nb201_c100_params(table=None):
    """CIFAR-100 test accuracy (max) vs parameters (min, millions)."""
    return nb201_task(["cifar100_test_acc", "params"], "cifar100", table)


def nb201_c10_fpga(table=None):
    """CIFAR-10 test accuracy (max) vs FPGA latency (min, ms, HW-NAS-Bench)."""
    return nb201_task(["cifar10_test_acc", "latency_ms_fpga"], "cifar10", table)


def nb201_c10_params_raspi4(table=None):
    """CIFAR-10 test accuracy (max) vs parameters (min) vs Raspberry Pi 4 latency (min, ms)."""
    return nb201_task(["cifar10_test_acc", "params", "latency_ms_raspi4"], "cifar10", table)
