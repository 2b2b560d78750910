"""The tasks of a benchmark grid, found through :mod:`lamoo.plugins`.

A task name is a registered ``lamoo.tasks`` entry point (``branin-currin``, ``nb201-c10-flops``,
... and those of any installed package) or a name given for one grid with ``--add-task
NAME=module:callable``. Either way a run records its task as the factory's import path
(``task_path``, e.g. ``"lamoo.problems:branin_currin"``) and its keyword options
(``task_options``): inline ``NAME:KEY=VALUE`` options and the grid's ``--table`` when the
factory's signature takes a ``table``. Workers rebuild the task from those two alone.
"""
from __future__ import annotations

import inspect
import json
from functools import lru_cache
from pathlib import Path

from lamoo import plugins
from lamoo.exceptions import InvalidInputError

TABLE = "table"  # the option that --table fills in, for the factories whose signature takes it

# The task factories lived in the module benchmarks.tasks before the harness became lamoo.bench
# (issue 13): run records written then name those paths, and still resume and report as the tasks
# registered under these names.
LEGACY_TASK_NAMES = {f"benchmarks.tasks:{name.replace('-', '_')}": name for name in (
    "branin-currin", "vehicle-safety", "dtlz2", "nb201-c10-flops", "nb201-c100-params", "nb201-c10-fpga",
    "nb201-c10-params-raspi4")}


def canonical_task_path(path: str | None) -> str | None:
    """``path``, or for a pre-issue-13 factory path the path of the task registered under its
    name (unchanged when no package registers that name)."""
    if path in LEGACY_TASK_NAMES:
        return registered_task_path(LEGACY_TASK_NAMES[path]) or path
    return path


def registered_task_path(name: str) -> str | None:
    """The import path (``"module:attribute"``) of the ``lamoo.tasks`` entry point ``name``;
    None when no installed package registers it."""
    return _registered_task_paths().get(name)


def _registered_task_paths() -> dict[str, str]:
    return {name: ep.value for name, ep in plugins.entry_points(plugins.TASKS).items()}


def parse_add_task(items) -> dict[str, str]:
    """``["NAME=module:callable", ...]`` (``--add-task``) -> ``{NAME: "module:callable"}``."""
    out = {}
    for item in items or []:
        name, sep, path = item.partition("=")
        module, colon, attr = path.strip().partition(":")
        if not sep or not name.strip() or not colon or not module or not attr:
            raise InvalidInputError(f"--add-task expects NAME=module:callable, got {item!r}")
        out[name.strip()] = path.strip()
    return out


def task_path(name: str, added: dict[str, str] | None = None) -> str:
    """The factory path of task ``name``: the grid's ``added`` tasks first, then the registered
    ones; :class:`InvalidInputError` listing both otherwise."""
    if added and name in added:
        return added[name]
    path = registered_task_path(name)
    if path is None:
        available = sorted(set(plugins.list_tasks()) | set(added or {}))
        raise InvalidInputError(f"unknown task {name!r}; available: {', '.join(available)} "
                                f"(or register one with --add-task NAME=module:callable)")
    return path


def run_options(label: str, path: str, options: dict, table=None) -> dict:
    """The keyword options a run passes to the factory at ``path``: the inline ``options`` of
    task ``label`` (an option the factory does not take is an error), plus ``table`` resolved
    to an absolute path when the factory takes one."""
    factory = plugins.load_object(path)
    rejected = sorted(set(options) - set(plugins.accepted_options(factory, options)))
    if rejected:
        raise InvalidInputError(f"task {label!r}: {path} takes no option(s) {rejected}")
    out = dict(options)
    if table is not None:
        out.update(plugins.accepted_options(factory, {TABLE: str(Path(table).expanduser().resolve())}))
    return out


def build_task(path: str, options: dict):
    """The task of the factory at ``path`` called with ``options``."""
    return plugins.get_task(path, **options)


@lru_cache(maxsize=8)
def _cached_task(path: str, options_json: str):
    return build_task(path, json.loads(options_json))


def cached_task(path: str, options: dict):
    """:func:`build_task`, once per process for the same arguments (a worker reuses its tasks
    across runs: an NB201 table is read once)."""
    return _cached_task(path, json.dumps(options, sort_keys=True))


def default_option(path: str, key: str):
    """The default of keyword ``key`` in the signature of the factory at ``path``; None when it
    has none, or the factory does not load."""
    try:
        param = inspect.signature(plugins.load_object(path)).parameters.get(key)
    except (InvalidInputError, TypeError, ValueError):
        return None
    return None if param is None or param.default is inspect.Parameter.empty else param.default


def comparable_task_options(path: str, options: dict) -> dict:
    """A run's task options as they shape its task: ``table`` resolved, and the factory's own
    default table filled in when none was given (a run without ``--table`` and one with
    ``--table`` naming the default file build the same task)."""
    out = dict(options or {})
    table = out.get(TABLE)
    if table is None:
        table = default_option(canonical_task_path(path), TABLE)
    if table is not None:
        out[TABLE] = str(Path(table).expanduser().resolve())
    return out
