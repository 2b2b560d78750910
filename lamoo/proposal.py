"""One proposal path: what a sampler returns, and the one place where it becomes an ask's points.

Every sampler's ``propose(region, archive, n, rng)`` returns a :class:`Proposal`: at most ``n``
points (``k x d``), the region they were proposed in and a JSON-able report. The driver then runs
:func:`complete` on it, once: rows are repaired into the space, rows outside the proposal's
region, already evaluated, pending (handed out by an earlier ask and not yet told) or repeated are
dropped, and a shortfall is topped up with uniform draws from the region, moving up to its parent
region only when the region really cannot supply them. Samplers that generate points in rounds
(CMA-ES asks, NSGA-II matings, greedy acquisition steps) keep their rows in a :class:`NewPoints`,
which applies the same rules, so what they return passes :func:`complete` unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from lamoo.exceptions import InvalidInputError
from lamoo.region import Region


def _read_only(X: np.ndarray) -> np.ndarray:
    X = np.array(X, dtype=float)
    X.flags.writeable = False
    return X


@dataclass(frozen=True)
class Proposal:
    """What :meth:`lamoo.Sampler.propose` returns.

    Attributes:
        X: ``(k x d)`` read-only, the proposed points (``k <= n``; the driver tops up the rest).
        region: the region they were proposed in: the region the sampler was given, or one
            inside it (LaMOO returns the region it selected).
        info: a JSON-able report of the sampler (read-only mapping), recorded in the journal
            under ``"proposal"``.
    """

    X: np.ndarray
    region: Region
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        d = self.region.space.n_dims
        try:
            X = np.asarray(self.X, dtype=float)
        except (TypeError, ValueError):
            raise InvalidInputError(f"a proposal's X must be a numeric (k x {d}) array, got {self.X!r}") from None
        if X.size == 0:
            X = np.empty((0, d))
        if X.ndim != 2 or X.shape[1] != d:
            raise InvalidInputError(f"a proposal's X must have shape (k x {d}), got shape {X.shape}")
        if not isinstance(self.info, Mapping):
            raise InvalidInputError(f"a proposal's info must be a mapping, got {type(self.info).__name__}")
        object.__setattr__(self, "X", _read_only(X))
        object.__setattr__(self, "info", MappingProxyType(dict(self.info)))

    def __len__(self) -> int:
        return len(self.X)


def as_proposal(result, region: Region, sampler=None) -> Proposal:
    """The value ``sampler.propose(region, ...)`` returned, as a :class:`Proposal`: a proposal
    as it is (checked to lie in ``region`` or a region inside it), or a ``(k x d)`` array from a
    sampler written for the plain-array protocol, wrapped with ``region`` and an empty report."""
    who = "propose" if sampler is None else f"{sampler!r}.propose"
    if not isinstance(result, Proposal):
        try:
            return Proposal(result, region, {})
        except InvalidInputError as exc:
            raise InvalidInputError(f"{who} must return a lamoo.Proposal or a (k x d) array: {exc}") from None
    node = result.region
    while node is not None and node is not region:
        node = node.parent
    if node is None:
        raise InvalidInputError(f"{who} returned a proposal for {result.region!r}, which is neither the region it "
                                f"was given ({region!r}) nor one refined from it")
    return result


class NewPoints:
    """Up to ``n`` points being kept for one proposal, in the order offered.

    A row is kept when, once repaired into the space (clipped, rounded, snapped to a candidate
    on finite spaces), it lies in :attr:`region`, is new (neither evaluated nor pending) and is
    not kept already.
    """

    def __init__(self, region: Region, n: int):
        self.region = region
        self.n = n
        self._rows: list[np.ndarray] = []
        self._keys: set[bytes] = set()

    @property
    def full(self) -> bool:
        return len(self._rows) >= self.n

    def __len__(self) -> int:
        return len(self._rows)

    def _repaired(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.size == 0:
            return np.empty((0, self.region.space.n_dims))
        return self.region.space.repair(X)

    def acceptable(self, X: np.ndarray) -> np.ndarray:
        """``(k,)`` bool: the rows of ``X`` (``k x d``) that could be kept now, judged after
        repair (duplicates within ``X`` are not looked for)."""
        X = self._repaired(X)
        if len(X) == 0:
            return np.zeros(0, dtype=bool)
        ok = self.region.contains(X) & self.region.is_new(X)
        return ok & ~self.kept(X)

    def kept(self, X: np.ndarray) -> np.ndarray:
        """``(k,)`` bool: the rows of ``X`` (``k x d``) that are kept already."""
        X = np.atleast_2d(np.asarray(X, dtype=float)) + 0.0
        return np.array([row.tobytes() in self._keys for row in X], dtype=bool)

    def offer(self, X: np.ndarray) -> int:
        """Keep what fits of ``X`` (``k x d``, repaired first), in order, until ``n`` are kept;
        returns how many rows were kept."""
        if self.full:
            return 0
        X = self._repaired(X)
        kept = 0
        for row, ok in zip(X, self.acceptable(X)):
            if self.full:
                break
            key = row.tobytes()
            if ok and key not in self._keys:
                self._keys.add(key)
                self._rows.append(row)
                kept += 1
        return kept

    def top_up(self, rng: np.random.Generator) -> int:
        """Fill the shortfall with uniform draws from :attr:`region` (:meth:`Region.sample`, a
        few rounds); returns how many were kept (fewer when the region cannot supply them)."""
        if self.full:
            return 0
        before = len(self)
        exclude = self.array() if len(self) else None
        for _ in range(3):  # continuous draws can collide with kept rows only on discrete grids
            need = self.n - len(self)
            if need <= 0:
                break
            finite = self.region.space.is_finite
            self.offer(self.region.sample(need, rng, exclude=exclude) if finite else self.region.sample(need, rng))
            exclude = self.array()
        return len(self) - before

    def widen(self) -> None:
        """Move up to the parent region (it holds every kept point); an error at the top."""
        if self.region.parent is None:
            raise InvalidInputError(f"{self.region!r} has no parent region to move up to")
        self.region = self.region.parent

    def array(self) -> np.ndarray:
        """``(k x d)`` the kept points, ``k <= n``."""
        if not self._rows:
            return np.empty((0, self.region.space.n_dims))
        return np.vstack(self._rows)


@dataclass(frozen=True)
class Completed:
    """The points of an ask made from one proposal (see :func:`complete`).

    Attributes:
        X: ``(k x d)`` points, ``k <= n`` (less only when a finite space has no new point left).
        sources: per row, the proposal's source label (``"sampler"``, ``"init"``) or ``"fill"``
            for a uniform top-up draw.
        leaf_ids: ``(k,)`` the ``leaf_id`` of the region each row was proposed or drawn in.
    """

    X: np.ndarray
    sources: tuple[str, ...]
    leaf_ids: np.ndarray


def complete(proposal: Proposal, n: int, rng: np.random.Generator, source: str = "sampler") -> Completed:
    """Make ``proposal`` into ``n`` points to evaluate: its rows that are acceptable (see
    :class:`NewPoints`) then, for a shortfall, uniform draws from its region, and from the
    parent region only when the region yields no more (a real shortfall: no draw is thrown
    away). Uses ``rng`` only for the top-up."""
    points = NewPoints(proposal.region, n)
    points.offer(proposal.X)
    n_proposed = len(points)
    leaf_ids = [proposal.region.leaf_id] * n_proposed
    while True:
        leaf_ids += [points.region.leaf_id] * points.top_up(rng)
        if points.full or points.region.parent is None:
            break
        points.widen()
    return Completed(_read_only(points.array()), (source,) * n_proposed + ("fill",) * (len(points) - n_proposed),
                     np.asarray(leaf_ids, dtype=np.int64))
