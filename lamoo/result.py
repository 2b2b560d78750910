"""The result of a run: every evaluated point in order, in raw units, with hypervolume tools."""
from __future__ import annotations

from functools import cached_property
from typing import Sequence

import numpy as np

from lamoo.pareto import hypervolume, hypervolume_trace, non_dominated_mask
from lamoo.task import ObjectiveSpec, check_ref_point, to_minimization


class Result:
    """Everything evaluated in a run.

    Attributes:
        X: ``(n x d)`` evaluated points, in evaluation order.
        Y: ``(n x m)`` raw objective values (each objective's own units and direction; NaN rows
            are failed evaluations).
        objectives: the objectives' names and directions.
        ref_point: ``(m,)`` the run's reference point, raw units.
        errors: error message per row (``None`` for successes).
        leaf_ids: ``(n,)`` LaMOO leaf each point was proposed from (-1: none).
        sources: ``"init"``, ``"sampler"``, ``"fill"`` or ``"user"`` per row.
        batches: ``(n,)`` the ask each point came from.
        names: the search space's dimension names.
        choices: per dimension, the labels of a categorical dimension's codes (else ``None``).
        max_hypervolume: the task's known optimum, if any.
        timings: per-batch ``ask_seconds`` (optimizer) and ``eval_seconds`` (evaluation).
    """

    def __init__(self, X: np.ndarray, Y: np.ndarray, objectives: Sequence[ObjectiveSpec], ref_point,
                 *, errors=None, leaf_ids=None, sources=None, batches=None, names=None, choices=None,
                 max_hypervolume: float | None = None, seed: int | None = None, config: dict | None = None,
                 timings: list[dict] | None = None):
        self.X = np.asarray(X, dtype=float)
        self.Y = np.asarray(Y, dtype=float)
        n = len(self.X)
        self.objectives = tuple(objectives)
        self.ref_point = check_ref_point(ref_point, self.objectives)
        self.errors = list(errors) if errors is not None else [None] * n
        self.leaf_ids = np.asarray(leaf_ids if leaf_ids is not None else [-1] * n, dtype=np.int64)
        self.sources = list(sources) if sources is not None else ["user"] * n
        self.batches = np.asarray(batches if batches is not None else np.zeros(n), dtype=np.int64)
        self.names = tuple(names) if names is not None else tuple(f"x{i}" for i in range(self.X.shape[1]))
        self.choices = tuple(choices) if choices is not None else (None,) * len(self.names)
        self.max_hypervolume = max_hypervolume
        self.seed = seed
        self.config = config or {}
        self.timings = timings or []

    @classmethod
    def from_archive(cls, archive, **kwargs) -> "Result":
        return cls(archive.X.copy(), archive.Y.copy(), archive.objectives, archive.ref_point,
                   errors=list(archive.errors), leaf_ids=archive.leaf_ids.copy(), sources=list(archive.sources),
                   batches=archive.batches.copy(), names=archive.space.names,
                   choices=archive.space.choices, **kwargs)

    @classmethod
    def from_journal(cls, path) -> "Result":
        """Read a run back from its journal alone (no task needed)."""
        from lamoo.journal import read_journal

        header, records = read_journal(path)
        objectives = [ObjectiveSpec(o["name"], o["direction"]) for o in header["objectives"]]
        m, d = len(objectives), len(header["space"]["names"])
        X = np.array([r["x"] for r in records], dtype=float).reshape(-1, d)
        Y = np.array([[np.nan if v is None else v for v in (r["y"] or [None] * m)] for r in records],
                     dtype=float).reshape(-1, m)
        return cls(X, Y, objectives, header["ref_point"], errors=[r.get("error") for r in records],
                   leaf_ids=[r.get("leaf_id", -1) for r in records], sources=[r.get("source", "user") for r in records],
                   batches=[r.get("batch", -1) for r in records], names=header["space"]["names"],
                   choices=header["space"].get("choices"),
                   max_hypervolume=header.get("max_hypervolume"), seed=header.get("seed"), config=header,
                   timings=_timings_from_records(records))

    def __len__(self) -> int:
        return len(self.X)

    @property
    def failed(self) -> np.ndarray:
        """``(n,)`` bool: rows whose evaluation failed."""
        return np.isnan(self.Y).any(axis=1)

    @property
    def F(self) -> np.ndarray:
        """``(n x m)`` canonical (minimization) values."""
        return to_minimization(self.Y, self.objectives)

    def _ref_F(self, ref_point=None) -> np.ndarray:
        ref = self.ref_point if ref_point is None else check_ref_point(ref_point, self.objectives)
        return to_minimization(ref, self.objectives)

    def hypervolume(self, ref_point=None) -> float:
        """Hypervolume of the non-dominated evaluated points w.r.t. ``ref_point`` (raw units;
        default: the run's)."""
        return hypervolume(self.F, self._ref_F(ref_point))

    @cached_property
    def hypervolume_trace(self) -> np.ndarray:
        """``(n,)`` hypervolume after each evaluation, w.r.t. the run's reference point."""
        return hypervolume_trace(self.F, self._ref_F())

    def pareto_mask(self) -> np.ndarray:
        """``(n,)`` bool: the non-dominated successful evaluations."""
        return non_dominated_mask(self.F)

    def to_frame(self, labels: bool = True):
        """All evaluations as a pandas DataFrame: one column per dimension (categorical ones as
        their labels unless ``labels`` is False) and objective, then ``failed``, ``error``,
        ``source``, ``batch``, ``leaf_id``, ``pareto``."""
        import pandas as pd

        df = pd.DataFrame(self.X, columns=list(self.names))
        for name, options in zip(self.names, self.choices):
            if labels and options is not None:
                df[name] = [options[int(code)] for code in df[name]]
        for j, o in enumerate(self.objectives):
            df[o.name] = self.Y[:, j]
        df["failed"] = self.failed
        df["error"] = self.errors
        df["source"] = self.sources
        df["batch"] = self.batches
        df["leaf_id"] = self.leaf_ids
        df["pareto"] = self.pareto_mask()
        df.index.name = "evaluation"
        return df

    def pareto_front(self):
        """The non-dominated points as a pandas DataFrame (dimension and objective columns, raw
        units, indexed by evaluation number, sorted by the first objective)."""
        df = self.to_frame()
        cols = list(self.names) + [o.name for o in self.objectives]
        return df.loc[df["pareto"], cols].sort_values(self.objectives[0].name)

    def summary(self) -> dict:
        """Headline numbers: evaluations, failures, Pareto size, hypervolume (and its ratio to
        the known maximum), optimizer and evaluation seconds."""
        hv = self.hypervolume()
        out = {"evaluations": len(self), "failed": int(self.failed.sum()),
               "pareto_points": int(self.pareto_mask().sum()), "hypervolume": hv}
        if self.max_hypervolume:
            out["max_hypervolume"] = self.max_hypervolume
            out["hv_ratio"] = hv / self.max_hypervolume
        if self.timings:
            out["optimizer_seconds"] = float(sum(t["ask_seconds"] or 0 for t in self.timings))
            out["evaluation_seconds"] = float(sum(t["eval_seconds"] or 0 for t in self.timings))
        return out

    def __repr__(self) -> str:
        return f"Result(n={len(self)}, failed={int(self.failed.sum())}, hypervolume={self.hypervolume():.6g})"


def _timings_from_records(records: list[dict]) -> list[dict]:
    seen: dict[int, dict] = {}
    for r in records:
        b = r.get("batch", -1)
        if b >= 0 and b not in seen:
            seen[b] = {"batch": b, "ask_seconds": r.get("ask_seconds"), "eval_seconds": r.get("eval_seconds")}
    return list(seen.values())
