"""Objectives, the Task protocol, and safe evaluation.

Public values are always in each objective's own units and direction. Inside lamoo one canonical
direction is used: **minimization**. :func:`to_minimization` converts raw values ``Y`` into
canonical values ``F`` (maximized objectives are negated) and is the only place that does it.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from lamoo.exceptions import InvalidInputError
from lamoo.space import SearchSpace

DIRECTIONS = ("minimize", "maximize")


@dataclass(frozen=True)
class ObjectiveSpec:
    """An objective's name and direction (``"minimize"`` or ``"maximize"``)."""

    name: str
    direction: str = "minimize"

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise InvalidInputError(f"objective name must be a non-empty string, got {self.name!r}")
        if self.direction not in DIRECTIONS:
            raise InvalidInputError(
                f"objective {self.name!r}: direction must be one of {DIRECTIONS}, got {self.direction!r}")

    @property
    def sign(self) -> float:
        """+1 for minimized objectives, -1 for maximized ones: ``canonical = sign * raw``."""
        return 1.0 if self.direction == "minimize" else -1.0


def signs(objectives: Sequence[ObjectiveSpec]) -> np.ndarray:
    """``(m,)`` array of :attr:`ObjectiveSpec.sign`."""
    return np.array([o.sign for o in objectives])


def to_minimization(Y: np.ndarray, objectives: Sequence[ObjectiveSpec]) -> np.ndarray:
    """Raw values ``(... x m)`` -> canonical minimization values (maximized columns negated)."""
    return np.asarray(Y, dtype=float) * signs(objectives)


from_minimization = to_minimization  # negation is its own inverse


@runtime_checkable
class Task(Protocol):
    """What lamoo needs of a problem. ``evaluate`` maps ``(n x d)`` points to ``(n x m)`` raw
    objective values; a row of NaN marks a failed evaluation."""

    space: SearchSpace
    objectives: tuple[ObjectiveSpec, ...]
    ref_point: np.ndarray
    max_hypervolume: float | None

    def evaluate(self, X: np.ndarray) -> np.ndarray: ...


def check_objectives(objectives) -> tuple[ObjectiveSpec, ...]:
    """Validate a sequence of :class:`ObjectiveSpec` (at least one, distinct names)."""
    objectives = tuple(objectives)
    if not objectives or not all(isinstance(o, ObjectiveSpec) for o in objectives):
        raise InvalidInputError(f"objectives must be a non-empty sequence of ObjectiveSpec, got {objectives!r}")
    names = [o.name for o in objectives]
    if len(set(names)) != len(names):
        raise InvalidInputError(f"objective names must be distinct, got {names}")
    return objectives


def check_ref_point(ref_point, objectives: Sequence[ObjectiveSpec], ideal_point=None) -> np.ndarray:
    """Validate a reference point in raw units: shape ``(m,)``, finite values and, when the
    task knows its ideal point (best value of each objective), strictly worse than it in every
    objective, since otherwise no point can ever dominate it and every hypervolume is 0."""
    m = len(objectives)
    try:
        ref = np.asarray(ref_point, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError(f"ref_point must be {m} numbers, got {ref_point!r}") from None
    if ref.shape != (m,):
        raise InvalidInputError(f"ref_point must have shape ({m},) (one value per objective), got {ref.shape}")
    if not np.all(np.isfinite(ref)):
        raise InvalidInputError(f"ref_point must be finite, got {ref.tolist()}")
    if ideal_point is not None:
        s = signs(objectives)
        bad = np.flatnonzero(s * ref <= s * np.asarray(ideal_point, dtype=float))
        if len(bad):
            j = bad[0]
            o = objectives[j]
            raise InvalidInputError(
                f"ref_point {ref.tolist()} cannot be dominated: objective {o.name!r} ({o.direction}) has "
                f"reference {ref[j]:g} but its best achievable value is {float(ideal_point[j]):g}; "
                f"the reference must be worse than that")
    return ref


def check_Y(Y, n: int, m: int, what: str = "Y") -> np.ndarray:
    """Return ``Y`` as a float64 ``(n x m)`` array (NaN allowed: failed rows) or raise."""
    try:
        Y = np.asarray(Y, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{what} must be a numeric array of shape ({n} x {m}): {exc}") from None
    if Y.ndim == 1 and m == 1 and Y.shape[0] == n:
        Y = Y[:, None]
    if Y.shape != (n, m):
        raise InvalidInputError(f"{what} must have shape ({n} x {m}), got shape {Y.shape}")
    if np.isinf(Y).any():
        raise InvalidInputError(f"{what} has infinite values in rows {np.flatnonzero(np.isinf(Y).any(1)).tolist()}")
    return Y


def evaluate_safely(task: Task, X: np.ndarray) -> tuple[np.ndarray, list[str | None]]:
    """Evaluate ``X`` (``n x d``) without ever raising: returns ``Y`` (``n x m``, NaN rows for
    failures) and a per-row error message (``None`` where the evaluation succeeded).

    A task may define ``evaluate_with_errors(X) -> (Y, errors)`` to report per-row failures
    itself. Otherwise, when a batch raises, each point is retried alone so that one bad point
    does not fail its whole batch.
    """
    n, m = len(X), len(task.objectives)
    if hasattr(task, "evaluate_with_errors"):
        try:
            Y, errors = task.evaluate_with_errors(X)
            return _finish(check_Y(Y, n, m, "task.evaluate_with_errors"), list(errors))
        except Exception:  # noqa: BLE001 - a task's bug must not end the run
            return np.full((n, m), np.nan), [_format_exc()] * n
    try:
        return _finish(check_Y(task.evaluate(X), n, m, "task.evaluate(X)"), [None] * n)
    except Exception:  # noqa: BLE001 - isolate the failing rows below
        if n == 1:
            return np.full((1, m), np.nan), [_format_exc()]
    Y = np.full((n, m), np.nan)
    errors: list[str | None] = [None] * n
    for i in range(n):
        Y[i:i + 1], errors[i:i + 1] = evaluate_safely(task, X[i:i + 1])
    return Y, errors


def _finish(Y: np.ndarray, errors: list[str | None]) -> tuple[np.ndarray, list[str | None]]:
    for i in np.flatnonzero(np.isnan(Y).any(axis=1)):
        Y[i] = np.nan  # a partly failed row counts as failed
        errors[i] = errors[i] or "the task returned NaN"
    return Y, errors


def _format_exc() -> str:
    lines = traceback.format_exc().strip().splitlines()
    return lines[-1] if lines else "unknown error"
