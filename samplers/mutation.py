"""Mutation operators shared by the evolutionary samplers (:mod:`samplers.evolution`,
:mod:`samplers.local`): one-dimension mutation, Hamming neighbourhoods, tournaments and
non-dominated layers.

A *one-dimension mutation* redraws one dimension, chosen uniformly among those that can change: a
categorical or integer dimension takes another of its values, uniformly (for a NAS-Bench-201
cell: another operation on one edge); a continuous one moves by a Gaussian step of ``sigma``
times its range, reflected into the bounds. *Value ratios* say which values of each discrete
dimension the good points favour, so that mutants towards them can be preferred.
"""
from __future__ import annotations

import itertools

import numpy as np

from lamoo.constraints import constraint_rank
from lamoo.pareto import dominance_number, non_dominated_mask


def mutate_one(x: np.ndarray, space, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """A copy of the point ``x`` (``d,``) of ``space`` with one dimension redrawn (see the module
    docstring); ``x`` itself when no dimension can change."""
    child = np.array(x, dtype=float)
    mutable = np.flatnonzero(space.upper > space.lower)
    if len(mutable) == 0:
        return child
    j = int(mutable[rng.integers(len(mutable))])
    lo, hi = space.lower[j], space.upper[j]
    if space.discrete_mask[j]:
        others = np.arange(lo, hi + 1)
        others = others[others != x[j]]
        child[j] = others[rng.integers(len(others))]
    else:
        step = rng.normal(0.0, sigma * (hi - lo))
        value = x[j] + step
        width = hi - lo  # reflect into [lo, hi]
        value = lo + np.abs(np.mod(value - lo + width, 2 * width) - width)
        child[j] = min(max(value, lo), hi)
    return child


def neighbourhood_size(space, distance: int) -> int:
    """How many points differ from a point of ``space`` (all dimensions discrete) in exactly
    ``distance`` dimensions."""
    alternatives = (space.upper - space.lower).astype(np.int64)
    return int(sum(np.prod(alternatives[list(dims)]) for dims in itertools.combinations(range(space.n_dims), distance)))


def hamming_neighbours(x: np.ndarray, space, distance: int) -> np.ndarray:
    """``(k x d)`` every point of the grid of ``space`` (all dimensions discrete) that differs from
    ``x`` (``d,``) in exactly ``distance`` dimensions, in a fixed order (candidates of a sparse
    finite space are not checked here)."""
    out = []
    for dims in itertools.combinations(range(space.n_dims), distance):
        alternatives = [np.setdiff1d(np.arange(space.lower[j], space.upper[j] + 1), [x[j]]) for j in dims]
        for values in itertools.product(*alternatives):
            y = np.array(x, dtype=float)
            y[list(dims)] = values
            out.append(y)
    return np.array(out) if out else np.empty((0, len(x)))


def tournament_winner(F: np.ndarray, size: int, rng: np.random.Generator, violation: np.ndarray | None = None) -> int:
    """Row of ``F`` (``k x m``, minimized) that wins one tournament: ``size`` distinct rows are
    drawn, and the winner is one that no other drawn row dominates (ties broken by ``rng``); with
    ``violation`` (``k,``, outcome constraints), one that no other drawn row constraint-dominates."""
    sample = rng.choice(len(F), size=min(size, len(F)), replace=False)
    dominated_by = constraint_rank(F[sample], None if violation is None else violation[sample], dominance_number)
    best = sample[dominated_by == dominated_by.min()]
    return int(best[rng.integers(len(best))]) if len(best) > 1 else int(best[0])


def front_layers(F: np.ndarray):
    """Yield the non-dominated layers of ``F`` (``k x m``, minimized, no NaN) as arrays of row
    indices: the front first, then the front of the rest, and so on (computed as they are
    asked for)."""
    left = np.arange(len(F))
    while len(left):
        mask = non_dominated_mask(F[left])
        yield left[mask]
        left = left[~mask]


def value_ratios(X: np.ndarray, good: np.ndarray, space) -> list[np.ndarray]:
    """Per dimension ``j`` of ``space`` (all dimensions discrete), ``(k_j,)`` how much more often
    each of its ``k_j`` values occurs among the ``good`` rows of ``X`` (``n x d``; ``good``: ``(n,)``
    bool) than among the others: the ratio of the two frequencies, each smoothed by one count per
    value (TPE's ``l(x) / g(x)``, one dimension at a time)."""
    out = []
    for j in range(space.n_dims):
        k = int(space.upper[j] - space.lower[j] + 1)
        values = np.rint(X[:, j] - space.lower[j]).astype(np.int64)
        in_good = (np.bincount(values[good], minlength=k) + 1) / (good.sum() + k)
        in_rest = (np.bincount(values[~good], minlength=k) + 1) / ((~good).sum() + k)
        out.append(in_good / in_rest)
    return out


def change_weights(children: np.ndarray, parents: np.ndarray, ratios: list[np.ndarray], space) -> np.ndarray:
    """``(k,)`` for each row of ``children`` (``k x d``), mutants of the matching rows of
    ``parents``: the product over its changed dimensions of the new value's ratio (from
    :func:`value_ratios`) over the old value's."""
    weights = np.ones(len(children))
    for j, ratio in enumerate(ratios):
        changed = children[:, j] != parents[:, j]
        new = np.rint(children[changed, j] - space.lower[j]).astype(np.int64)
        old = np.rint(parents[changed, j] - space.lower[j]).astype(np.int64)
        weights[changed] *= ratio[new] / ratio[old]
    return weights
