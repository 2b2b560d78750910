"""Adaptive mixing of regional and whole-space proposals (``RegionPolicy(mixing="yield")``).

LaMOO's region speeds a sampler up early and can starve it late: on nb201-c10-params-raspi4
LaMOO(NSGA-II) is ahead of NSGA-II for its first 100 samples and behind from 150 on (30 seeds).
With ``mixing="yield"`` the share of each batch proposed in the whole given region follows what
each part of the recent batches achieved: a point *succeeds* when it meets the constraints (if
any) and no feasible point of an earlier batch weakly dominates it (it entered the front when it
was told); failed evaluations are not counted. Over the last ``window`` batches
that mixed, the success rates of whole-space and regional points, each with a uniform prior
(``(successes + 1) / (points + 2)``), give the whole-space share ``r_global / (r_global +
r_regional)``, clipped to ``[low, high]`` so that neither part stops being measured.

The whole-space points of a batch are found by their coordinates (LaMOO records them in the
batch's report as ``global_X``), so the attribution holds however the evaluations come back.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lamoo.archive import Archive

REPORT_KEY = "global_X"


def global_share(archive: Archive, window: int, low: float, high: float) -> float:
    """The whole-space share of the next batch, in ``[low, high]`` (see the module docstring);
    the midpoint of the prior, 0.5 clipped, before any mixed batch was told."""
    succeeded = np.zeros(2)  # [regional, whole-space]
    told = np.zeros(2)
    batches = archive.batches
    valid, feasible = ~archive.failed, archive.feasible
    F = archive.F
    for batch, report in _mixed_reports(archive)[-window:]:
        rows = np.flatnonzero((batches == batch) & valid)
        if len(rows) == 0:
            continue
        earlier = F[(batches < batch) & feasible]
        dominated = (earlier[None, :, :] <= F[rows][:, None, :]).all(axis=2).any(axis=1)
        succeeded_rows = feasible[rows] & ~dominated
        is_global = _rows_in(archive.X[rows], np.asarray(report[REPORT_KEY], dtype=float))
        for part in (0, 1):
            mine = is_global == bool(part)
            told[part] += mine.sum()
            succeeded[part] += succeeded_rows[mine].sum()
    rate = (succeeded + 1) / (told + 2)
    return float(np.clip(rate[1] / rate.sum(), low, high))


def _mixed_reports(archive: Archive) -> list[tuple[int, Mapping]]:
    """``[(batch, LaMOO report)]`` of the batches whose report lists their whole-space points."""
    return [(b, r) for b, r in archive.proposal_reports() if isinstance(r, Mapping) and REPORT_KEY in r]


def _rows_in(X: np.ndarray, G: np.ndarray) -> np.ndarray:
    """``(k,)`` bool: the rows of ``X`` (``k x d``) that are rows of ``G`` (``g x d``), matched
    exactly as the archive matches points (-0.0 equals 0.0)."""
    keys = {row.tobytes() for row in G.reshape(-1, X.shape[1]) + 0.0}
    return np.array([row.tobytes() in keys for row in X + 0.0], dtype=bool)
