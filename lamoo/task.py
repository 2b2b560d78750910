"""Objectives, the Task protocol, and safe evaluation.

Public values are always in each objective's own units and direction. Inside lamoo one canonical
direction is used: **minimization**. :func:`to_minimization` converts raw values ``Y`` into
canonical values ``F`` (maximized objectives are negated) and is the only place that does it.
"""
from __future__ import annotations

import traceback
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from lamoo.checks import as_real_array
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


class Task(ABC):
    """What lamoo needs of a problem, with defaults for the optional parts.

    A task sets these attributes (in ``__init__`` or as class attributes):

    - ``space``: the :class:`~lamoo.space.SearchSpace` of ``d`` dimensions;
    - ``objectives``: the ``m`` :class:`ObjectiveSpec` (name and direction);
    - ``ref_point``: ``(m,)`` the hypervolume reference point, raw units (each objective's own
      units and direction); a :class:`~lamoo.Study` may override it;
    - ``max_hypervolume``: the known optimum w.r.t. ``ref_point``, or ``None`` (the default);
    - ``ideal_point``: ``(m,)`` the best achievable value of each objective (raw units) when
      known, else ``None`` (the default); used to reject a reference point nothing can dominate;

    and implements :meth:`evaluate`. :meth:`describe` and :meth:`evaluate_with_errors` have
    defaults. Optionally, ``point_labels(X)`` names points for the results tables (a pandas
    DataFrame of ``n`` rows, e.g. a NAS cell's arch string and table index; see
    :func:`point_labels`) and ``exact_pareto_front()`` gives the known front (raw units) that
    IGD, IGD+ and the epsilon indicator measure against (:mod:`lamoo.indicators`). Subclassing is optional: any object with ``space``, ``objectives``, ``ref_point``
    and ``evaluate`` works, and :func:`as_task` gives it these defaults.
    """

    space: SearchSpace
    objectives: tuple[ObjectiveSpec, ...]
    ref_point: np.ndarray | None = None
    max_hypervolume: float | None = None
    ideal_point: np.ndarray | None = None

    @abstractmethod
    def evaluate(self, X: np.ndarray) -> np.ndarray:
        """Raw objective values ``(n x m)`` of the points ``X`` (``n x d``); a row of NaN marks a
        failed evaluation."""

    def describe(self) -> dict:
        """A JSON-able description of the task, stored in the journal header (default: its class)."""
        return {"class": f"{type(self).__module__}.{type(self).__qualname__}"}

    def evaluate_with_errors(self, X: np.ndarray) -> tuple[np.ndarray, list[str | None]]:
        """``(Y, errors)``: raw values ``(n x m)`` of ``X`` (``n x d``) with NaN rows for failures,
        and each row's error message (``None`` where it succeeded). The default calls
        :meth:`evaluate`; when the batch raises, each point is evaluated alone, so that one bad
        point does not fail its whole batch. Override it to report per-row failures yourself."""
        n, m = len(X), len(self.objectives)
        try:
            return check_Y(self.evaluate(X), n, m, "task.evaluate(X)"), [None] * n
        except Exception:  # noqa: BLE001 - isolate the failing rows below
            if n == 1:
                return np.full((1, m), np.nan), [_format_exc()]
        Y = np.full((n, m), np.nan)
        errors: list[str | None] = [None] * n
        for i in range(n):
            Y[i:i + 1], errors[i:i + 1] = self.evaluate_with_errors(X[i:i + 1])
        return Y, errors


class _AdaptedTask(Task):
    """A duck-typed task with the :class:`Task` defaults for what it leaves out."""

    def __init__(self, task):
        self.task = task
        self.space = task.space
        self.objectives = tuple(task.objectives)
        self.ref_point = getattr(task, "ref_point", None)
        self.max_hypervolume = getattr(task, "max_hypervolume", None)
        self.ideal_point = getattr(task, "ideal_point", None)
        self._describe = getattr(task, "describe", None)
        self._evaluate_with_errors = getattr(task, "evaluate_with_errors", None)

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        return self.task.evaluate(X)

    def describe(self) -> dict:
        if callable(self._describe):
            return self._describe()
        return {"class": f"{type(self.task).__module__}.{type(self.task).__qualname__}"}

    def evaluate_with_errors(self, X: np.ndarray) -> tuple[np.ndarray, list[str | None]]:
        if callable(self._evaluate_with_errors):
            return self._evaluate_with_errors(X)
        return super().evaluate_with_errors(X)


def as_task(task) -> Task:
    """``task`` itself when it is a :class:`Task`; otherwise an adapter giving a duck-typed task
    (any object with ``space``, ``objectives``, ``ref_point`` and ``evaluate``) the defaults of
    :class:`Task`. Raises :class:`InvalidInputError` naming what a task lacks."""
    if isinstance(task, Task):
        return task
    missing = [name for name in ("space", "objectives", "evaluate") if not hasattr(task, name)]
    if missing:
        raise InvalidInputError(f"a task needs space, objectives, ref_point and evaluate(X); {task!r} has no "
                                f"{', '.join(missing)}")
    return _AdaptedTask(task)


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
    ref = as_real_array(ref_point, f"ref_point ({m} numbers, one per objective)")
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
    """Return ``Y`` as a float64 ``(n x m)`` array (NaN allowed: failed rows) or raise
    :class:`InvalidInputError` for other shapes, infinite values, and values that are not real
    numbers (strings, None, complex numbers; bools count as 0 and 1)."""
    Y = as_real_array(Y, f"{what} (shape {n} x {m})", allow_bool=True)
    if Y.ndim == 1 and m == 1 and Y.shape[0] == n:
        Y = Y[:, None]
    if Y.shape != (n, m):
        raise InvalidInputError(f"{what} must have shape ({n} x {m}), got shape {Y.shape}")
    if np.isinf(Y).any():
        raise InvalidInputError(f"{what} has infinite values in rows {np.flatnonzero(np.isinf(Y).any(1)).tolist()}")
    return Y


def point_labels(task, X: np.ndarray):
    """``task.point_labels(X)`` (``X``: ``n x d``), checked: a pandas DataFrame of ``n`` rows
    whose columns name each point (the results tables put them first); None when the task has
    no ``point_labels``."""
    import pandas as pd

    labels = getattr(task, "point_labels", None)
    if not callable(labels):
        return None
    frame = labels(X)
    if not isinstance(frame, pd.DataFrame) or len(frame) != len(X):
        raise InvalidInputError(f"task.point_labels(X) must return a pandas DataFrame of {len(X)} rows (one per point), "
                                f"got {type(frame).__name__} of length {len(frame) if hasattr(frame, '__len__') else '?'}")
    return frame.reset_index(drop=True)


def evaluate_safely(task, X: np.ndarray) -> tuple[np.ndarray, list[str | None]]:
    """Evaluate ``X`` (``n x d``) without ever raising: ``task.evaluate_with_errors(X)`` (see
    :meth:`Task.evaluate_with_errors`; ``task`` is adapted by :func:`as_task` first), checked; a
    task whose evaluation raises or returns values of the wrong shape fails every row. Returns
    ``Y`` (``n x m`` raw, NaN rows for failures; a partly NaN row counts as failed) and each row's
    error message (``None`` where it succeeded)."""
    task = as_task(task)
    n, m = len(X), len(task.objectives)
    try:
        Y, errors = task.evaluate_with_errors(X)
        Y, errors = check_Y(Y, n, m, "task.evaluate_with_errors(X)"), list(errors)
        if len(errors) != n:
            raise InvalidInputError(f"task.evaluate_with_errors(X) returned {len(errors)} errors for {n} rows")
        return _finish(Y, errors)
    except Exception:  # noqa: BLE001 - a task's bug must not end the run
        return np.full((n, m), np.nan), [_format_exc()] * n


def _finish(Y: np.ndarray, errors: list[str | None]) -> tuple[np.ndarray, list[str | None]]:
    for i in np.flatnonzero(np.isnan(Y).any(axis=1)):
        Y[i] = np.nan  # a partly failed row counts as failed
        errors[i] = errors[i] or "the task returned NaN"
    return Y, errors


def _format_exc() -> str:
    lines = traceback.format_exc().strip().splitlines()
    return lines[-1] if lines else "unknown error"
