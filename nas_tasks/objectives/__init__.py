"""Objective plug-ins for trained NAS cells (see :class:`nas_tasks.objectives.base.Objective`).

Directions: ``accuracy`` (%), ``introspectability``, ``introspectability_wordnet`` and
``robustness`` (ODIN AUROC) maximize; ``params`` (M), ``flops`` (M) and ``latency`` (ms) minimize.
``get_objective(name, **options)`` builds one by name; modules load lazily.
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
