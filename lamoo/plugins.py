"""Plug-ins, found through entry points: the one registry of samplers, tasks and CLI extensions.

lamoo names none of its plug-ins. A package (ours or a user's) declares them in its
``pyproject.toml``, one line each, and they are found once it is installed::

    [project.entry-points."lamoo.samplers"]
    mysampler = "mypkg.sampling:MySampler"       # a Sampler class, or a factory returning one
    [project.entry-points."lamoo.tasks"]
    mytask = "mypkg.problems:make_task"          # a task class or factory; options are keywords

==========================  ======================================================================
group                       entry point value
==========================  ======================================================================
``lamoo.samplers``          a :class:`~lamoo.Sampler` class or a factory returning a sampler
``lamoo.tasks``             a callable returning a task (its options are keyword arguments)
``lamoo.task_plugins``      an object with ``add_arguments(parser)`` and ``build(args) -> task``:
                            a ``lamoo optimize --task NAME`` with options of its own
``lamoo.commands``          an object or module with ``HELP``, ``add_arguments(parser)`` and
                            ``run(args) -> int``: a ``lamoo NAME`` subcommand
==========================  ======================================================================

A task that is not registered is named by its import path, ``"module:attribute"``.
"""
from __future__ import annotations

import importlib
import inspect
import warnings
from importlib import metadata

from lamoo.exceptions import InvalidInputError, PluginError

SAMPLERS = "lamoo.samplers"
TASKS = "lamoo.tasks"
TASK_PLUGINS = "lamoo.task_plugins"
COMMANDS = "lamoo.commands"


def load_object(path: str):
    """The object at ``"module:attribute"`` (the attribute may be dotted, ``"module:Class.attr"``);
    :class:`InvalidInputError` naming ``path`` when it is malformed or cannot be loaded."""
    module, sep, attr = path.partition(":") if isinstance(path, str) else ("", "", "")
    if not (sep and module and attr):
        raise InvalidInputError(f"expected an import path 'module:attribute', got {path!r}")
    try:
        obj = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise InvalidInputError(f"cannot load {path!r}: {type(exc).__name__}: {exc}") from exc
    return obj


def entry_points(group: str) -> dict[str, metadata.EntryPoint]:
    """The entry points of ``group`` by name, read from the installed distributions on each call.
    When two distributions register one name, the first found wins, with a RuntimeWarning."""
    found: dict[str, metadata.EntryPoint] = {}
    for ep in metadata.entry_points(group=group):
        if ep.name in found and found[ep.name].value != ep.value:
            warnings.warn(f"{group} entry point {ep.name!r} is registered twice: {found[ep.name].value!r} is used, "
                          f"{ep.value!r} is ignored", RuntimeWarning, stacklevel=3)
            continue
        found.setdefault(ep.name, ep)
    return found


def _load(ep: metadata.EntryPoint, what: str):
    try:
        return ep.load()
    except Exception as exc:  # noqa: BLE001 - a broken plug-in is reported by name, not as a crash
        raise PluginError(f"{what} {ep.name!r} ({ep.group} = {ep.value!r}) could not be loaded: "
                          f"{type(exc).__name__}: {exc}") from exc


def accepted_options(factory, options: dict) -> dict:
    """The subset of ``options`` whose keywords ``factory``'s signature accepts (all of them when
    it takes ``**kwargs`` or has no readable signature)."""
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return dict(options)
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return dict(options)
    names = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return {k: v for k, v in options.items() if k in names}


def _call_with_checked_options(factory, what: str, options: dict):
    """``factory(**options)``, with an :class:`InvalidInputError` naming the first option it
    does not accept and listing the ones it does."""
    unknown = [key for key in options if key not in accepted_options(factory, options)]
    if unknown:
        params = inspect.signature(factory).parameters.values()
        accepted = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        raise InvalidInputError(f"{what} rejected the unknown argument {unknown[0]!r}; it accepts: "
                                f"{', '.join(accepted) or 'no arguments'}")
    return factory(**options)


# ---------------------------------------------------------------------------- samplers
def list_samplers() -> list[str]:
    """The names of the samplers registered in the ``lamoo.samplers`` group, sorted."""
    return sorted(entry_points(SAMPLERS))


def get_sampler(name: str, **kwargs):
    """The sampler registered as ``name``, built with ``kwargs``; an unknown name or argument
    raises :class:`InvalidInputError` listing the accepted ones."""
    eps = entry_points(SAMPLERS)
    if name not in eps:
        raise InvalidInputError(f"unknown sampler {name!r}; available: {', '.join(sorted(eps)) or 'none'}")
    sampler = _call_with_checked_options(_load(eps[name], "sampler"), f"sampler {name!r}", kwargs)
    if not callable(getattr(sampler, "propose", None)):
        raise PluginError(f"sampler {name!r} ({eps[name].value!r}) built {sampler!r}, which has no propose method")
    return sampler


# ---------------------------------------------------------------------------- tasks
def list_tasks() -> list[str]:
    """The names of the tasks registered in the ``lamoo.tasks`` group, sorted."""
    return sorted(entry_points(TASKS))


def task_factory(name_or_path: str):
    """The callable that builds the task ``name_or_path``: a name registered in ``lamoo.tasks``,
    or the import path ``"module:attribute"`` of a task class or factory that is not."""
    if ":" in name_or_path:
        return load_object(name_or_path)
    eps = entry_points(TASKS)
    if name_or_path not in eps:
        raise InvalidInputError(f"unknown task {name_or_path!r}; available: {', '.join(sorted(eps)) or 'none'} "
                                f"(or an import path 'module:attribute')")
    return _load(eps[name_or_path], "task")


def get_task(name_or_path: str, **options):
    """The task ``name_or_path`` (see :func:`task_factory`) built with the keyword ``options``;
    an option its factory does not accept raises :class:`InvalidInputError` listing those it does."""
    return _call_with_checked_options(task_factory(name_or_path), f"task {name_or_path!r}", options)


# ---------------------------------------------------------------------------- CLI extensions
class Unavailable:
    """Stands in for a CLI plug-in that could not be loaded (a missing optional dependency, say):
    it adds no arguments, and using it raises the :class:`PluginError` that says why."""

    def __init__(self, error: PluginError):
        self.error = error
        self.HELP = f"(unavailable: {error})"

    def add_arguments(self, parser) -> None:
        pass

    def build(self, args):
        raise self.error

    def run(self, args) -> int:
        raise self.error


def _load_all(group: str, what: str) -> dict:
    out = {}
    for name, ep in sorted(entry_points(group).items()):
        try:
            out[name] = _load(ep, what)
        except PluginError as exc:
            out[name] = Unavailable(exc)
    return out


def task_plugins() -> dict:
    """The ``lamoo.task_plugins`` by name: objects with ``add_arguments(parser)`` and
    ``build(args)``; one that cannot be loaded is an :class:`Unavailable`."""
    return _load_all(TASK_PLUGINS, "task plug-in")


def commands() -> dict:
    """The ``lamoo.commands`` by name: objects or modules with ``HELP``, ``add_arguments(parser)``
    and ``run(args)``; one that cannot be loaded is an :class:`Unavailable`."""
    return _load_all(COMMANDS, "command")
