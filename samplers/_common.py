"""Helpers shared by the samplers."""
from __future__ import annotations

import numpy as np


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
