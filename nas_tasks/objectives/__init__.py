"""Objective plug-ins for trained NAS cells (see :class:`nas_tasks.objectives.base.Objective`),
and the grammar of objective specs (:mod:`nas_tasks.objectives.specs`).

Directions: ``accuracy`` (%), ``introspectability``, ``introspectability_wordnet`` and
``robustness`` (ODIN AUROC) maximize; ``params`` (M), ``flops`` (M) and ``latency`` (ms) minimize.
An objective measures the trained network it is handed (an ``nn.Module``) on the task's data; it
knows nothing of the search space. ``get_objective(name, **options)`` builds one by name,
``build_objectives(specs, options)`` a task's list; modules load lazily.
"""
from __future__ import annotations

import importlib

from lamoo.exceptions import InvalidInputError

OBJECTIVES: dict[str, tuple[str, str]] = {
    "accuracy": ("nas_tasks.objectives.accuracy", "Accuracy"),
    "params": ("nas_tasks.objectives.complexity", "Params"),
    "flops": ("nas_tasks.objectives.complexity", "Flops"),
    "latency": ("nas_tasks.objectives.complexity", "Latency"),
    "introspectability": ("nas_tasks.objectives.introspectability", "Introspectability"),
    "introspectability_wordnet": ("nas_tasks.objectives.wordnet", "IntrospectabilityWordNet"),
    "robustness": ("nas_tasks.objectives.robustness", "Robustness"),
}


def list_objectives() -> list[str]:
    return list(OBJECTIVES)


def get_objective(name: str, **options):
    """The objective plug-in ``name`` built with ``options`` (e.g. ``ood="inverted"`` for robustness)."""
    if name not in OBJECTIVES:
        raise InvalidInputError(f"unknown objective {name!r}; available: {', '.join(OBJECTIVES)}")
    module, cls = OBJECTIVES[name]
    try:
        return getattr(importlib.import_module(module), cls)(**options)
    except TypeError as exc:
        raise InvalidInputError(f"bad options for objective {name!r}: {exc}") from None


def build_objectives(objectives, options: dict | None = None) -> list:
    """The objective plug-ins of a task, in order.

    Args:
        objectives: specs (``"accuracy"``, ``"params:min"``, ...; a list or one comma-separated
            string, see :mod:`nas_tasks.objectives.specs`) and/or
            :class:`~nas_tasks.objectives.base.Objective` objects. A suffix must agree with the
            objective's own direction.
        options: ``{objective name: {option: value}}`` passed to :func:`get_objective`.

    Raises:
        InvalidInputError: an unknown objective or option, a wrong direction, a name given twice.
    """
    from nas_tasks.objectives.base import Objective
    from nas_tasks.objectives.specs import check_direction, parse_objectives

    if options is not None and not (isinstance(options, dict) and all(isinstance(v, dict) for v in options.values())):
        raise InvalidInputError(f"objective_options must be a dict {{objective name: {{option: value}}}}, got "
                                f"{options!r}")
    options = dict(options or {})
    unknown = set(options) - set(OBJECTIVES)
    if unknown:
        raise InvalidInputError(f"objective_options for unknown objectives {sorted(unknown)}; "
                                f"available: {', '.join(OBJECTIVES)}")
    out = []
    for item in parse_objectives(objectives, keep=(Objective,)):
        if isinstance(item, Objective):
            out.append(item)
            continue
        name, direction = item
        objective = get_objective(name, **options.get(name, {}))
        check_direction(name, objective.direction, direction)
        out.append(objective)
    return out
