"""The result of a run: every evaluated point in order, in raw units, with hypervolume tools."""
from __future__ import annotations

import copy
from functools import cached_property
from typing import Sequence

import numpy as np

from lamoo.exceptions import InvalidInputError
from lamoo.pareto import hypervolume, hypervolume_trace, non_dominated_mask
from lamoo.task import ObjectiveSpec, check_ref_point, check_Y, to_minimization


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
        ref_point: ``(m,)`` the run's reference point, raw units (None for a run whose inferred
            reference point is not inferred yet: see :mod:`lamoo.reference`).
        ref_point_source: ``"task"``, ``"given"`` or ``"inferred"`` (from the initial design).
        front: ``(k x m)`` the task's exact Pareto front, raw units, when it knows one (table
            tasks do), else None: the reference of :meth:`igd`, :meth:`igd_plus` and
            :meth:`epsilon_additive`.
        labels: a pandas DataFrame (``n`` rows) naming each point, from the task's
            ``point_labels`` (e.g. ``arch`` and ``table_index`` on NAS-Bench-201), or None.
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
                 timings: list[dict] | None = None, front=None, labels=None):
        init = object.__setattr__
        X = _frozen(X, float)
        n = len(X)
        init(self, "X", X)
        init(self, "Y", _frozen(Y, float))
        init(self, "objectives", tuple(objectives))
        init(self, "ref_point", None if ref_point is None else _frozen(check_ref_point(ref_point, self.objectives), float))
        if labels is not None and len(labels) != n:
            raise InvalidInputError(f"labels must have {n} rows (one per point), got {len(labels)}")
        init(self, "_labels", None if labels is None else labels.reset_index(drop=True).copy())
        init(self, "front", None if front is None else _frozen(check_Y(front, len(front), len(self.objectives),
                                                                          "front"), float))
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
    def ref_point_source(self) -> str:
        return self._config.get("ref_point_source", "given")

    @property
    def labels(self):
        return None if self._labels is None else self._labels.copy()

    @property
    def reference_evaluations(self) -> int | None:
        """How many first evaluations an inferred reference point comes from (else None)."""
        return self._config.get("ref_point_evaluations")

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
        """A snapshot of ``archive`` (``kwargs``: ``max_hypervolume``, ``seed``, ``config``, ``timings``,
        ``front``, ``labels``)."""
        return cls(archive.X, archive.Y, archive.objectives, archive.ref_point,
                   errors=archive.errors, leaf_ids=archive.leaf_ids, sources=archive.sources,
                   batches=archive.batches, names=archive.space.names, choices=archive.space.choices, **kwargs)

    @classmethod
    def from_journal(cls, path, task=None) -> "Result":
        """Read a run back from its journal alone (no task needed; with ``task``, its points get
        the task's :attr:`labels`), without locking or changing the file: a run in progress can
        be read while it is written. A damaged journal raises
        :class:`~lamoo.exceptions.JournalError` naming the line and what is wrong with it."""
        from lamoo.journal import read_run

        return cls.from_run_log(read_run(path), task)

    @classmethod
    def from_run_log(cls, log, task=None) -> "Result":
        """The run a :class:`lamoo.runlog.RunLog` (a journal read back) describes (``task``: see
        :meth:`from_journal`)."""
        from lamoo.task import point_labels

        from lamoo.records import header_objectives

        from lamoo.reference import max_hypervolume_for

        header = log.header
        ev = log.evaluations()
        objectives, front = header_objectives(header), header.get("exact_front")
        max_hv = header.get("max_hypervolume") if log.ref_point_source != "inferred" else \
            max_hypervolume_for(log.ref_point, "inferred", None, front, objectives)
        return cls(ev.X, ev.Y, objectives, log.ref_point, errors=ev.errors,
                   leaf_ids=ev.leaf_ids, sources=ev.sources, batches=ev.batches, names=header["space"]["names"],
                   choices=header["space"].get("choices"), max_hypervolume=max_hv,
                   seed=header.get("seed"), config=log.config(), timings=log.timings(), front=header.get("exact_front"),
                   labels=None if task is None else point_labels(task, ev.X))

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
        if ref_point is None and self.ref_point is None:
            raise InvalidInputError("this run's reference point is inferred from its initial design, which is not "
                                    "fully evaluated yet: pass ref_point= (raw units) to measure a hypervolume now")
        ref = self.ref_point if ref_point is None else check_ref_point(ref_point, self.objectives)
        return to_minimization(ref, self.objectives)

    def hypervolume(self, ref_point=None) -> float:
        """Hypervolume of the non-dominated evaluated points w.r.t. ``ref_point`` (raw units;
        default: the run's)."""
        return hypervolume(self.F, self._ref_F(ref_point))

    @cached_property
    def hypervolume_trace(self) -> np.ndarray:
        """``(n,)`` hypervolume after each evaluation, w.r.t. the run's reference point (NaN
        while an inferred reference point is not inferred yet)."""
        if self.ref_point is None:
            return _frozen(np.full(len(self), np.nan), float)
        return _frozen(hypervolume_trace(self.F, self._ref_F()), float)

    @property
    def n_init(self) -> int | None:
        """The run's initial design size (None when unknown)."""
        return self._config.get("n_init")

    # ------------------------------------------------------------------ indicators
    def _front_F(self, front) -> np.ndarray:
        if front is None:
            if self.front is None:
                raise InvalidInputError("this run's task knows no exact Pareto front: pass front= (k x m, raw units)")
            front = self.front
        m = len(self.objectives)
        front = check_Y(front, len(np.atleast_2d(front)) if np.ndim(front) else 0, m, f"front (k x {m}, raw units)")
        return to_minimization(front, self.objectives)

    def igd(self, front=None, normalize: bool = True) -> float:
        """Inverted generational distance (lower is better) of the evaluated points' front to
        ``front`` (``k x m`` raw; default: the task's exact front), each objective scaled by the
        front's range when ``normalize``; see :mod:`lamoo.indicators`."""
        from lamoo.indicators import igd

        return igd(self.F, self._front_F(front), normalize)

    def igd_plus(self, front=None, normalize: bool = True) -> float:
        """IGD+ (lower is better) of the evaluated points w.r.t. ``front``; as :meth:`igd`."""
        from lamoo.indicators import igd_plus

        return igd_plus(self.F, self._front_F(front), normalize)

    def epsilon_additive(self, front=None, normalize: bool = True) -> float:
        """Additive epsilon indicator (lower is better) of the evaluated points w.r.t. ``front``;
        as :meth:`igd`."""
        from lamoo.indicators import epsilon_additive

        return epsilon_additive(self.F, self._front_F(front), normalize)

    def indicators(self, front=None, normalize: bool = True) -> dict[str, float]:
        """``{"igd", "igd_plus", "epsilon_additive"}`` w.r.t. ``front`` (default: the task's)."""
        from lamoo.indicators import indicators

        return indicators(self.F, self._front_F(front), normalize)

    def pareto_mask(self) -> np.ndarray:
        """``(n,)`` bool: the non-dominated successful evaluations."""
        return non_dominated_mask(self.F)

    def to_frame(self, labels: bool = True):
        """All evaluations as a pandas DataFrame: the task's point labels (:attr:`labels`, e.g.
        ``arch`` and ``table_index``), one column per dimension (categorical ones as their
        labels unless ``labels`` is False) and objective, then ``failed``, ``error``,
        ``source``, ``batch``, ``leaf_id``, ``pareto``."""
        import pandas as pd

        df = pd.DataFrame(self.X, columns=list(self.names))
        if self._labels is not None:
            df = pd.concat([self._labels.add_prefix("" if not set(self._labels) & set(df) else "task_"), df], axis=1)
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
        """The non-dominated points as a pandas DataFrame (label, dimension and objective
        columns, raw units, indexed by evaluation number, sorted by the first objective)."""
        df = self.to_frame()
        first = [] if self._labels is None else list(df.columns[:self._labels.shape[1]])
        cols = first + list(self.names) + [o.name for o in self.objectives]
        return df.loc[df["pareto"], cols].sort_values(self.objectives[0].name)

    def summary(self) -> dict:
        """Headline numbers: evaluations, failures, Pareto size, the reference point and where it
        comes from, hypervolume (None while an inferred reference point is due; with its ratio to
        the known maximum), IGD, IGD+ and additive epsilon (normalized) when the task knows its
        exact front, optimizer and evaluation seconds."""
        hv = None if self.ref_point is None else self.hypervolume()
        out = {"evaluations": len(self), "failed": int(self.failed.sum()),
               "pareto_points": int(self.pareto_mask().sum()),
               "ref_point": None if self.ref_point is None else self.ref_point.tolist(),
               "ref_point_source": self.ref_point_source, "hypervolume": hv}
        if self.max_hypervolume and hv is not None:
            out["max_hypervolume"] = self.max_hypervolume
            out["hv_ratio"] = hv / self.max_hypervolume
        if self.front is not None:
            out.update(self.indicators())
        if self.timings:
            out["optimizer_seconds"] = float(sum(t["ask_seconds"] or 0 for t in self.timings))
            out["evaluation_seconds"] = float(sum(t["eval_seconds"] or 0 for t in self.timings))
        return out

    def provenance(self) -> dict:
        """What the run is, from its journal header: ``task`` (its description), ``objectives``,
        ``sampler`` (its configuration: name and parameters, as last changed), ``seed``,
        ``n_init``, ``ref_point`` and ``ref_point_source``, ``lamoo_version`` and ``libraries``
        (the versions the run started with), ``created`` and ``launch`` (the ``lamoo optimize``
        options, when it kept them)."""
        c = self._config
        return {"task": c.get("task"), "objectives": [{"name": o.name, "direction": o.direction}
                                                      for o in self.objectives],
                "sampler": c.get("sampler"), "seed": self.seed, "n_init": c.get("n_init"),
                "ref_point": None if self.ref_point is None else self.ref_point.tolist(),
                "ref_point_source": self.ref_point_source, "lamoo_version": c.get("lamoo_version"),
                "libraries": c.get("libraries"), "created": c.get("created"),
                "launch": copy.deepcopy((c.get("run") or {}).get("cli"))}

    def __repr__(self) -> str:
        hv = "not yet inferred reference point" if self.ref_point is None else f"{self.hypervolume():.6g}"
        return f"Result(n={len(self)}, failed={int(self.failed.sum())}, hypervolume={hv})"

