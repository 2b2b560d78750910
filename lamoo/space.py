"""Search spaces: boxes of continuous, integer and categorical dimensions, optionally finite.

A point is a row of a float64 array of shape ``(n x d)``. Integer dimensions hold whole numbers
within their bounds; categorical dimensions hold the codes ``0 .. k-1`` of their ``k`` choices.
A space is *finite* when it has a candidate list: then only those rows are valid points (a NAS
benchmark table, say). A purely discrete space whose grid has at most
:data:`MAX_ENUMERATED_GRID` points gets its full grid as candidate list automatically.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from lamoo.checks import as_real_array, check_int
from lamoo.exceptions import InvalidInputError

KINDS = ("continuous", "integer", "categorical")
MAX_ENUMERATED_GRID = 200_000
MAX_EXACT_INTEGER = 2 ** 53
"""Integer and categorical bounds must lie within +-2**53: beyond it float64 coordinates skip integers."""


class SearchSpace:
    """A box of ``d`` dimensions, each continuous, integer or categorical.

    Args:
        bounds: ``d`` pairs ``(low, high)`` (or an array of shape ``(d x 2)``). For a categorical
            dimension with ``k`` choices the bounds are ``(0, k - 1)``.
        kinds: one of ``"continuous"``, ``"integer"``, ``"categorical"`` per dimension
            (default: all continuous).
        names: a name per dimension (default ``x0 .. x{d-1}``).
        choices: for categorical dimensions, the labels of their codes (``None`` elsewhere).
        candidates: ``(N x d)`` array of the only valid points, or ``None``.
    """

    def __init__(
        self,
        bounds: Sequence[Sequence[float]] | np.ndarray,
        kinds: Sequence[str] | None = None,
        names: Sequence[str] | None = None,
        choices: Sequence[Sequence[str] | None] | None = None,
        candidates: np.ndarray | None = None,
    ):
        b = _check_bounds(bounds)
        kinds, names, choices = _check_labels(b, kinds, names, choices)
        self.lower: np.ndarray = b[:, 0].copy()
        self.upper: np.ndarray = b[:, 1].copy()
        self.kinds: tuple[str, ...] = kinds
        self.names: tuple[str, ...] = names
        self.choices: tuple = tuple(None if c is None else tuple(c) for c in choices)
        self.discrete_mask: np.ndarray = np.array([k != "continuous" for k in kinds])
        # grid sizes of the discrete dimensions (1 for continuous ones, whose width may exceed int64)
        self._radix = np.where(self.discrete_mask, self.upper - self.lower + 1, 1).astype(np.int64)
        if candidates is None and self.discrete_mask.all() and self.grid_size <= MAX_ENUMERATED_GRID:
            candidates = self._enumerate_grid()
        self.candidates: np.ndarray | None = None
        if candidates is not None:
            self._set_candidates(candidates)

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def box(cls, lower: Sequence[float], upper: Sequence[float], names: Sequence[str] | None = None) -> "SearchSpace":
        """A continuous box ``[lower, upper]``."""
        return cls(np.column_stack([lower, upper]), names=names)

    @classmethod
    def categorical(cls, n_dims: int, options: Sequence[str], names: Sequence[str] | None = None,
                    candidates: np.ndarray | None = None) -> "SearchSpace":
        """``n_dims`` categorical dimensions sharing the same option labels."""
        k = len(options)
        return cls([(0, k - 1)] * n_dims, kinds=["categorical"] * n_dims, names=names,
                   choices=[tuple(options)] * n_dims, candidates=candidates)

    def _enumerate_grid(self) -> np.ndarray:
        axes = [np.arange(lo, hi + 1) for lo, hi in zip(self.lower, self.upper)]
        return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, self.n_dims).astype(float)

    def _set_candidates(self, candidates: np.ndarray) -> None:
        C = as_real_array(candidates, "candidates")
        if C.ndim != 2 or C.shape[1] != self.n_dims or C.shape[0] == 0:
            raise InvalidInputError(f"candidates must have shape (N x {self.n_dims}), got {C.shape}")
        self._check_in_box(C, "candidates")
        self.candidates = C
        self._keys_sorted = None
        keys = self._keys(C)
        if keys is not None:
            order = np.argsort(keys, kind="stable")
            self._keys_sorted, self._keys_order = keys[order], order
            dup = np.flatnonzero(np.diff(self._keys_sorted) == 0)
        else:
            self._key_dict = {}
            dup = []
            for i, row in enumerate(C):
                if self._key_dict.setdefault(row.tobytes(), i) != i:
                    dup.append(i)
        if len(dup):
            raise InvalidInputError(f"candidates contain duplicate rows ({len(dup)} duplicates)")

    # ------------------------------------------------------------------ properties
    @property
    def n_dims(self) -> int:
        return len(self.lower)

    @property
    def bounds(self) -> np.ndarray:
        """``(2 x d)`` array of lower and upper bounds (BoTorch's layout)."""
        return np.vstack([self.lower, self.upper])

    @property
    def is_finite(self) -> bool:
        """True when only the rows of :attr:`candidates` are valid points."""
        return self.candidates is not None

    @property
    def grid_size(self) -> float:
        """Number of points of a purely discrete space's grid (``inf`` if any dimension is continuous)."""
        if not self.discrete_mask.all():
            return math.inf
        return float(np.prod(self._radix.astype(float)))

    @property
    def n_candidates(self) -> int | None:
        return None if self.candidates is None else len(self.candidates)

    def __repr__(self) -> str:
        extra = f", candidates={self.n_candidates}" if self.is_finite else ""
        return f"SearchSpace(d={self.n_dims}, kinds={sorted(set(self.kinds))}{extra})"

    # ------------------------------------------------------------------ membership
    def _keys(self, X: np.ndarray) -> np.ndarray | None:
        """Mixed-radix integer key of each row of a purely discrete space (None otherwise)."""
        if not self.discrete_mask.all() or self.grid_size >= 2 ** 62:
            return None
        strides = np.cumprod(np.concatenate([[1], self._radix[::-1][:-1]]))[::-1]
        return ((np.rint(X) - self.lower).astype(np.int64) * strides).sum(axis=1)

    def candidate_index(self, X: np.ndarray) -> np.ndarray:
        """Row index into :attr:`candidates` of each row of ``X`` (``n x d``); -1 where absent."""
        if self.candidates is None:
            raise InvalidInputError("candidate_index needs a finite space (one with candidates)")
        X = self.as_points(X)
        out = np.full(len(X), -1, dtype=np.int64)
        if len(X) == 0:
            return out
        ok = self._in_box(X)
        if self._keys_sorted is not None:
            keys = self._keys(np.where(ok[:, None], X, self.lower))
            pos = np.clip(np.searchsorted(self._keys_sorted, keys), 0, len(self._keys_sorted) - 1)
            hit = ok & (self._keys_sorted[pos] == keys)
            out[hit] = self._keys_order[pos[hit]]
        else:
            for i in np.flatnonzero(ok):
                out[i] = self._key_dict.get(X[i].tobytes(), -1)
        return out

    def _in_box(self, X: np.ndarray) -> np.ndarray:
        finite = np.isfinite(X).all(axis=1)
        inside = ((X >= self.lower) & (X <= self.upper)).all(axis=1)
        integral = (X[:, self.discrete_mask] == np.round(X[:, self.discrete_mask])).all(axis=1)
        return finite & inside & integral

    def as_points(self, X, what: str = "X") -> np.ndarray:
        """``X`` as a float64 ``(n x d)`` array (a 1-D array of length ``d`` is one point), or
        :class:`InvalidInputError` for non-numbers and wrong shapes."""
        X = as_real_array(X, what)
        if X.ndim == 1 and X.shape[0] == self.n_dims:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.n_dims:
            raise InvalidInputError(f"{what} must have shape (n x {self.n_dims}), got shape {X.shape}")
        return X

    def contains(self, X: np.ndarray) -> np.ndarray:
        """``(n,)`` bool: which rows of ``X`` (``n x d``) are valid points of the space."""
        X = self.as_points(X)
        if self.candidates is not None:
            return self.candidate_index(X) >= 0
        return self._in_box(X)

    def _check_in_box(self, X: np.ndarray, what: str) -> None:
        bad = np.flatnonzero(~self._in_box(X))
        if len(bad):
            i = bad[0]
            raise InvalidInputError(
                f"{what} row {i} = {X[i].tolist()} is outside the search space: "
                f"{self._describe_violation(X[i])} ({len(bad)} bad rows in all)")

    def _describe_violation(self, x: np.ndarray) -> str:
        for j, name in enumerate(self.names):
            if not np.isfinite(x[j]):
                return f"dimension {name!r} is {x[j]}"
            if x[j] < self.lower[j] or x[j] > self.upper[j]:
                return f"dimension {name!r} must lie in [{self.lower[j]:g}, {self.upper[j]:g}], got {x[j]:g}"
            if self.discrete_mask[j] and x[j] != round(x[j]):
                return f"dimension {name!r} is {self.kinds[j]}, got {x[j]:g}"
        return "it is not one of the space's candidates"

    def validate(self, X, what: str = "X") -> np.ndarray:
        """Return ``X`` as a float64 ``(n x d)`` array or raise :class:`InvalidInputError`.

        Checks the shape, finiteness, bounds, integrality of discrete dimensions and, on finite
        spaces, that every row is a candidate. A 1-D array of length ``d`` is one point.
        """
        X = self.as_points(X, what)
        self._check_in_box(X, what)
        X = X + 0.0  # turns -0.0 into 0.0 so equal points have equal bytes
        if self.candidates is not None:
            missing = np.flatnonzero(self.candidate_index(X) < 0)
            if len(missing):
                i = missing[0]
                raise InvalidInputError(
                    f"{what} row {i} = {X[i].tolist()} is not one of the space's {self.n_candidates} "
                    f"candidates ({len(missing)} such rows)")
        return X

    # ------------------------------------------------------------------ sampling and repair
    def sample_uniform(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``(n x d)`` points drawn uniformly (from the candidates on a finite space)."""
        n = _check_draw(n, rng)
        if self.candidates is not None:
            idx = rng.choice(len(self.candidates), size=n, replace=n > len(self.candidates))
            return self.candidates[idx].copy()
        return self.from_unit(rng.random((n, self.n_dims)))

    def sample_initial(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """An ``(n x d)`` space-filling initial design: Latin hypercube, or distinct candidates."""
        n = _check_draw(n, rng)
        if self.candidates is not None:
            return self.sample_uniform(n, rng)
        from scipy.stats import qmc

        return self.from_unit(qmc.LatinHypercube(d=self.n_dims, rng=rng).random(n))

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """Map ``(n x d)`` points of the unit cube into the space (discrete dims by equal bins)."""
        U = self.as_points(U, "U")
        if not ((U >= 0) & (U <= 1)).all():
            raise InvalidInputError(f"U must hold unit-cube coordinates in [0, 1], got {U[~((U >= 0) & (U <= 1))][0]}")
        X = np.clip(self.lower + U * (self.upper - self.lower), self.lower, self.upper)
        disc = self.discrete_mask
        X[:, disc] = np.minimum(self.lower[disc] + np.floor(U[:, disc] * self._radix[disc]), self.upper[disc])
        return X

    def to_unit(self, X: np.ndarray) -> np.ndarray:
        """Scale points (``n x d``, or ``d,``) to the unit cube (a zero-width dimension maps to 0)."""
        X = as_real_array(X, "X")
        if X.ndim == 0 or X.shape[-1] != self.n_dims:
            raise InvalidInputError(f"X must have {self.n_dims} columns, got shape {X.shape}")
        width = np.where(self.upper > self.lower, self.upper - self.lower, 1.0)
        return (X - self.lower) / width

    def repair(self, X: np.ndarray) -> np.ndarray:
        """Nearest valid points: clip to the bounds, round discrete dimensions and, on a finite
        space whose candidates are not the full grid, snap to the nearest candidate (in unit
        scale). Returns a new ``(n x d)`` array."""
        X = self.as_points(X)
        X = np.where(np.isfinite(X), X, self.lower + (self.upper - self.lower) / 2)
        X = np.clip(X, self.lower, self.upper)
        X[:, self.discrete_mask] = np.rint(X[:, self.discrete_mask])
        X += 0.0  # -0.0 -> 0.0
        if self.candidates is not None:
            missing = np.flatnonzero(self.candidate_index(X) < 0)
            if len(missing):
                X[missing] = self.candidates[self._nearest_candidates(X[missing])]
        return X

    def _nearest_candidates(self, X: np.ndarray, chunk: int = 256) -> np.ndarray:
        C = self.to_unit(self.candidates)
        Q = self.to_unit(X)
        out = np.empty(len(Q), dtype=np.int64)
        for s in range(0, len(Q), chunk):
            q = Q[s:s + chunk]
            d2 = (q ** 2).sum(1)[:, None] - 2 * q @ C.T + (C ** 2).sum(1)[None, :]
            out[s:s + chunk] = d2.argmin(axis=1)
        return out

    # ------------------------------------------------------------------ views for models
    def features(self, X: np.ndarray, one_hot: bool = False) -> np.ndarray:
        """Model inputs for ``(n x d)`` points: unit-scaled, with categorical dimensions one-hot
        encoded when ``one_hot`` (then ``(n x d')`` with ``d' = #non-categorical + sum k``)."""
        X = self.as_points(X)
        U = self.to_unit(X)
        if not one_hot or "categorical" not in self.kinds:
            return U
        self._check_in_box(X, "X")
        cols = []
        for j, kind in enumerate(self.kinds):
            if kind == "categorical":
                k = int(self._radix[j])
                cols.append(np.eye(k)[np.rint(X[:, j]).astype(int)])
            else:
                cols.append(U[:, j:j + 1])
        return np.hstack(cols)

    def to_dict(self) -> dict:
        """A JSON-serialisable description (candidates summarised by count)."""
        return {"bounds": np.column_stack([self.lower, self.upper]).tolist(), "kinds": list(self.kinds),
                "names": list(self.names), "choices": [None if c is None else list(c) for c in self.choices],
                "n_candidates": self.n_candidates}


# ---------------------------------------------------------------------- argument checks
def _check_draw(n, rng) -> int:
    if not isinstance(rng, np.random.Generator):
        raise InvalidInputError(f"rng must be a numpy.random.Generator, got {rng!r}")
    return check_int(n, "n", 0)


def _check_bounds(bounds) -> np.ndarray:
    """``(d x 2)`` finite float bounds with ``low <= high`` and a finite width ``high - low``."""
    b = as_real_array(bounds, "bounds")
    if b.ndim != 2 or b.shape[1] != 2 or b.shape[0] == 0:
        raise InvalidInputError(f"bounds must be d >= 1 pairs (low, high), got shape {b.shape}")
    if not np.all(np.isfinite(b)) or np.any(b[:, 0] > b[:, 1]):
        raise InvalidInputError(f"bounds must be finite with low <= high, got {b.tolist()}")
    with np.errstate(over="ignore"):
        wide = np.flatnonzero(~np.isfinite(b[:, 1] - b[:, 0]))
    if len(wide):
        j = wide[0]
        raise InvalidInputError(f"bounds of dimension {j} are {b[j].tolist()}: the width high - low overflows float64 "
                                f"(every point would be infinite); rescale the dimension")
    return b


def _check_labels(b: np.ndarray, kinds, names, choices) -> tuple[tuple, tuple, tuple]:
    """Validated ``kinds``, ``names`` and ``choices`` for bounds ``b`` (``d x 2``), defaults filled in."""
    d = b.shape[0]
    for label, value in (("kinds", kinds), ("names", names), ("choices", choices)):
        if isinstance(value, (str, bytes)):
            raise InvalidInputError(f"{label} must be a sequence of {d} entries, not the string {value!r}")
    kinds = tuple(kinds) if kinds is not None else ("continuous",) * d
    if len(kinds) != d or any(not isinstance(k, str) or k not in KINDS for k in kinds):
        raise InvalidInputError(f"kinds must be {d} values from {KINDS}, got {kinds}")
    names = tuple(names) if names is not None else tuple(f"x{i}" for i in range(d))
    if len(names) != d or len(set(names)) != d or not all(isinstance(n, str) and n for n in names):
        raise InvalidInputError(f"names must be {d} distinct non-empty strings, got {names}")
    choices = tuple(choices) if choices is not None else (None,) * d
    if len(choices) != d:
        raise InvalidInputError(f"choices must have {d} entries, got {len(choices)}")
    for i, kind in enumerate(kinds):
        if kind == "continuous":
            if choices[i] is not None:
                raise InvalidInputError(f"dimension {names[i]!r} is continuous: its choices must be None, "
                                        f"got {choices[i]!r}")
            continue
        if (b[i] != np.round(b[i])).any() or (np.abs(b[i]) > MAX_EXACT_INTEGER).any():
            raise InvalidInputError(f"dimension {names[i]!r} is {kind}: its bounds must be integers within "
                                    f"+-2**53 (float64 skips integers beyond), got {b[i].tolist()}")
        if kind == "categorical":
            _check_choices(b[i], names[i], choices[i])
        elif choices[i] is not None:
            raise InvalidInputError(f"dimension {names[i]!r} is an integer: its choices must be None, got {choices[i]!r}")
    return kinds, names, choices


def _check_choices(b: np.ndarray, name: str, choices) -> None:
    if b[0] != 0:
        raise InvalidInputError(f"categorical dimension {name!r} must have bounds (0, k-1), got {b.tolist()}")
    if choices is None:
        return
    if isinstance(choices, (str, bytes)) or not hasattr(choices, "__len__"):
        raise InvalidInputError(f"categorical dimension {name!r}: choices must be a sequence of labels, got {choices!r}")
    if len(choices) != b[1] + 1:
        raise InvalidInputError(f"categorical dimension {name!r} has {len(choices)} choices but bounds {b.tolist()}")
