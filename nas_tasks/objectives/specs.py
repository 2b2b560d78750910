"""Objective names with optional ``:max`` / ``:min`` suffixes, and directions inferred from names.

Without a suffix, accuracy-like names maximize and cost-like names minimize. A name is split into
lower-case alphanumeric tokens (``cifar10_test_acc`` -> ``cifar10, test, acc``):

* maximize when a token is one of :data:`MAXIMIZE_TOKENS` (``acc``, ``accuracy``, ``auroc``, ...);
* minimize when a token is one of :data:`MINIMIZE_TOKENS` (``params``, ``flops``, ``loss``,
  ``error``, ``time``, ...) or starts with ``latency`` or ``energy``.

A name that matches neither rule, or both, needs an explicit suffix.
"""
from __future__ import annotations

import re

from lamoo.exceptions import InvalidInputError
from lamoo.task import ObjectiveSpec

MAXIMIZE_TOKENS = frozenset({"acc", "accuracy", "top1", "top5", "auc", "auroc", "aupr", "f1", "precision", "recall",
                             "score", "introspectability", "robustness", "iou", "reward"})
MINIMIZE_TOKENS = frozenset({"params", "param", "parameters", "flops", "flop", "macs", "mac", "loss", "error", "err",
                             "time", "seconds", "memory", "mem", "size", "cost", "power", "latency", "energy"})
ACCURACY_TOKENS = frozenset({"acc", "accuracy", "top1", "top5"})
SUFFIXES = {"max": "maximize", "maximize": "maximize", "min": "minimize", "minimize": "minimize"}


def tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", name.lower()) if t]


def infer_direction(name: str) -> str | None:
    """``"maximize"``, ``"minimize"`` or None (unknown or ambiguous) from the name alone."""
    toks = tokens(name)
    up = any(t in MAXIMIZE_TOKENS for t in toks)
    down = any(t in MINIMIZE_TOKENS or t.startswith(("latency", "energy")) for t in toks)
    if up == down:
        return None
    return "maximize" if up else "minimize"


def is_accuracy(name: str) -> bool:
    """True for accuracy-like names (``*_acc``, ``accuracy``, ``top1`` ...)."""
    return any(t in ACCURACY_TOKENS for t in tokens(name))


def split_objective(text: str) -> tuple[str, str | None]:
    """``"flops:min" -> ("flops", "minimize")``; ``"flops" -> ("flops", None)``."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError(f"an objective must be a non-empty name, got {text!r}")
    name, sep, suffix = text.strip().rpartition(":")
    if sep and suffix.lower() in SUFFIXES:
        return name.strip(), SUFFIXES[suffix.lower()]
    return text.strip(), None


def parse_objectives(objectives) -> list[tuple[str, str | None]]:
    """A list (or comma-separated string) of names with optional suffixes -> ``(name, direction
    or None)`` pairs; :class:`~lamoo.task.ObjectiveSpec` items keep their direction."""
    if isinstance(objectives, str):
        objectives = [o for o in objectives.split(",") if o.strip()]
    try:
        items = list(objectives)
    except TypeError:
        raise InvalidInputError(f"objectives must be a list of names, got {objectives!r}") from None
    if not items:
        raise InvalidInputError("at least one objective is needed")
    out = []
    for item in items:
        out.append((item.name, item.direction) if isinstance(item, ObjectiveSpec) else split_objective(item))
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        raise InvalidInputError(f"objectives must be distinct, got {names}")
    return out


def resolve_direction(name: str, direction: str | None) -> str:
    """The given direction, else the inferred one, else a clear error asking for a suffix."""
    if direction is not None:
        return direction
    inferred = infer_direction(name)
    if inferred is None:
        raise InvalidInputError(
            f"cannot tell whether objective {name!r} should be maximized or minimized from its name; "
            f"write {name + ':max'!r} or {name + ':min'!r}")
    return inferred
