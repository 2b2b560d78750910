"""The state of a :class:`lamoo.Study`: what its records say, changed only by applying records.

A :class:`RunState` holds the study's :class:`~lamoo.runlog.RunLog` (asks, pending points and
their owners, timings) and its :class:`~lamoo.archive.Archive` (every evaluation, in the order
told). A study changes it in one way only, :meth:`RunState.commit`: its records are journaled
first (when it has a journal), then applied exactly as a reader of the journal would apply them,
so a study and any study loaded from its journal hold the same state. Inside
:meth:`RunState.transaction` the journal is locked and the records other processes appended are
applied first (see :mod:`lamoo.journal`).
"""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager

import numpy as np

from lamoo.archive import Archive
from lamoo.exceptions import InvalidInputError, JournalError
from lamoo.journal import JournalFile
from lamoo.records import check_record, dumps, join_record, settings_record
from lamoo.resume import SAMPLER_ADVICE, differences, refuse, sampler_differences
from lamoo.runlog import PendingRow, RunLog
from lamoo.task import check_Y


class RunState:
    """The records-made state of one study (see the module docstring).

    Args:
        header: the run's header record (:func:`lamoo.records.header_record`).
        archive: the study's empty archive, filled as evaluation records are applied.
        worker: the study's id in the records.
    """

    def __init__(self, header: dict, archive: Archive, worker: str):
        self.log = RunLog(header)
        self.archive = archive
        self.worker = worker
        self.journal: JournalFile | None = None
        self._lock = threading.RLock()

    def attach(self, handle: JournalFile, sampler, *, allow_sampler_change: bool = False, run_info=None) -> None:
        """Apply ``handle``'s records, check ``sampler`` against the journal's (a
        :class:`JournalError` unless equal or ``allow_sampler_change``: then a ``settings``
        record notes the change, with ``run_info`` when it changes too) and start the lease."""
        self.journal = handle
        with self.transaction():
            changes = sampler_differences(self.log.sampler, sampler)
            if changes and not allow_sampler_change:
                raise refuse(handle.path, changes, SAMPLER_ADVICE)
            handle.join(self.worker)
            records = [join_record(self.worker)]
            run_changes = [] if run_info is None else differences(self.log.run, run_info, "run")
            if changes or run_changes:
                config = sampler.config() if changes else self.log.sampler
                records.append(settings_record(config, run_info if run_changes else None,
                                               {"sampler": changes, "run": run_changes}, self.worker))
            self.commit(records)

    def close(self) -> None:
        if self.journal is not None:
            self.journal.close()

    @contextmanager
    def transaction(self):
        """Hold the journal's lock (and this state's) and apply what other processes appended."""
        with self._lock:
            if self.journal is None:
                yield
                return
            if self.journal.closed:
                raise JournalError(f"this study was closed: load {self.journal.path} again to go on")
            with self.journal.locked():
                self._apply(self.journal.read_new())
                yield

    def commit(self, records: list[dict]) -> None:
        """Journal ``records`` (inside :meth:`transaction`), then apply them."""
        if self.journal is not None:
            wheres = self.journal.append(records)
        else:
            wheres = [f"record {self.log.n_evals}+{k} of this study" for k in range(len(records))]
        self._apply(list(zip(wheres, (json.loads(dumps(r)) for r in records))))

    def _apply(self, values: list) -> None:
        """Apply records read at ``(where, value)``: to the run log, and evaluations to the archive."""
        start = self.log.n_evals
        for where, value in values:
            self.log.apply(check_record(value, where, self.log.n_dims, self.log.n_objectives), where)
        if self.archive.ref_point is None and self.log.ref_point is not None:
            self.archive.set_ref_point(self.log.ref_point)
        new = self.log.evaluations(start)
        if len(new.X) == 0:
            return
        try:
            self.archive.append(new.X, new.Y, errors=new.errors, leaf_ids=new.leaf_ids, sources=new.sources,
                                batch=new.batches)
        except InvalidInputError as exc:
            raise self._locate(new, start, exc) from None

    def _locate(self, new, start: int, exc: Exception) -> JournalError:
        """The journal error naming the line of the first evaluation the archive refused."""
        for j in range(len(new.X)):
            try:
                self.archive.space.validate(new.X[j:j + 1], "x")
                check_Y(new.Y[j:j + 1], 1, self.log.n_objectives, "y")
            except InvalidInputError as row_exc:
                return JournalError(f"{self.log.where(start + j)}: {row_exc}")
        return JournalError(f"{self.log.where(start)}: {exc}")

    # ------------------------------------------------------------------ pending points
    def pending_rows(self) -> np.ndarray:
        """``(p x d)`` the points asked and not told, in ask order."""
        rows = [p.x for p in self.log.pending.values()]
        return np.vstack(rows) if rows else np.empty((0, self.log.n_dims))

    def orphans(self) -> list[PendingRow]:
        """The pending rows of the first ask whose owner is gone, in the ask's order."""
        alive = {self.worker: True}
        rows = []
        for row in self.log.pending.values():
            if row.owner not in alive:
                alive[row.owner] = self.journal is not None and self.journal.is_alive(row.owner)
            if not alive[row.owner]:
                rows.append(row)
        first = min((row.batch for row in rows), default=None)
        return sorted((row for row in rows if row.batch == first), key=lambda row: row.row)
