"""Objective specs: the one grammar for naming objectives and their directions.

Every NAS task and its command-line plug-in reads objectives with this module
(:class:`~nas_tasks.NB201TableTask`, :class:`~nas_tasks.NB201TrainTask`, ``--objectives``).

A spec is a name with an optional direction suffix::

    name            the direction is the objective's own, or inferred from the name (below)
    name:max        maximize   (long form name:maximize)
    name:min        minimize   (long form name:minimize)

Suffixes are case-insensitive and white space around the name and the suffix is ignored. A name
never contains ``:``: any other suffix is an error. Several specs are a list, or one
comma-separated string (``"accuracy,params:min"``).

Without a suffix, a trained-cell objective keeps its own direction (a suffix must agree with it),
and a table column's direction is inferred from its name. The name is split into lower-case
alphanumeric tokens (``cifar10_test_acc`` -> ``cifar10, test, acc``):

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
"""Direction suffixes (lower case) -> direction."""


def tokens(name: str) -> list[str]:
    """The lower-case alphanumeric tokens of ``name`` (``"cifar10_test_acc"`` -> ``["cifar10", "test", "acc"]``)."""
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
    """One spec -> ``(name, direction or None)``: ``"flops:min" -> ("flops", "minimize")``,
    ``"flops" -> ("flops", None)``.

    Raises:
        InvalidInputError: for an empty name, or a suffix that is not a direction.
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError(f"an objective must be a non-empty name, got {text!r}")
    name, sep, suffix = text.strip().partition(":")
    name = name.strip()
    if not name:
        raise InvalidInputError(f"objective {text!r} has no name before its ':{suffix.strip()}' suffix")
    if not sep:
        return name, None
    direction = SUFFIXES.get(suffix.strip().lower())
    if direction is None:
        raise InvalidInputError(f"objective {text!r}: the suffix after ':' must be one of "
                                f"{', '.join(SUFFIXES)} (a direction), got {suffix.strip()!r}")
    return name, direction


def format_objective(name: str, direction: str) -> str:
    """The short spec of an objective: ``("flops", "minimize") -> "flops:min"``."""
    return f"{name}:{direction[:3]}"


def parse_objectives(objectives, *, keep: tuple[type, ...] = ()) -> list:
    """Several specs -> one item per objective, in order.

    Args:
        objectives: a list of specs (or one comma-separated string); an
            :class:`~lamoo.task.ObjectiveSpec` keeps its direction; items of a ``keep`` type (e.g.
            objective plug-in objects, which have a ``name``) are passed through as they are.
        keep: types of items to pass through.

    Returns:
        ``(name, direction or None)`` pairs, and the kept items where they stood.

    Raises:
        InvalidInputError: no objective, an item that is no spec, or a name given twice.
    """
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
        if keep and isinstance(item, keep):
            out.append(item)
        elif isinstance(item, ObjectiveSpec):
            out.append((item.name, item.direction))
        elif isinstance(item, str):
            out.append(split_objective(item))
        else:
            raise InvalidInputError(f"an objective must be a name, optionally suffixed ':max' or ':min', "
                                    f"got {item!r}")
    names = [o[0] if isinstance(o, tuple) else o.name for o in out]
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


def check_direction(name: str, own: str, requested: str | None) -> None:
    """Raise unless ``requested`` (a spec's suffix, or None) agrees with the objective's ``own``
    direction: a trained-cell objective such as ``accuracy`` has one direction only."""
    if requested is not None and requested != own:
        raise InvalidInputError(f"objective {name!r} can only be {own}d, not {requested}d")
