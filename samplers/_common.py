"""Helpers shared by the samplers: keeping proposals valid, new and inside their region."""
from __future__ import annotations

import numpy as np

from lamoo.archive import Archive
from lamoo.region import Region


def unit_to_space(space, U: np.ndarray) -> np.ndarray:
    """Map ``(k x d)`` unit-cube coordinates linearly back to the space and repair them (clip,
    round discrete dimensions, snap to a candidate on finite spaces). Unlike
    :meth:`SearchSpace.from_unit` this is the inverse of :meth:`SearchSpace.to_unit`, so a model
    trained on ``to_unit(X)`` proposes where it believes it does."""
    U = np.atleast_2d(np.asarray(U, dtype=float))
    return space.repair(space.lower + U * (space.upper - space.lower))


class NewPoints:
    """Accumulates distinct, unevaluated, in-region points up to ``n`` of them.

    ``offer(X)`` keeps the rows of ``X`` (``k x d``, valid points of the space) that lie in the
    region, were never evaluated and are not already kept, in order, until ``n`` are kept.
    """

    def __init__(self, region: Region, archive: Archive, n: int):
        self.region = region
        self.archive = archive
        self.n = n
        self._rows: list[np.ndarray] = []
        self._keys: set[bytes] = set()

    @property
    def full(self) -> bool:
        return len(self._rows) >= self.n

    def __len__(self) -> int:
        return len(self._rows)

    def acceptable(self, X: np.ndarray) -> np.ndarray:
        """``(k,)`` bool: rows of ``X`` that could be kept now (ignoring duplicates within ``X``)."""
        X = np.atleast_2d(np.asarray(X, dtype=float)) + 0.0
        if len(X) == 0:
            return np.zeros(0, dtype=bool)
        ok = self.region.contains(X) & ~self.archive.contains(X)
        ok &= np.array([row.tobytes() not in self._keys for row in X], dtype=bool)
        return ok

    def kept(self, X: np.ndarray) -> np.ndarray:
        """``(k,)`` bool: rows of ``X`` already kept."""
        X = np.atleast_2d(np.asarray(X, dtype=float)) + 0.0
        return np.array([row.tobytes() in self._keys for row in X], dtype=bool)

    def offer(self, X: np.ndarray) -> int:
        """Keep what fits of ``X``; returns how many rows were kept."""
        X = np.atleast_2d(np.asarray(X, dtype=float)) + 0.0
        kept = 0
        if len(X) == 0 or self.full:
            return 0
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
        """Fill the shortfall with uniform draws from the region (``region.sample``); returns how
        many were added (fewer when the region cannot supply them)."""
        if self.full:
            return 0
        before = len(self)
        d = self.region.space.n_dims
        exclude = self.array() if len(self) else None
        # a few rounds: continuous draws can collide with kept rows only on discrete grids
        for _ in range(3):
            need = self.n - len(self)
            if need <= 0:
                break
            self.offer(self.region.sample(need, rng, exclude=exclude) if self.region.space.is_finite
                       else self.region.sample(need, rng))
            exclude = self.array() if len(self) else np.empty((0, d))
        return len(self) - before

    def array(self) -> np.ndarray:
        """``(k x d)`` the kept points, ``k <= n``."""
        if not self._rows:
            return np.empty((0, self.region.space.n_dims))
        return np.vstack(self._rows)
