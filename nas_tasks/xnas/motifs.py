"""Motif discovery on a Pareto front and operator statistics (XNAS Appendix G, Fig. 4).

A *motif* is a sub-encoding: ``s`` of a cell's 6 edges (``1 <= s <= 5``) with their operations,
e.g. ``{1<-0: nor_conv_3x3, 3<-2: skip_connect}``. A cell contains it when it has those operations
on those edges. Steps, as this module implements Appendix G:

1. order the front by its first objective (rank 0: the lowest value; for an (accuracy,
   introspectability) front, from the most introspectable to the most accurate cell);
2. enumerate every motif of size 1..5 that occurs in a front cell;
3. its indicator over the front cells (1: the cell contains it);
4. its Spearman correlation with the rank (the sign says toward which end it gathers);
5. its support: how many front cells contain it;
6. keep motifs with support >= 3 and |correlation| >= 0.2;
7. keep the Pareto-optimal ones in (|correlation|, support, size): correlation and support
   maximized, size minimized, so a larger motif is kept only when it correlates more strongly or
   is more common than its parts (with size maximized, padding a motif with edges every front cell
   shares would always win). The paper names the three criteria; the directions are this
   module's reading.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np

from lamoo.exceptions import InvalidInputError

MIN_SUPPORT = 3
MIN_CORRELATION = 0.2
CONV_OPS = ("nor_conv_1x1", "nor_conv_3x3")
POOL_OPS = ("avg_pool_3x3",)


def _motif_name(edges, ops) -> str:
    from nas_tasks.nb201.encoding import EDGE_NAMES, OPS

    return " & ".join(f"{EDGE_NAMES[e]}:{OPS[o]}" for e, o in zip(edges, ops))


def enumerate_motifs(X: np.ndarray, max_size: int = 5) -> dict[tuple, np.ndarray]:
    """Every motif of size ``1..max_size`` occurring in ``(n x 6)`` cells ``X``, as
    ``{((edges), (ops)): (n,) bool indicator}``."""
    C = np.rint(np.asarray(X, float)).astype(int)
    found: dict[tuple, np.ndarray] = {}
    for size in range(1, max_size + 1):
        for edges in combinations(range(C.shape[1]), size):
            sub = C[:, edges]
            for ops in {tuple(r) for r in sub.tolist()}:
                found[(edges, ops)] = (sub == np.asarray(ops)).all(1)
    return found


def discover_motifs(front_X: np.ndarray, front_key: np.ndarray, max_size: int = 5, min_support: int = MIN_SUPPORT,
                    min_correlation: float = MIN_CORRELATION):
    """Appendix G steps 1-7 on a front of ``(n x 6)`` cells ``front_X`` ordered by ``(n,)``
    ``front_key`` (its first objective's raw values).

    Returns a DataFrame, one row per motif that passes steps 5-6, with columns ``motif``,
    ``size``, ``support``, ``spearman`` (signed), ``abs_spearman`` and ``pareto`` (step 7),
    sorted by ``pareto`` then ``abs_spearman`` (descending)."""
    import pandas as pd
    from scipy.stats import spearmanr

    X = np.asarray(front_X, float)
    key = np.asarray(front_key, float)
    if X.ndim != 2 or len(X) != len(key):
        raise InvalidInputError(f"front_X must be n x 6 and front_key (n,), got shapes {X.shape} and {key.shape}")
    rank = np.argsort(np.argsort(key, kind="stable"), kind="stable")
    rows = []
    for (edges, ops), ind in enumerate_motifs(X, max_size).items():
        support = int(ind.sum())
        if support < min_support or support == len(X):  # a motif in every cell has no correlation
            continue
        rho = float(spearmanr(ind.astype(float), rank)[0])
        if abs(rho) >= min_correlation:
            rows.append({"motif": _motif_name(edges, ops), "size": len(edges), "support": support, "spearman": rho,
                         "abs_spearman": abs(rho)})
    table = pd.DataFrame(rows, columns=["motif", "size", "support", "spearman", "abs_spearman"])
    V = table[["abs_spearman", "support", "size"]].to_numpy(float) * np.array([1.0, 1.0, -1.0])
    table["pareto"] = _pareto_rows(V)
    return table.sort_values(["pareto", "abs_spearman"], ascending=False, ignore_index=True)


def _pareto_rows(V: np.ndarray) -> np.ndarray:
    """``(n,)`` bool: rows of ``V`` (``n x 3``, all maximized) that no other row dominates."""
    from lamoo.pareto import non_dominated_mask

    return non_dominated_mask(-V) if len(V) else np.zeros(0, dtype=bool)


def op_frequencies(X: np.ndarray):
    """A DataFrame of operation counts per edge (rows: edges, columns: operations) over the
    ``(n x 6)`` cells ``X``."""
    import pandas as pd
    from nas_tasks.nb201.encoding import EDGE_NAMES, OPS

    C = np.rint(np.asarray(X, float)).astype(int).reshape(-1, len(EDGE_NAMES))
    counts = np.stack([np.bincount(C[:, e], minlength=len(OPS)) for e in range(C.shape[1])])
    return pd.DataFrame(counts, index=list(EDGE_NAMES), columns=list(OPS))


def op_counts(X: np.ndarray) -> dict[str, np.ndarray]:
    """``{"conv": (n,), "pool": (n,)}``: how many edges of each ``(n x 6)`` cell are
    convolutions and average poolings (the colours of Fig. 4)."""
    from nas_tasks.nb201.encoding import OPS

    C = np.rint(np.asarray(X, float)).astype(int)
    conv = np.isin(C, [OPS.index(o) for o in CONV_OPS]).sum(1)
    pool = np.isin(C, [OPS.index(o) for o in POOL_OPS]).sum(1)
    return {"conv": conv, "pool": pool}
