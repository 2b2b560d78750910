"""The archive: every evaluated point, in order. It is append-only and it is the only state of a
run: partition trees and sampler models are rebuilt from it, so resuming is replaying it."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from lamoo.checks import as_real_array
from lamoo.exceptions import InvalidInputError
from lamoo.pareto import nadir_reference
from lamoo.space import SearchSpace
from lamoo.task import ObjectiveSpec, check_objectives, check_ref_point, check_Y, to_minimization

SOURCES = ("init", "sampler", "fill", "user")
NO_LEAF = -1


def _read_only(a: np.ndarray) -> np.ndarray:
    """A view of ``a`` that cannot be written through."""
    view = a.view()
    view.flags.writeable = False
    return view


def _frozen(a: np.ndarray) -> np.ndarray:
    """``a`` itself, made read-only, so no view of it can be made writable again."""
    a.flags.writeable = False
    return a


class Archive:
    """Evaluated points with their raw objective values and provenance.

    The arrays it returns are read-only views (a sampler cannot rewrite paid evaluations) and
    ``errors`` / ``sources`` are copies; only :meth:`append` changes an archive.

    ``ref_point`` (raw units, ``m,``) is the run's hypervolume reference point.

    Attributes (all in evaluation order, ``n`` rows):
        X: ``(n x d)`` points.
        Y: ``(n x m)`` raw objective values (NaN rows: failed evaluations).
        F: ``(n x m)`` canonical (minimization) values.
        failed: ``(n,)`` bool.
        errors: the error message of each failed row (``None`` elsewhere).
        leaf_ids: ``(n,)`` int, the LaMOO leaf a point was proposed from (-1: none).
        sources: ``"init"``, ``"sampler"``, ``"fill"`` (random top-up of a short proposal) or ``"user"``.
        batches: ``(n,)`` int, the ask that produced each point.
    """

    def __init__(self, space: SearchSpace, objectives: Sequence[ObjectiveSpec], ref_point: np.ndarray | None = None):
        if not isinstance(space, SearchSpace):
            raise InvalidInputError(f"space must be a lamoo.SearchSpace, got {space!r}")
        self.space = space
        self.objectives = check_objectives(objectives)
        self.ref_point = None if ref_point is None else check_ref_point(ref_point, self.objectives)
        d, m = space.n_dims, len(self.objectives)
        self._X = _frozen(np.empty((0, d)))
        self._Y = _frozen(np.empty((0, m)))
        self._errors: list[str | None] = []
        self._sources: list[str] = []
        self._leaf_ids = _frozen(np.empty(0, dtype=np.int64))
        self._batches = _frozen(np.empty(0, dtype=np.int64))
        self._keys: set[bytes] = set()

    def __len__(self) -> int:
        return len(self._X)

    @property
    def n(self) -> int:
        return len(self._X)

    @property
    def X(self) -> np.ndarray:
        return _read_only(self._X)

    @property
    def Y(self) -> np.ndarray:
        return _read_only(self._Y)

    @property
    def F(self) -> np.ndarray:
        return _frozen(to_minimization(self._Y, self.objectives))

    def set_ref_point(self, ref_point) -> None:
        """Give an archive made without a reference point its one (raw units, ``m,``): once, for
        a run whose reference point is inferred from its first evaluations."""
        if self.ref_point is not None:
            raise InvalidInputError(f"this archive's reference point is {self.ref_point.tolist()} already; a run's "
                                    f"reference point never changes")
        self.ref_point = check_ref_point(ref_point, self.objectives)

    @property
    def ref_F(self) -> np.ndarray | None:
        """The reference point in canonical (minimization) form, or None if the run has none."""
        return None if self.ref_point is None else to_minimization(self.ref_point, self.objectives)

    def reference_F(self) -> np.ndarray:
        """``(m,)`` the canonical reference point hypervolumes are measured from: the run's
        (:attr:`ref_F`) or, for an archive made without one, the nadir of the successful points
        widened by 10% of their range (:func:`lamoo.pareto.nadir_reference`)."""
        if self.ref_point is not None:
            return self.ref_F
        return nadir_reference(self.F[self.valid_indices])

    @property
    def failed(self) -> np.ndarray:
        return np.isnan(self._Y).any(axis=1)

    @property
    def valid_indices(self) -> np.ndarray:
        """Indices of the rows whose evaluation succeeded."""
        return np.flatnonzero(~self.failed)

    @property
    def leaf_ids(self) -> np.ndarray:
        return _read_only(self._leaf_ids)

    @property
    def batches(self) -> np.ndarray:
        return _read_only(self._batches)

    @property
    def errors(self) -> list[str | None]:
        return list(self._errors)

    @property
    def sources(self) -> list[str]:
        return list(self._sources)

    def append(self, X: np.ndarray, Y: np.ndarray, *, errors: Sequence[str | None] | None = None,
               leaf_ids: Sequence[int] | None = None, sources: Sequence[str] | None = None,
               batch: int | Sequence[int] = 0) -> np.ndarray:
        """Append ``X`` (``k x d``, valid points of the space) and ``Y`` (``k x m`` raw values,
        NaN rows for failures) in the given order. ``batch`` is one ask number for all rows or
        ``(k,)``, one per row. Returns the new rows' indices."""
        X = self.space.validate(X)
        k = len(X)
        Y = check_Y(Y, k, len(self.objectives))
        errors = list(errors) if errors is not None else [None] * k
        sources = list(sources) if sources is not None else ["user"] * k
        leaf_ids = _integers(leaf_ids if leaf_ids is not None else [NO_LEAF] * k, "leaf_ids")
        batches = _integers(batch, "batch")
        batches = np.full(k, batches) if batches.ndim == 0 else batches
        if len(errors) != k or len(sources) != k or leaf_ids.shape != (k,) or batches.shape != (k,):
            raise InvalidInputError(f"errors, sources, leaf_ids and batch (unless one int) must have {k} entries each, "
                                    f"got {len(errors)}, {len(sources)}, {leaf_ids.size} and {batches.size}")
        bad = [s for s in sources if not isinstance(s, str) or s not in SOURCES]
        if bad:
            raise InvalidInputError(f"unknown source {bad[0]!r}; expected one of {SOURCES}")
        bad = [e for e in errors if e is not None and not isinstance(e, str)]
        if bad:
            raise InvalidInputError(f"errors must be strings or None, got {bad[0]!r}")
        failed = np.isnan(Y).any(axis=1)
        errors = [(e or "the evaluation returned NaN") if f else None for e, f in zip(errors, failed)]
        start = len(self._X)
        self._X = _frozen(np.vstack([self._X, X]))
        self._Y = _frozen(np.vstack([self._Y, Y]))
        self._errors.extend(errors)
        self._sources.extend(sources)
        self._leaf_ids = _frozen(np.concatenate([self._leaf_ids, leaf_ids]))
        self._batches = _frozen(np.concatenate([self._batches, batches]))
        self._keys.update(row.tobytes() for row in X)
        return np.arange(start, start + k)

    def contains(self, X: np.ndarray) -> np.ndarray:
        """``(k,)`` bool: which rows of ``X`` (``k x d``) were already evaluated (exact match;
        -0.0 equals 0.0)."""
        X = self.space.as_points(X) + 0.0  # -0.0 -> 0.0, as the stored keys
        return np.array([row.tobytes() in self._keys for row in X], dtype=bool)

    def evaluated_candidates(self) -> np.ndarray:
        """``(N,)`` bool over the space's candidates: which were already evaluated (finite spaces)."""
        mask = np.zeros(self.space.n_candidates, dtype=bool)
        idx = self.space.candidate_index(self._X)
        mask[idx[idx >= 0]] = True
        return mask


def _integers(value, what: str) -> np.ndarray:
    """``value`` (an int or a sequence of ints) as an int64 array; floats must be whole numbers."""
    a = as_real_array(value, what)
    if not (np.isfinite(a).all() and (a == np.round(a)).all() and (np.abs(a) < 2 ** 62).all()):
        raise InvalidInputError(f"{what} must be integers, got {value!r}")
    return a.astype(np.int64)
