"""Plug-ins found through entry points: samplers, tasks, CLI task plug-ins and CLI commands.

INTERIM (issue 13, bench branch): a minimal version of the registry the core helper writes, with
exactly the function names and semantics of ``PLAN-13.md``; core's ``lamoo/plugins.py`` replaces
this file at merge.

Entry-point groups (``[project.entry-points."GROUP"]`` in a package's ``pyproject.toml``):

- ``lamoo.samplers``: a Sampler class or a factory returning a Sampler (:func:`get_sampler`);
- ``lamoo.tasks``: a callable returning a task, options as keyword arguments (:func:`get_task`);
- ``lamoo.task_plugins``: an object with ``add_arguments(parser)`` and ``build(args)``;
- ``lamoo.commands``: an object with ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
"""
from __future__ import annotations

import importlib
import inspect
from importlib.metadata import entry_points

from lamoo.exceptions import InvalidInputError

SAMPLERS, TASKS, TASK_PLUGINS, COMMANDS = "lamoo.samplers", "lamoo.tasks", "lamoo.task_plugins", "lamoo.commands"


def load_object(import_path: str):
    """The object at ``"module:attribute"`` (``attribute`` may be dotted)."""
    module, sep, attr = str(import_path).partition(":")
    if not sep or not module or not attr:
        raise InvalidInputError(f"expected an import path 'module:attribute', got {import_path!r}")
    try:
        obj = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise InvalidInputError(f"cannot load {import_path!r}: {exc}") from exc
    return obj


def _entries(group: str) -> dict:
    return {ep.name: ep for ep in entry_points(group=group)}


def _load_entry(group: str, name: str, what: str):
    entries = _entries(group)
    if name not in entries:
        raise InvalidInputError(f"unknown {what} {name!r}; available: {', '.join(sorted(entries)) or 'none'}")
    return load_object(entries[name].value)


def accepted_options(factory, options: dict) -> dict:
    """The subset of ``options`` that ``factory``'s signature accepts as keyword arguments
    (all of them when it takes ``**kwargs`` or has no readable signature)."""
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return dict(options)
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return dict(options)
    keyword = {n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return {k: v for k, v in options.items() if k in keyword}


def _call(factory, kwargs: dict, what: str):
    unknown = sorted(set(kwargs) - set(accepted_options(factory, kwargs)))
    if unknown:
        accepted = sorted(accepted_options(factory, {k: None for k in inspect.signature(factory).parameters}))
        raise InvalidInputError(f"{what} rejected the unknown argument {unknown[0]!r}; it accepts: "
                                f"{', '.join(accepted) or 'no arguments'}")
    try:
        return factory(**kwargs)
    except TypeError as exc:
        raise InvalidInputError(f"{what} rejected {kwargs}: {exc}") from exc


def list_samplers() -> list[str]:
    """The names of the ``lamoo.samplers`` entry points, sorted."""
    return sorted(_entries(SAMPLERS))


def get_sampler(name: str, **kwargs):
    """The sampler registered as ``name``, built with ``kwargs``; an unknown name or argument
    raises :class:`InvalidInputError` listing the accepted ones."""
    return _call(_load_entry(SAMPLERS, name, "sampler"), kwargs, f"sampler {name!r}")


def list_tasks() -> list[str]:
    """The names of the ``lamoo.tasks`` entry points, sorted."""
    return sorted(_entries(TASKS))


def get_task(name_or_import_path: str, **options):
    """The task registered as ``name_or_import_path``, or built by the callable at a
    ``"module:attribute"`` path, called with ``options``."""
    if ":" in name_or_import_path:
        factory = load_object(name_or_import_path)
    else:
        factory = _load_entry(TASKS, name_or_import_path, "task")
    return _call(factory, options, f"task {name_or_import_path!r}")


def task_plugins() -> dict:
    """``{name: plugin}`` of the ``lamoo.task_plugins`` entry points that import."""
    return _loaded(TASK_PLUGINS)


def commands() -> dict:
    """``{name: command}`` of the ``lamoo.commands`` entry points that import."""
    return _loaded(COMMANDS)


def _loaded(group: str) -> dict:
    out = {}
    for name, ep in sorted(_entries(group).items()):
        try:
            out[name] = load_object(ep.value)
        except InvalidInputError:  # a plug-in whose optional dependencies are missing
            continue
    return out
