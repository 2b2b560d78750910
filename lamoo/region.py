"""Regions: the part of the search space an inner sampler must propose in.

A region is the whole space narrowed by the classifiers along a tree path: a point belongs to it
when it is a valid point of the space and every classifier on the path predicts the path's side
for it. Everything an inner sampler needs about its region is here: membership, sampling, the
archive samples inside it, a bounding box, its in-region candidates on finite spaces, the points
already claimed (evaluated, or pending: handed out by an ask and not yet told), and its parent
(the region one split up) for relaxing when it is too small.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from lamoo.archive import Archive, NO_LEAF

FeatureMap = Callable[[np.ndarray], np.ndarray]


class Region:
    """A part of ``archive.space`` (use :meth:`whole` and :meth:`refine` to make one).

    Attributes:
        space, archive: the search space and the archive of evaluated points.
        members: ``(k,)`` archive indices of successfully evaluated points inside the region.
        parent: the region one split up (``None`` for the whole space).
        leaf_id: the id of the tree node this region is (``-1`` for the whole space).
        depth: number of splits from the whole space.
        pending: ``(p x d)`` read-only: points handed out by an ask and not yet told. Like
            evaluated points they are never proposed again, and :meth:`candidates` and
            :meth:`sample` leave them out.
    """

    def __init__(self, archive: Archive, *, members: np.ndarray, constraints: tuple = (),
                 parent: "Region | None" = None, leaf_id: int = NO_LEAF, margin: float = 0.25,
                 max_rounds: int = 20, pending: np.ndarray | None = None):
        self.archive = archive
        self.space = archive.space
        self.members = np.asarray(members, dtype=np.int64)
        self.constraints = constraints
        self.parent = parent
        self.leaf_id = leaf_id
        self.depth = len(constraints)
        self.margin = margin
        self.max_rounds = max_rounds
        pending = np.empty((0, self.space.n_dims)) if pending is None else np.array(pending, dtype=float, ndmin=2)
        pending += 0.0  # -0.0 -> 0.0, as the archive's keys
        pending.flags.writeable = False
        self.pending = pending
        self._pending_keys = {row.tobytes() for row in pending}
        self._candidate_rows: np.ndarray | None = None

    @classmethod
    def whole(cls, archive: Archive, pending: np.ndarray | None = None) -> "Region":
        """The whole search space, holding every successful evaluation; ``pending`` (``p x d``)
        are points handed out and not yet told (see :attr:`pending`)."""
        return cls(archive, members=archive.valid_indices, pending=pending)

    def refine(self, classifier, label: int, members: np.ndarray, leaf_id: int, features: FeatureMap) -> "Region":
        """The sub-region where ``classifier.predict(features(X))`` equals ``label``;
        ``members`` are its archive indices and ``leaf_id`` its tree node id."""
        return Region(self.archive, members=members, constraints=self.constraints + ((classifier, label, features),),
                      parent=self, leaf_id=leaf_id, margin=self.margin, max_rounds=self.max_rounds,
                      pending=self.pending)

    def with_pending(self, X: np.ndarray) -> "Region":
        """The same region with the points ``X`` (``k x d``) added to :attr:`pending` (same
        constraints, members, parent and leaf id), e.g. the part of a batch already proposed
        elsewhere, so that a sampler asked for the rest does not propose them again."""
        X = np.array(X, dtype=float, ndmin=2).reshape(-1, self.space.n_dims)
        region = Region(self.archive, members=self.members, constraints=self.constraints, parent=self.parent,
                        leaf_id=self.leaf_id, margin=self.margin, max_rounds=self.max_rounds,
                        pending=np.vstack([self.pending, X]))
        region._candidate_rows = self._candidate_rows
        return region

    @property
    def is_whole_space(self) -> bool:
        return not self.constraints

    @property
    def X(self) -> np.ndarray:
        """``(k x d)`` the member points."""
        return self.archive.X[self.members]

    @property
    def F(self) -> np.ndarray:
        """``(k x m)`` the members' canonical (minimized) objective values."""
        return self.archive.F[self.members]

    @property
    def bounds(self) -> np.ndarray:
        """``(2 x d)`` bounding box of the region's members (the space's bounds for the whole
        space or a region without members)."""
        if self.is_whole_space or len(self.members) == 0:
            return self.space.bounds
        X = self.X
        return np.vstack([X.min(axis=0), X.max(axis=0)])

    def contains(self, X: np.ndarray) -> np.ndarray:
        """``(n,)`` bool: which rows of ``X`` (``n x d``) lie in the region."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        inside = self.space.contains(X)
        for clf, label, features in self.constraints:
            rows = np.flatnonzero(inside)
            if len(rows) == 0:
                break
            inside[rows] = np.asarray(clf.predict(features(X[rows]))) == label
        return inside

    def is_new(self, X: np.ndarray) -> np.ndarray:
        """``(n,)`` bool: which rows of ``X`` (``n x d``) are neither evaluated nor pending."""
        X = np.atleast_2d(np.asarray(X, dtype=float)) + 0.0
        new = ~self.archive.contains(X)
        if self._pending_keys:
            new &= np.array([row.tobytes() not in self._pending_keys for row in X], dtype=bool)
        return new

    # ------------------------------------------------------------------ finite spaces
    def candidate_rows(self) -> np.ndarray:
        """Indices into ``space.candidates`` of the candidates inside the region (finite spaces
        only; cached, and computed from the parent's, so each level runs one classifier)."""
        if self._candidate_rows is None:
            if self.parent is not None:
                rows = self.parent.candidate_rows()
            else:
                rows = np.arange(self.space.n_candidates)
            if self.constraints and len(rows):
                clf, label, features = self.constraints[-1]
                rows = rows[np.asarray(clf.predict(features(self.space.candidates[rows]))) == label]
            self._candidate_rows = rows
        return self._candidate_rows

    def candidates(self, unevaluated: bool = True) -> np.ndarray:
        """``(k x d)`` the space's candidates inside the region (finite spaces only), without the
        claimed ones (evaluated or pending) unless ``unevaluated`` is False."""
        rows = self.candidate_rows()
        if unevaluated:
            rows = rows[~self._claimed_candidates()[rows]]
        return self.space.candidates[rows]

    def _claimed_candidates(self) -> np.ndarray:
        """``(N,)`` bool over the space's candidates: evaluated or pending."""
        claimed = self.archive.evaluated_candidates()
        if len(self.pending):
            idx = self.space.candidate_index(self.pending)
            claimed[idx[idx >= 0]] = True
        return claimed

    def n_available(self) -> int | None:
        """How many new points the region holds: its unclaimed candidates on a finite space;
        ``None`` on other spaces, where only drawing tells (see :meth:`sample`)."""
        return len(self.candidates()) if self.space.is_finite else None

    # ------------------------------------------------------------------ sampling
    def sample(self, n: int, rng: np.random.Generator, exclude: np.ndarray | None = None) -> np.ndarray:
        """Up to ``n`` distinct points drawn uniformly from the region, as ``(k x d)`` with
        ``k <= n``. Finite spaces: exact, among unclaimed in-region candidates not in
        ``exclude`` (``j x d``). Otherwise: rejection sampling in the members' bounding box
        widened by ``margin`` of its width on each side, at most ``max_rounds`` rounds; ``k < n``
        means the region is too small for this budget of tries."""
        if n <= 0:
            return np.empty((0, self.space.n_dims))
        if self.space.is_finite:
            C = self.candidates()
            if exclude is not None and len(exclude) and len(C):
                C = C[~_rows_in(C, exclude)]
            return C[rng.choice(len(C), size=min(n, len(C)), replace=False)]
        if self.is_whole_space:
            return self.space.sample_uniform(n, rng)
        lo, hi = self.sampling_box()
        found = []
        count = 0
        batch = max(256, 20 * n)
        for _ in range(self.max_rounds):
            X = self._uniform_in_box(lo, hi, batch, rng)
            X = X[self.contains(X)]
            found.append(X)
            count += len(X)
            if count >= n:
                break
        return np.vstack(found)[:n]

    def sampling_box(self) -> tuple[np.ndarray, np.ndarray]:
        """``(lower, upper)``, each ``(d,)``: the members' bounding box widened by ``margin`` of its
        width (at least 2% of the space's range) on each side, clipped to the space. Continuous
        samplers draw and optimize in it; the region may extend beyond it."""
        lo, hi = self.bounds
        pad = self.margin * np.maximum(hi - lo, 0.02 * (self.space.upper - self.space.lower))
        return np.maximum(lo - pad, self.space.lower), np.minimum(hi + pad, self.space.upper)

    def _uniform_in_box(self, lo: np.ndarray, hi: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        X = lo + rng.random((n, len(lo))) * (hi - lo)
        disc = self.space.discrete_mask
        if disc.any():
            X[:, disc] = rng.integers(np.ceil(lo[disc]), np.floor(hi[disc]) + 1, size=(n, int(disc.sum())))
        return X

    def __repr__(self) -> str:
        return f"Region(depth={self.depth}, leaf_id={self.leaf_id}, members={len(self.members)})"


def _rows_in(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``(len(A),)`` bool: which rows of ``A`` occur in ``B``."""
    keys = {row.tobytes() for row in np.asarray(B, dtype=float) + 0.0}
    return np.array([row.tobytes() in keys for row in A + 0.0], dtype=bool)
