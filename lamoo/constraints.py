"""Outcome constraints: ``name <= bound`` or ``name >= bound`` on a measured value.

A constraint names an objective or any other value a task measures (a table column such as
``latency_ms_pixel3``, a metric such as ``params``). A successful evaluation is *feasible* when it
meets every constraint. Its *violation* is the sum over constraints of how far it misses each
bound, divided by ``|bound|`` (1 when the bound is 0) so that constraints in different units add
up comparably; 0 exactly for feasible points, NaN for failed evaluations.

Hypervolumes, Pareto fronts and reports count feasible points only. LaMOO and the samplers rank
points by *constraint-domination* (Deb 2000): a feasible point beats an infeasible one, a smaller
violation beats a larger one, and feasible points compare by Pareto dominance
(:func:`constraint_rank`).
"""
from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from lamoo.exceptions import InvalidInputError

OPS = ("<=", ">=")
_EXPR = re.compile(r"^\s*(?P<name>[^<>=!\s]+)\s*(?P<op><=|>=|=<|=>|<|>|==|=|!=)\s*(?P<bound>\S+)\s*$")


@dataclass(frozen=True)
class Constraint:
    """``name op bound`` with ``op`` one of ``"<="`` and ``">="``; ``bound`` in the value's own units."""

    name: str
    op: str
    bound: float

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidInputError(f"a constraint's name must be a non-empty string, got {self.name!r}")
        if self.op not in OPS:
            raise InvalidInputError(f"constraint on {self.name!r}: the operator must be one of {OPS}, got {self.op!r}")
        if isinstance(self.bound, bool) or not isinstance(self.bound, numbers.Real) or not math.isfinite(self.bound):
            raise InvalidInputError(f"constraint on {self.name!r}: the bound must be a finite number, got {self.bound!r}")
        object.__setattr__(self, "bound", float(self.bound))

    @classmethod
    def parse(cls, text: str) -> "Constraint":
        """``"latency_ms_pixel3<=5"`` -> ``Constraint("latency_ms_pixel3", "<=", 5.0)``; spaces are
        allowed around the operator. Raises :class:`InvalidInputError` saying what is malformed."""
        if not isinstance(text, str):
            raise InvalidInputError(f"a constraint must be a string such as 'latency<=5', got {text!r}")
        match = _EXPR.match(text)
        if match is None:
            raise InvalidInputError(f"malformed constraint {text!r}: expected NAME<=BOUND or NAME>=BOUND, "
                                    f"e.g. 'latency_ms_pixel3<=5'")
        name, op, bound = match.group("name", "op", "bound")
        op = {"=<": "<=", "=>": ">="}.get(op, op)
        if op not in OPS:
            raise InvalidInputError(f"malformed constraint {text!r}: the operator {op!r} is not supported; use <= or >= "
                                    f"(a bound is met when the value equals it)")
        try:
            value = float(bound)
        except ValueError:
            raise InvalidInputError(f"malformed constraint {text!r}: the bound {bound!r} is not a number") from None
        return cls(name, op, value)

    @property
    def scale(self) -> float:
        """What a miss is divided by in :attr:`violation`: ``|bound|``, or 1 when the bound is 0."""
        return abs(self.bound) or 1.0

    def slack(self, values) -> np.ndarray:
        """``(n,)`` by how much ``values`` (``n,``, raw units) miss the bound: positive when
        violated, zero or negative when met; NaN stays NaN."""
        values = np.asarray(values, dtype=float)
        return values - self.bound if self.op == "<=" else self.bound - values

    def violation(self, values) -> np.ndarray:
        """``(n,)`` the relative miss ``max(slack, 0) / scale`` (0 where met, NaN where unknown)."""
        s = self.slack(values)
        return np.where(np.isnan(s), np.nan, np.maximum(s, 0.0)) / self.scale

    def to_dict(self) -> dict:
        return {"name": self.name, "op": self.op, "bound": self.bound}

    @classmethod
    def from_dict(cls, value: Mapping) -> "Constraint":
        return cls(value["name"], value["op"], value["bound"])

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.bound:g}"


def as_constraints(constraints) -> tuple[Constraint, ...]:
    """``constraints`` as a tuple of :class:`Constraint`: ``None`` (none), one constraint or a
    sequence of them, each a :class:`Constraint`, an expression string (:meth:`Constraint.parse`)
    or a ``{name, op, bound}`` mapping. The same constraint twice is refused."""
    if constraints is None:
        return ()
    if isinstance(constraints, (str, Constraint, Mapping)):
        constraints = [constraints]
    if not isinstance(constraints, Sequence):
        raise InvalidInputError(f"constraints must be a constraint or a list of them ('name<=bound' strings, "
                                f"Constraint objects or {{name, op, bound}} mappings), got {constraints!r}")
    out = []
    for c in constraints:
        if isinstance(c, str):
            c = Constraint.parse(c)
        elif isinstance(c, Mapping):
            if set(c) != {"name", "op", "bound"}:
                raise InvalidInputError(f"a constraint mapping has keys name, op and bound, got {dict(c)!r}")
            c = Constraint.from_dict(c)
        elif not isinstance(c, Constraint):
            raise InvalidInputError(f"a constraint must be a 'name<=bound' string, a Constraint or a mapping, got {c!r}")
        if c in out:
            raise InvalidInputError(f"constraint {c} is given twice")
        out.append(c)
    return tuple(out)


def check_names(constraints: Sequence[Constraint], objectives, measurable: Sequence[str] | None) -> None:
    """Raise :class:`InvalidInputError` for a constraint on a value that is neither an objective
    nor in ``measurable`` (the other values the task measures; ``None``: none), listing those."""
    known = [o.name for o in objectives] + list(measurable or ())
    for c in constraints:
        if c.name not in known:
            others = f"; other measured values: {', '.join(map(str, measurable))}" if measurable else \
                "; the task measures no other value (it has no measurable names)"
            raise InvalidInputError(f"constraint {c}: unknown value {c.name!r}; objectives: "
                                    f"{', '.join(o.name for o in objectives)}{others}")


def extra_names(constraints: Sequence[Constraint], objectives) -> list[str]:
    """The distinct constrained names that are not objectives, in constraint order."""
    names = {o.name for o in objectives}
    return list(dict.fromkeys(c.name for c in constraints if c.name not in names))


def constraint_values(constraints: Sequence[Constraint], objectives, Y: np.ndarray,
                      measured: Mapping[str, np.ndarray]) -> np.ndarray:
    """``(n x k)`` the constrained values, raw units: objective columns of ``Y`` (``n x m``) and
    the other values from ``measured`` (name -> ``(n,)``)."""
    index = {o.name: j for j, o in enumerate(objectives)}
    n = len(Y)
    cols = []
    for c in constraints:
        if c.name in index:
            cols.append(np.asarray(Y, dtype=float)[:, index[c.name]])
            continue
        if c.name not in measured:
            raise InvalidInputError(f"constraint {c} is on {c.name!r}, which is not an objective: its values are "
                                    f"needed (tell(..., measured={{{c.name!r}: values}}), or a task whose "
                                    f"measure(X, names) measures it)")
        col = np.asarray(measured[c.name], dtype=float).reshape(-1)
        if col.shape != (n,):
            raise InvalidInputError(f"measured values of {c.name!r} must have shape ({n},), got {col.shape}")
        cols.append(col)
    return np.column_stack(cols) if cols else np.empty((n, 0))


def measure_constraints(task, constraints: Sequence[Constraint], X: np.ndarray, Y: np.ndarray, errors: list,
                        measured: Mapping[str, np.ndarray] | None = None):
    """``(C, Y)`` for evaluated points ``X`` (``n x d``) with raw values ``Y`` (``n x m``) of
    ``task``: the ``(n x k)`` constrained values, and ``Y`` with a NaN row (and an entry in
    ``errors``, changed in place) for each successful row whose value of a constraint is missing.
    Values that are not objectives come from ``measured`` (name -> ``(n,)``) or, when it is None,
    from ``task.measure(X, names)``; a measurement that raises fails its rows, never the caller.
    """
    if not constraints:
        return np.empty((len(X), 0)), Y
    objectives = task.objectives
    Y = np.array(Y, dtype=float)
    names = extra_names(constraints, objectives)
    if measured is None and names:
        measured = _measure_safely(task, X, names, errors)
    C = constraint_values(constraints, objectives, Y, measured or {})
    for i in np.flatnonzero(np.isnan(C).any(axis=1) & ~np.isnan(Y).any(axis=1)):
        missing = [c.name for c, v in zip(constraints, C[i]) if np.isnan(v)]
        Y[i] = np.nan
        errors[i] = errors[i] or f"no value measured for the constrained {', '.join(missing)}"
    return C, Y


def _measure_safely(task, X: np.ndarray, names: list[str], errors: list) -> dict:
    """``task.measure(X, names)`` as a mapping name -> ``(n,)``; when it raises or returns another
    shape, each row's entry of ``errors`` says why (changed in place) and its values are NaN."""
    from lamoo.task import check_Y

    try:
        values = check_Y(task.measure(X, names), len(X), len(names), "task.measure(X, names)")
    except Exception as exc:  # noqa: BLE001 - a failed measurement fails its rows, not the run
        for i in range(len(X)):
            errors[i] = errors[i] or f"measuring {names} failed: {type(exc).__name__}: {exc}"
        values = np.full((len(X), len(names)), np.nan)
    return {name: values[:, j] for j, name in enumerate(names)}


def total_violation(C: np.ndarray, constraints: Sequence[Constraint]) -> np.ndarray:
    """``(n,)`` the summed relative violation of the rows of ``C`` (``n x k`` constrained values);
    NaN for rows with a NaN value (failed evaluations)."""
    C = np.asarray(C, dtype=float).reshape(len(C), len(constraints))
    out = np.zeros(len(C))
    for j, c in enumerate(constraints):
        out = out + c.violation(C[:, j])
    return out


def relative_slack(C: np.ndarray, constraints: Sequence[Constraint]) -> np.ndarray:
    """``(n x k)`` by how much the rows of ``C`` (``n x k`` constrained values) miss each
    constraint, divided by its :attr:`~Constraint.scale`: ``<= 0`` where met, NaN where unknown.
    Their positive parts sum to :func:`total_violation`; optimizers with constraint support take
    them as they are (pymoo's ``G``, Optuna's ``constraints_func``, BoTorch's ``constraints``)."""
    C = np.asarray(C, dtype=float).reshape(len(C), len(constraints))
    cols = [c.slack(C[:, j]) / c.scale for j, c in enumerate(constraints)]
    return np.column_stack(cols) if cols else np.empty((len(C), 0))


def constraint_rank(F: np.ndarray, violation: np.ndarray | None,
                    dominance: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``(n,)`` float keys, smaller is better, ordering rows by constraint-domination: feasible
    rows (``violation == 0``) by ``dominance(F_feasible)`` (e.g. the dominance number), then
    infeasible rows by their violation. ``F``: ``(n x m)`` minimized; ``violation``: ``(n,)`` or
    None (no constraints: the dominance key of every row)."""
    if violation is None:
        return dominance(F).astype(float)
    violation = np.asarray(violation, dtype=float)
    feasible = violation == 0
    key = np.empty(len(F))
    if feasible.any():
        key[feasible] = dominance(F[feasible])
    worst = key[feasible].max() + 1 if feasible.any() else 0.0
    key[~feasible] = worst + 1 + np.nan_to_num(violation[~feasible], nan=np.inf)
    return key


def describe_infeasible(constraints: Sequence[Constraint], C: np.ndarray) -> str:
    """A sentence for a run without a feasible point: the best violation so far and, per
    constraint, the best value measured (``C``: ``n x k`` values of the successful rows)."""
    violation = total_violation(C, constraints)
    best = int(np.nanargmin(violation))
    closest = ", ".join(f"{c.name}={C[best, j]:g}" for j, c in enumerate(constraints))
    per = []
    for j, c in enumerate(constraints):
        col = C[:, j]
        per.append(f"{c} (best {np.nanmin(col) if c.op == '<=' else np.nanmax(col):g})")
    return (f"no feasible point among {len(C)} successful evaluations: the smallest violation so far is "
            f"{violation[best]:.4g} ({closest}); constraints: {'; '.join(per)}")


__all__ = ["Constraint", "OPS", "as_constraints", "check_names", "constraint_rank", "constraint_values",
           "describe_infeasible", "extra_names", "measure_constraints", "relative_slack", "total_violation"]
