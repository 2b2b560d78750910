"""Outcome constraints of :class:`~nas_tasks.nb201.table_task.NB201TableTask`: constraints on any
numeric column or computed metric, the feasible cells, and the exact constrained front and
maximum hypervolume."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from lamoo.constraints import as_constraints, check_names, constraint_values, total_violation
from lamoo.exceptions import InvalidInputError
from lamoo.pareto import hypervolume, non_dominated_mask
from lamoo.task import to_minimization

COMPUTED = ("params", "flops")
"""Metrics computed from lamoo's own NB201 network, in millions (see :mod:`nas_tasks.nb201.cost`)."""


class TableConstraints:
    """The constraint part of a table task (a mixin: it reads the task's ``table``, ``codes``,
    ``objectives``, ``ref_point``, ``source`` and its column helpers)."""

    @property
    def measurable_names(self) -> tuple[str, ...]:
        """The numeric columns of the table (computed metrics once asked for): what a constraint
        may name besides the objectives."""
        return tuple(str(c) for c in self.table.columns if c != "arch" and getattr(self.table[c].dtype, "kind", "O") in "iuf")

    def _resolve_constraints(self, constraints: tuple, frame: pd.DataFrame, codes: np.ndarray) -> tuple:
        """``constraints`` with their names resolved to table columns (computing ``params`` /
        ``flops`` when named); unknown names are an error listing the available ones."""
        out = []
        for c in constraints:
            try:
                column = self._resolve_column(c.name, frame)
            except InvalidInputError as exc:
                raise InvalidInputError(f"constraint {c}: {exc}".replace("unknown objective", "unknown value")) from None
            if column in COMPUTED and column not in frame.columns:
                frame[column] = self._computed(column, codes)
            if getattr(frame[column].dtype, "kind", "O") not in "iuf":
                raise InvalidInputError(f"constraint {c}: {self._not_numeric(column, frame[column])}")
            out.append(type(c)(column, c.op, c.bound))
        return as_constraints(out)

    def measure(self, X, names) -> np.ndarray:
        """``(n x k)`` the table's values of the columns ``names`` for ``(n x 6)`` codes."""
        unknown = [name for name in names if name not in self.measurable_names]
        if unknown:
            raise InvalidInputError(f"unknown column(s) {unknown}; measurable: {', '.join(self.measurable_names)}")
        return self.table[list(names)].iloc[self.rows(X)].to_numpy(dtype=float, na_value=np.nan)

    def feasible(self, constraints=None) -> np.ndarray:
        """``(N,)`` bool: the cells that meet ``constraints`` (default: the task's)."""
        constraints = self.constraints if constraints is None else as_constraints(constraints)
        if not constraints:
            return np.ones(len(self.codes), dtype=bool)
        check_names(constraints, self.objectives, self.measurable_names)
        extra = [c.name for c in constraints if c.name not in {o.name for o in self.objectives}]
        C = constraint_values(constraints, self.objectives, self._Y, {n: self.table[n].to_numpy(dtype=float)
                                                                        for n in extra})
        violation = total_violation(C, constraints)
        if not (violation == 0).any():
            best = int(np.nanargmin(violation))
            warnings.warn(f"no cell of table {self.source!r} meets {[str(c) for c in constraints]}: the closest, row "
                          f"{best}, has {dict(zip([c.name for c in constraints], C[best].tolist()))} (violation "
                          f"{violation[best]:.4g}); the constrained maximum hypervolume is 0", UserWarning, stacklevel=3)
        return violation == 0

    def _front(self, constraints) -> np.ndarray:
        """``(N,)`` bool: the feasible cells that are non-dominated among the feasible ones and
        dominate the reference point."""
        F, ref_F = to_minimization(self._Y, self.objectives), to_minimization(self.ref_point, self.objectives)
        F[~self.feasible(constraints)] = np.nan
        return non_dominated_mask(F) & (F < ref_F).all(axis=1)

    def constrained_max_hypervolume(self, constraints) -> float:
        """The hypervolume of the exact front of the cells that meet ``constraints``, w.r.t.
        :attr:`ref_point` (a :class:`lamoo.Study` with constraints of its own reads it)."""
        mask = self._front(as_constraints(constraints))
        F = to_minimization(self._Y[mask], self.objectives)
        return hypervolume(F, to_minimization(self.ref_point, self.objectives))

