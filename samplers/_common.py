"""Helpers shared by the samplers."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lamoo.exceptions import InvalidInputError


def unit_to_space(space, U: np.ndarray) -> np.ndarray:
    """Map ``(k x d)`` unit-cube coordinates linearly back to the space's coordinates, not yet
    repaired (:meth:`SearchSpace.repair` rounds and snaps them; :class:`lamoo.proposal.NewPoints`
    repairs what it is offered). Unlike :meth:`SearchSpace.from_unit` this is the inverse of
    :meth:`SearchSpace.to_unit`, so a model trained on ``to_unit(X)`` proposes where it believes
    it does."""
    U = np.atleast_2d(np.asarray(U, dtype=float))
    return space.lower + U * (space.upper - space.lower)


def relative_slack(archive, rows: np.ndarray) -> np.ndarray:
    """``(k x c)`` by how much the archive rows ``rows`` miss each constraint, relative to its
    bound (:meth:`lamoo.constraints.Constraint.slack` / ``scale``): ``<= 0`` where met. Their
    positive parts sum to :attr:`lamoo.Archive.violation`. ``(k x 0)`` without constraints."""
    from lamoo.constraints import relative_slack as slack

    return slack(archive.C[rows], archive.constraints)


def latest_report(archive, key: str):
    """The value under ``key`` in the latest recorded proposal report that has it
    (:meth:`lamoo.archive.Archive.proposal_reports`: what the sampler reported about each ask
    so far, from the asks' journal records), looked up in the report and in the reports nested under ``"inner"`` (a
    sampler wrapped in :class:`lamoo.LaMOO`); ``None`` when no report has it."""
    for _, report in reversed(archive.proposal_reports()):
        while isinstance(report, Mapping):
            if key in report:
                return report[key]
            report = report.get("inner")
    return None


def check_bool(value, name: str) -> bool:
    """``value`` if it is a bool, else an :class:`~lamoo.exceptions.InvalidInputError` naming it."""
    if not isinstance(value, bool):
        raise InvalidInputError(f"{name} must be True or False, got {value!r}")
    return value
