"""The record of one benchmark run, whatever optimizer made it.

Every method's evaluations go through lamoo's :func:`~lamoo.task.evaluate_safely`, batch by
batch; :class:`Recorder` keeps the points, raw values, errors and the split of wall time into
optimizer time (time spent inside the optimizer's own calls) and evaluation time, and turns them
into a :class:`lamoo.result.Result`, so that every method gets the same hypervolume trace.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np

from lamoo.constraints import as_constraints, measure_constraints, relative_slack
from lamoo.result import Result
from lamoo.task import as_task, check_ref_point, evaluate_safely


class Recorder:
    """Evaluate batches for an external optimizer and keep the run's history.

    Use :meth:`optimizer` around the optimizer's own calls (ask, tell) and :meth:`evaluate` for
    each batch; the optimizer time accumulated since the previous batch is charged to the batch.

    Attributes after the run: ``X`` (``n x d``), ``Y`` (``n x m``, raw), ``errors``,
    ``sources`` (``"init"`` / ``"sampler"``), ``batches`` and ``iterations`` (one dict per batch:
    ``batch``, ``size``, ``n_evaluated``, ``optimizer_seconds``, ``evaluation_seconds``),
    ``n_duplicates`` (evaluations of a point already evaluated: they count against the budget)
    and ``n_repaired`` (proposals moved to the nearest valid point of the space). With a task
    that declares outcome constraints, ``C`` (``n x k``) holds the constrained values, and the
    result counts feasible points only, as a :class:`lamoo.Study`'s.
    """

    def __init__(self, task, ref_point=None):
        self.task = task
        self.space = task.space
        self.objectives = tuple(task.objectives)
        self.ref_point = check_ref_point(task.ref_point if ref_point is None else ref_point, self.objectives)
        d, m = self.space.n_dims, len(self.objectives)
        self.X = np.empty((0, d))
        self.Y = np.empty((0, m))
        self.constraints = as_constraints(as_task(task).constraints)
        self.C = np.empty((0, len(self.constraints)))
        self.errors: list[str | None] = []
        self.sources: list[str] = []
        self.batches: list[int] = []
        self.iterations: list[dict] = []
        self.n_duplicates = 0
        self.n_repaired = 0
        self._seen: set[bytes] = set()
        self._pending_optimizer = 0.0
        self.trailing_optimizer_seconds = 0.0

    @property
    def n(self) -> int:
        return len(self.X)

    @contextmanager
    def optimizer(self):
        """Time a block of optimizer work (charged to the next batch)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self._pending_optimizer += time.perf_counter() - start

    def evaluate(self, X, source: str = "sampler") -> tuple[np.ndarray, list[str | None]]:
        """Evaluate ``X`` (``k x d``) with the task; returns raw ``Y`` (``k x m``, NaN rows for
        failures) and per-row errors. Points off the space are repaired to the nearest valid
        point first (counted in ``n_repaired``)."""
        X = np.array(X, dtype=float, ndmin=2)
        repaired = self.space.repair(X)
        self.n_repaired += int((~np.isclose(repaired, X, rtol=0, atol=1e-9)).any(axis=1).sum())
        X = self.space.validate(repaired)
        for row in X:
            key = row.tobytes()
            self.n_duplicates += key in self._seen
            self._seen.add(key)
        start = time.perf_counter()
        Y, errors = evaluate_safely(self.task, X)
        C, Y = measure_constraints(as_task(self.task), self.constraints, X, Y, errors)
        eval_seconds = time.perf_counter() - start
        self.C = np.vstack([self.C, C])
        batch = len(self.iterations)
        self.X = np.vstack([self.X, X])
        self.Y = np.vstack([self.Y, Y])
        self.errors += list(errors)
        self.sources += [source] * len(X)
        self.batches += [batch] * len(X)
        self.iterations.append({"batch": batch, "size": len(X), "n_evaluated": self.n,
                                "optimizer_seconds": self._pending_optimizer, "evaluation_seconds": eval_seconds})
        self._pending_optimizer = 0.0
        return Y, list(errors)

    def relative_slack(self, rows: slice) -> np.ndarray:
        """``(k x c)`` by how much the recorded rows ``rows`` miss each constraint, relative to
        its bound (``<= 0`` where met; NaN for failed rows), as optimizers with constraint
        support take them (pymoo's ``G``, Optuna's ``constraints_func``)."""
        return relative_slack(self.C[rows], self.constraints)

    def finish(self) -> None:
        """Close the run: optimizer time after the last batch (a final tell) is kept apart."""
        self.trailing_optimizer_seconds += self._pending_optimizer
        self._pending_optimizer = 0.0

    def result(self, *, max_hypervolume=None, seed=None, config=None) -> Result:
        timings = [{"batch": it["batch"], "ask_seconds": it["optimizer_seconds"],
                    "eval_seconds": it["evaluation_seconds"]} for it in self.iterations]
        return Result(self.X, self.Y, self.objectives, self.ref_point, errors=self.errors, sources=self.sources,
                      batches=self.batches, names=self.space.names, max_hypervolume=max_hypervolume, seed=seed,
                      config=config, timings=timings, constraints=self.constraints, C=self.C)


def iterations_from_result(result: Result) -> list[dict]:
    """Per-batch timings of a lamoo :class:`~lamoo.result.Result` in the :class:`Recorder`
    layout (``batch``, ``size``, ``n_evaluated``, ``optimizer_seconds``, ``evaluation_seconds``)."""
    sizes: dict[int, int] = {}
    for b in result.batches:
        sizes[int(b)] = sizes.get(int(b), 0) + 1
    out, n = [], 0
    timing = {int(t["batch"]): t for t in result.timings}
    for b in sorted(sizes):
        n += sizes[b]
        t = timing.get(b, {})
        out.append({"batch": b, "size": sizes[b], "n_evaluated": n,
                    "optimizer_seconds": t.get("ask_seconds") or 0.0,
                    "evaluation_seconds": t.get("eval_seconds") or 0.0})
    return out
