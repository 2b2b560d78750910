"""The result of a run: every evaluated point in order, in raw units, with hypervolume tools."""
from __future__ import annotations

import copy
from functools import cached_property
from typing import Sequence

import numpy as np

from lamoo.pareto import hypervolume, hypervolume_trace, non_dominated_mask
from lamoo.task import ObjectiveSpec, check_ref_point, to_minimization


def _frozen(a, dtype) -> np.ndarray:
    a = np.array(a, dtype=dtype)
    a.flags.writeable = False
    return a


class Result:
    """A frozen snapshot of a run: everything evaluated, in order.

    Its arrays are read-only, its lists are handed out as copies and its attributes cannot be
    set, so a result keeps describing the run it was taken from (a :class:`~lamoo.Study` goes on
    after :meth:`~lamoo.Study.result`; its result does not).

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
        seed: the run's seed.
        config: the run's description (the journal header).
        timings: per-batch ``ask_seconds`` (optimizer) and ``eval_seconds`` (evaluation).
    """

    def __init__(self, X: np.ndarray, Y: np.ndarray, objectives: Sequence[ObjectiveSpec], ref_point,
                 *, errors=None, leaf_ids=None, sources=None, batches=None, names=None, choices=None,
                 max_hypervolume: float | None = None, seed: int | None = None, config: dict | None = None,
                 timings: list[dict] | None = None):
        init = object.__setattr__
        X = _frozen(X, float)
        n = len(X)
        init(self, "X", X)
        init(self, "Y", _frozen(Y, float))
        init(self, "objectives", tuple(objectives))
        init(self, "ref_point", _frozen(check_ref_point(ref_point, self.objectives), float))
        init(self, "_errors", tuple(errors) if errors is not None else (None,) * n)
        init(self, "leaf_ids", _frozen(leaf_ids if leaf_ids is not None else [-1] * n, np.int64))
        init(self, "_sources", tuple(sources) if sources is not None else ("user",) * n)
        init(self, "batches", _frozen(batches if batches is not None else np.zeros(n), np.int64))
        init(self, "names", tuple(names) if names is not None else tuple(f"x{i}" for i in range(X.shape[1])))
        init(self, "choices", tuple(choices) if choices is not None else (None,) * len(self.names))
        init(self, "max_hypervolume", max_hypervolume)
        init(self, "seed", seed)
        init(self, "_config", copy.deepcopy(config or {}))
        init(self, "_timings", copy.deepcopy(list(timings or [])))

    def __setattr__(self, name, value):
        raise AttributeError(f"a Result is a frozen snapshot: {name!r} cannot be set")

    def __delattr__(self, name):
        raise AttributeError(f"a Result is a frozen snapshot: {name!r} cannot be deleted")

    @property
    def errors(self) -> list[str | None]:
        return list(self._errors)

    @property
    def sources(self) -> list[str]:
        return list(self._sources)

    @property
    def config(self) -> dict:
        return copy.deepcopy(self._config)

    @property
    def timings(self) -> list[dict]:
        return copy.deepcopy(self._timings)

    @classmethod
    def from_archive(cls, archive, **kwargs) -> "Result":
        """A snapshot of ``archive`` (``kwargs``: ``max_hypervolume``, ``seed``, ``config``, ``timings``)."""
        return cls(archive.X, archive.Y, archive.objectives, archive.ref_point,
                   errors=archive.errors, leaf_ids=archive.leaf_ids, sources=archive.sources,
                   batches=archive.batches, names=archive.space.names, choices=archive.space.choices, **kwargs)

    @classmethod
    def from_journal(cls, path) -> "Result":
        """Read a run back from its journal alone (no task needed), without locking or changing
        the file: a run in progress can be read while it is written. A damaged journal raises
        :class:`~lamoo.exceptions.JournalError` naming the line and what is wrong with it."""
        from lamoo.journal import read_run

        return cls.from_run_log(read_run(path))

    @classmethod
    def from_run_log(cls, log) -> "Result":
        """The run a :class:`lamoo.runlog.RunLog` (a journal read back) describes."""
        from lamoo.records import header_objectives

        header = log.header
        ev = log.evaluations()
        return cls(ev.X, ev.Y, header_objectives(header), header["ref_point"], errors=ev.errors,
                   leaf_ids=ev.leaf_ids, sources=ev.sources, batches=ev.batches, names=header["space"]["names"],
                   choices=header["space"].get("choices"), max_hypervolume=header.get("max_hypervolume"),
                   seed=header.get("seed"), config=log.config(), timings=log.timings())

    def __len__(self) -> int:
        return len(self.X)

    @property
    def failed(self) -> np.ndarray:
        """``(n,)`` bool: rows whose evaluation failed."""
        return np.isnan(self.Y).any(axis=1)

    @property
    def F(self) -> np.ndarray:
        """``(n x m)`` canonical (minimization) values."""
        return _frozen(to_minimization(self.Y, self.objectives), float)

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
        return _frozen(hypervolume_trace(self.F, self._ref_F()), float)

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

