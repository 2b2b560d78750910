"""BoTorch's exact box decomposition of the non-dominated space, its loops run in NumPy.

qLogNEHVI decomposes the space that the baseline's front leaves free once per Monte-Carlo sample
(128 by default) when it is built and again after each pending point of a batch. With three or more
objectives BoTorch does each decomposition alone (``FastNondominatedPartitioning``: Lacour et al.
2017's incremental algorithm, applied twice as in Yang et al. 2019), one small tensor operation per
front point and local upper bound; on VehicleSafety that was half of a greedy batch's time
(``benchmarks/results/measurements/box_decomposition.txt``).

:class:`NumpyNondominatedPartitioning` is that class with the same two passes of the same
algorithm written over NumPy arrays, whose per-call cost is a fraction of a small tensor
operation's: the cells are the ones BoTorch computes, in the same order, bit for bit (the tests
compare them), and everything else (the front, ``update``, the hypervolume) is BoTorch's.
``python -m benchmarks.box_decomposition`` measures both side by side.
"""
from __future__ import annotations

import numpy as np
import torch
from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement
from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning


def start_bounds(upper: np.ndarray, ideal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The local upper bounds ``U`` (``1 x m``) and defining points ``Z`` (``1 x m x m``) before
    any point is added (minimization): the one bound ``upper``, defined in objective ``j`` by the
    dummy point that is ``ideal`` (``m,``) but ``upper[j]`` in ``j`` (Lacour et al. 2017, section 2.1)."""
    m = len(upper)
    Z = np.broadcast_to(ideal, (1, m, m)).copy()
    Z[0, np.arange(m), np.arange(m)] = upper
    return upper[None].copy(), Z


def local_upper_bounds(front: np.ndarray, U: np.ndarray, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add the points of ``front`` (``k x m``, minimized) one by one to the local upper bounds
    ``U`` (``n x m``) and their defining points ``Z`` (``n x m x m``; ``Z[u, j]`` is the point
    bounding ``U[u]`` in objective ``j``): Lacour et al. 2017, Algorithm 1, as BoTorch's
    ``compute_local_upper_bounds`` (same bounds, same order). Returns the new ``(U, Z)``."""
    m = U.shape[1]
    others = [np.array([k for k in range(m) if k != j]) for j in range(m)]
    for z in front:
        inside = (U > z).all(axis=1)  # the search zones that contain z
        if not inside.any():
            continue
        A, A_Z = U[inside], Z[inside]
        new_U, new_Z = [U[~inside]], [Z[~inside]]
        for j in range(m):
            keep = z[j] >= A_Z[:, others[j], j].max(axis=1)
            if keep.any():
                u = A[keep].copy()
                u[:, j] = z[j]
                defining = A_Z[keep].copy()
                defining[:, j] = z
                new_U.append(u)
                new_Z.append(defining)
        U, Z = np.concatenate(new_U), np.concatenate(new_Z)
    return U, Z


def cell_bounds(U: np.ndarray, Z: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """The ``2 x c x m`` lower and upper corners of the cells that the local upper bounds ``U``
    (``n x m``) with defining points ``Z`` span above the ideal point (Lacour et al. 2017,
    equation 2, as BoTorch's ``get_partition_bounds``); ``ref`` (``m,``) bounds objective 0 from
    above. Empty cells are left out."""
    m = U.shape[1]
    lower = np.empty_like(U)
    lower[:, 0] = Z[:, 0, 0]
    for j in range(1, m):
        lower[:, j] = Z[:, :j, j].max(axis=1)
    upper = U.copy()
    upper[:, 0] = ref[0]
    bounds = np.stack([lower, upper])
    return bounds[:, ~(upper <= lower).any(axis=1)]


class NumpyNondominatedPartitioning(FastNondominatedPartitioning):
    """BoTorch's ``FastNondominatedPartitioning`` (maximization; ``ref_point`` ``(m,)``, ``Y``
    ``n x m``) with the decomposition's loops in NumPy, for three or more objectives without batch
    dimensions (the case where BoTorch decomposes one front at a time); two objectives keep
    BoTorch's vectorized path (BoTorch refuses batched fronts of three or more before this)."""

    def _partition_space(self) -> None:
        neg_ref = self._neg_ref_point.detach().cpu().numpy()
        U, Z = start_bounds(neg_ref, np.full_like(neg_ref, -np.inf))
        U, Z = local_upper_bounds(self._neg_pareto_Y.detach().cpu().numpy(), U, Z)
        self.register_buffer("_U", torch.from_numpy(U).to(self._neg_ref_point))  # as BoTorch's
        self._Z = torch.from_numpy(Z).to(self._neg_ref_point)
        self._get_partitioning()

    def _get_partitioning(self) -> None:
        # As BoTorch: -U are the local lower bounds of the maximization problem; taken as the front
        # of a minimization problem whose reference point is +inf, the cells of the space they
        # dominate are the cells of the space the front does not.
        ref = self.ref_point.detach().cpu().numpy()
        inf = np.full_like(ref, np.inf)
        U2, Z2 = local_upper_bounds(-self._U.detach().cpu().numpy(), *start_bounds(inf, ref))
        bounds = cell_bounds(U2, Z2, inf)
        self.hypercell_bounds = torch.from_numpy(bounds).to(self.ref_point)


class QLogNEHVI(qLogNoisyExpectedHypervolumeImprovement):
    """BoTorch's qLogNEHVI whose exact box decompositions (``alpha == 0``) are
    :class:`NumpyNondominatedPartitioning`: the same acquisition, in less time with three or more
    objectives."""

    @property
    def p_class(self):
        return self._p_class

    @p_class.setter
    def p_class(self, cls) -> None:
        # BoTorch's __init__ picks the class (and then decomposes at once): the exact one is swapped
        self._p_class = NumpyNondominatedPartitioning if cls is FastNondominatedPartitioning else cls
