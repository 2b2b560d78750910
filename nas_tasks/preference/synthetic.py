"""Synthetic users: the six preferences of Kulbach and Thoma's evaluation, and top-k precision.

A synthetic user has a utility over a candidate's metrics and prefers the candidate with the
larger one ("no preference" on a tie). The six preferences (their Eqs. 3-8 as the lamoo issue
describes them; the paper itself could not be retrieved, so the formulas below are lamoo's
reading, see ``benchmarks/results/preference/REPORT.md``):

==========================  ===================================================================
``accuracy``                ``u = acc``
``latency``                 ``u = -latency``
``params``                  ``u = -params``
``sum``                     equal-weight sum of the four metrics min-max normalized over the
                            reference table, each oriented so that larger is better:
                            ``u = acc' + (1 - latency') + (1 - params') + (1 - flops')``
``flops_constraint``        ``u = acc`` if ``flops <= median(flops)``, else ``0``
``accuracy_constraint``     ``u = 1 + (1 - latency')`` if ``acc >= median(acc)``, else ``0``
==========================  ===================================================================

Thresholds are medians over the reference table (the whole search space, so the preference is a
property of the user, not of the sample). Two candidates that both violate a constraint tie: the
user has no preference between them.
"""
from __future__ import annotations

import numpy as np

from lamoo.checks import check_choice, check_int
from lamoo.exceptions import InvalidInputError

PREFERENCES = ("accuracy", "latency", "params", "sum", "flops_constraint", "accuracy_constraint")
ROLES = ("accuracy", "latency", "params", "flops")


class SyntheticPreference:
    """A simulated user with one of the :data:`PREFERENCES`.

    Args:
        name: one of :data:`PREFERENCES`.
        reference: the metrics of the whole search space (a DataFrame or dict of columns): the
            medians and normalization ranges are taken from it.
        columns: ``{role: column}`` for the roles ``accuracy``, ``latency``, ``params``,
            ``flops`` (default: the role names themselves).
    """

    def __init__(self, name: str, reference, columns: dict | None = None):
        self.name = check_choice(name, "preference", PREFERENCES)
        self.columns = {role: role for role in ROLES} | dict(columns or {})
        unknown = sorted(set(self.columns) - set(ROLES))
        if unknown:
            raise InvalidInputError(f"columns maps unknown roles {unknown}; the roles are {list(ROLES)}")
        ref = {role: self._column(reference, role) for role in ROLES}
        self.lo = {role: float(v.min()) for role, v in ref.items()}
        self.hi = {role: float(v.max()) for role, v in ref.items()}
        self.median = {role: float(np.median(v)) for role, v in ref.items()}

    def _column(self, frame, role: str) -> np.ndarray:
        column = self.columns[role]
        try:
            values = np.asarray(frame[column], dtype=float).ravel()
        except (KeyError, IndexError):
            raise InvalidInputError(f"preference {self.name!r} needs the {role} column {column!r}; the metrics "
                                    f"given have {list(frame.keys()) if hasattr(frame, 'keys') else '?'}") from None
        if not np.isfinite(values).all():
            raise InvalidInputError(f"the {role} column {column!r} has missing values")
        return values

    def _norm(self, frame, role: str) -> np.ndarray:
        width = self.hi[role] - self.lo[role]
        return (self._column(frame, role) - self.lo[role]) / (width if width > 0 else 1.0)

    def utility(self, frame) -> np.ndarray:
        """``(n,)`` the user's utility of each candidate (larger is preferred)."""
        if self.name == "accuracy":
            return self._column(frame, "accuracy")
        if self.name in ("latency", "params"):
            return -self._column(frame, self.name)
        if self.name == "sum":
            return (self._norm(frame, "accuracy") + (1 - self._norm(frame, "latency"))
                    + (1 - self._norm(frame, "params")) + (1 - self._norm(frame, "flops")))
        if self.name == "flops_constraint":
            acc = self._column(frame, "accuracy")
            return np.where(self._column(frame, "flops") <= self.median["flops"], acc, 0.0)
        feasible = self._column(frame, "accuracy") >= self.median["accuracy"]
        return np.where(feasible, 1.0 + (1.0 - self._norm(frame, "latency")), 0.0)

    def choose(self, frame, a: int, b: int) -> str:
        """The user's judgment of rows ``a`` and ``b`` of ``frame``: ``"a"``, ``"b"`` or ``"none"``."""
        u = self.utility(frame)
        if u[a] == u[b]:
            return "none"
        return "a" if u[a] > u[b] else "b"

    def __repr__(self) -> str:
        return f"SyntheticPreference({self.name!r}, columns={self.columns})"


def top_k_precision(utility, score, k: int = 10) -> float:
    """Fraction of the ``k`` candidates with the highest ``score`` that are among the user's top
    ``k`` by ``utility`` (ties at the k-th utility count as top: any of them is a right answer).
    Ties in ``score`` are broken by position."""
    utility, score = np.asarray(utility, dtype=float), np.asarray(score, dtype=float)
    k = check_int(k, "k", 1)
    if utility.shape != score.shape or utility.ndim != 1 or len(utility) < k:
        raise InvalidInputError(f"utility and score must be two (n,) arrays with n >= k = {k}, got shapes "
                                f"{utility.shape} and {score.shape}")
    kth = np.sort(utility)[::-1][k - 1]
    predicted = np.argsort(-score, kind="stable")[:k]
    return float((utility[predicted] >= kth).mean())


__all__ = ["PREFERENCES", "ROLES", "SyntheticPreference", "top_k_precision"]
