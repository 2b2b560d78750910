"""The candidates a user compares: evaluated points with their metrics, units and Pareto ranks.

A :class:`CandidatePool` comes from a run (its journal or :class:`lamoo.Result`: failed evaluations
are left out, a candidate's id is its evaluation number), from a task (drawn from a table task's
cells, or new points of any task's space, evaluated now) or from arrays. Ids are stable: a run's
journal is append-only, so judgments recorded against a run stay valid while the run grows.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from lamoo.exceptions import InvalidInputError
from lamoo.task import ObjectiveSpec, to_minimization
from nas_tasks.objectives.specs import tokens

NB201_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")


class UnknownCandidateError(InvalidInputError):
    """A judgment or request names a candidate id that the pool does not hold."""


def unit_of(name: str) -> str:
    """The display unit of a metric, from its name: ``%`` for accuracies, ``ms`` for latencies in
    milliseconds, ``M`` for parameter counts (lamoo's ``params`` are millions), ``MFLOPs`` for
    ``flops``; ``""`` when the name does not tell."""
    toks = tokens(name)
    if any(t in ("acc", "accuracy", "top1", "top5") for t in toks):
        return "%"
    if any(t.startswith("latency") for t in toks):
        return "s" if "s" in toks or "seconds" in toks else "ms"
    if any(t in ("params", "param", "parameters") for t in toks):
        return "M"
    if any(t in ("flops", "flop") for t in toks):
        return "MFLOPs"
    if any(t.startswith("energy") for t in toks):
        return "mJ"
    return ""


def pareto_ranks(F: np.ndarray) -> np.ndarray:
    """``(n,)`` non-dominated sorting rank of each row of ``F`` (``n x m``, minimized): 0 for the
    Pareto front, 1 for the front of the rest, and so on."""
    from lamoo.pareto import non_dominated_mask

    F = np.asarray(F, dtype=float)
    ranks = np.full(len(F), -1, dtype=np.int64)
    left = np.arange(len(F))
    rank = 0
    while len(left):
        front = non_dominated_mask(F[left])
        ranks[left[front]] = rank
        left = left[~front]
        rank += 1
    return ranks


class CandidatePool:
    """Candidates with metrics.

    Args:
        X: ``(n x d)`` the candidates' points (for NAS-Bench-201: cell codes).
        M: ``(n x k)`` their metric values in raw units (no NaN).
        metrics: ``k`` :class:`~lamoo.task.ObjectiveSpec` (name and direction).
        ids: ``n`` distinct int ids (default ``0 .. n-1``).
        units: ``k`` display units (default: :func:`unit_of` each name).
        names: the dimension names of ``X`` (default ``x0 ..``).
        choices: per dimension, the labels of a categorical dimension's codes (else None).
        source: a JSON-serialisable description of where the candidates come from.

    Attributes:
        pareto_rank: ``(n,)`` non-dominated sorting rank (0: on the pool's Pareto front).
    """

    def __init__(self, X, M, metrics: Sequence[ObjectiveSpec], *, ids=None, units=None, names=None, choices=None,
                 source: dict | None = None):
        self.X = np.atleast_2d(np.asarray(X, dtype=float))
        self.M = np.atleast_2d(np.asarray(M, dtype=float))
        self.metrics = tuple(metrics)
        n, k = len(self.X), len(self.metrics)
        if not all(isinstance(m, ObjectiveSpec) for m in self.metrics) or k == 0:
            raise InvalidInputError(f"metrics must be a non-empty sequence of ObjectiveSpec, got {metrics!r}")
        if self.M.shape != (n, k):
            raise InvalidInputError(f"M must have shape ({n} x {k}) (one row per candidate, one column per metric), "
                                    f"got {self.M.shape}")
        if not np.isfinite(self.M).all():
            rows = np.flatnonzero(~np.isfinite(self.M).all(axis=1))
            raise InvalidInputError(f"candidate metrics must be finite; rows {rows[:10].tolist()} are not")
        self.ids = np.arange(n, dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64).ravel()
        if len(self.ids) != n or len(np.unique(self.ids)) != n:
            raise InvalidInputError(f"ids must be {n} distinct integers, got {len(self.ids)} "
                                    f"({len(np.unique(self.ids))} distinct)")
        self.units = tuple(unit_of(m.name) for m in self.metrics) if units is None else tuple(units)
        if len(self.units) != k:
            raise InvalidInputError(f"units must have {k} entries, got {len(self.units)}")
        d = self.X.shape[1]
        self.names = tuple(f"x{j}" for j in range(d)) if names is None else tuple(names)
        self.choices = (None,) * d if choices is None else tuple(None if c is None else tuple(c) for c in choices)
        self.source = source or {"kind": "arrays"}
        self._row = {int(i): r for r, i in enumerate(self.ids)}
        self.pareto_rank = pareto_ranks(self.F)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_result(cls, result, *, source: dict | None = None) -> "CandidatePool":
        """The successful evaluations of a :class:`lamoo.Result` (ids: evaluation numbers)."""
        ok = np.flatnonzero(~result.failed)
        if len(ok) < 2:
            raise InvalidInputError(f"a run needs at least 2 successful evaluations to compare, it has {len(ok)}")
        return cls(result.X[ok], result.Y[ok], result.objectives, ids=ok, names=result.names, choices=result.choices,
                   source=source or {"kind": "result"})

    @classmethod
    def from_journal(cls, path) -> "CandidatePool":
        """The successful evaluations recorded in a run journal (``RUN_DIR/journal.jsonl``)."""
        from lamoo.result import Result

        return cls.from_result(Result.from_journal(path), source={"kind": "journal", "path": str(path)})

    @classmethod
    def from_task(cls, task, n: int, seed=0, *, exclude=None) -> "CandidatePool":
        """``n`` distinct new points of ``task.space`` (drawn from its candidates on a finite
        space, such as a table task's cells), evaluated by ``task.evaluate`` now; failed
        evaluations are dropped. ``exclude`` (``j x d``) are points not to draw. On a finite space
        a candidate's id is its row in ``task.space.candidates`` (a table task's table row)."""
        from lamoo.archive import Archive
        from lamoo.region import Region

        rng = np.random.default_rng(seed)
        archive = Archive(task.space, task.objectives)
        if exclude is not None and len(exclude):
            archive.append(np.asarray(exclude, dtype=float), np.zeros((len(exclude), len(task.objectives))))
        X = Region.whole(archive).sample(int(n), rng)
        Y = np.asarray(task.evaluate(X), dtype=float).reshape(len(X), -1)
        ok = np.isfinite(Y).all(axis=1)
        space = task.space
        describe = getattr(task, "describe", None)
        # on a finite space a candidate's id is its row in the space (a table task: its table row)
        ids = space.candidate_index(X[ok]) if space.is_finite else None
        return cls(X[ok], Y[ok], task.objectives, ids=ids, names=space.names, choices=space.choices,
                   source={"kind": "task", "task": describe() if callable(describe) else repr(task), "n": int(n),
                           "seed": seed if isinstance(seed, int) else None})

    # ------------------------------------------------------------------ queries
    def __len__(self) -> int:
        return len(self.ids)

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics)

    @property
    def F(self) -> np.ndarray:
        """``(n x k)`` canonical (minimized) metric values."""
        return to_minimization(self.M, self.metrics)

    @property
    def is_nb201(self) -> bool:
        """True when the points are NAS-Bench-201 cells (6 categorical dims of the NB201 ops)."""
        return len(self.choices) == 6 and all(c == NB201_OPS for c in self.choices)

    def row(self, candidate_id) -> int:
        """The row of a candidate id; :class:`UnknownCandidateError` if the pool has no such id."""
        try:
            key = int(candidate_id)
            if key != candidate_id:
                raise ValueError
        except (TypeError, ValueError):
            raise UnknownCandidateError(f"a candidate id must be an integer, got {candidate_id!r}") from None
        if key not in self._row:
            raise UnknownCandidateError(f"there is no candidate {key} among the {len(self)} candidates "
                                        f"(ids {int(self.ids.min())} .. {int(self.ids.max())})")
        return self._row[key]

    def rows(self, candidate_ids) -> np.ndarray:
        return np.array([self.row(i) for i in np.atleast_1d(candidate_ids).tolist()], dtype=np.int64)

    def metrics_of(self, candidate_ids) -> np.ndarray:
        """``(n x k)`` raw metrics of the given ids."""
        return self.M[self.rows(candidate_ids)]

    def frame(self):
        """The metrics as a pandas DataFrame indexed by id."""
        import pandas as pd

        return pd.DataFrame(self.M, columns=list(self.metric_names), index=pd.Index(self.ids, name="id"))

    def label(self, candidate_id) -> str:
        """A short text naming the candidate's point: the NB201 arch string, or ``name=value`` pairs."""
        x = self.X[self.row(candidate_id)]
        if self.is_nb201:
            from nas_tasks.nb201.encoding import decode

            return decode(x)
        parts = []
        for name, value, options in zip(self.names, x, self.choices):
            parts.append(f"{name}={options[int(value)] if options is not None else f'{value:.4g}'}")
        return ", ".join(parts)

    def describe(self, candidate_id) -> dict:
        """Everything a comparison view shows about one candidate (JSON-serialisable)."""
        r = self.row(candidate_id)
        out = {"id": int(self.ids[r]), "label": self.label(candidate_id), "x": self.X[r].tolist(),
               "pareto_rank": int(self.pareto_rank[r]),
               "metrics": [{"name": m.name, "direction": m.direction, "unit": u, "value": float(v)}
                           for m, u, v in zip(self.metrics, self.units, self.M[r])]}
        if self.is_nb201:
            out["cell"] = [NB201_OPS[int(c)] for c in self.X[r]]
        return out

    def header(self) -> dict:
        """What a judgments journal records about the pool it was made against."""
        return {"metrics": [{"name": m.name, "direction": m.direction, "unit": u}
                            for m, u in zip(self.metrics, self.units)],
                "n_candidates": len(self), "source": self.source}

    def __repr__(self) -> str:
        return f"CandidatePool({len(self)} candidates, metrics={list(self.metric_names)})"
