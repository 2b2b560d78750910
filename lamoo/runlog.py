"""What a journal's records say about a run, applied one record at a time.

A :class:`RunLog` is the state every reader of a journal rebuilds the same way, whether it wrote
the records itself or another process did: the evaluations in the order they were told, the
asks handed out, the points of those asks not told yet (*pending*) with the worker that is to
evaluate each, and the sampler settings as last changed. :class:`lamoo.Study` keeps one (its
archive mirrors the evaluations); :meth:`lamoo.Result.from_journal` reads one. Every check that
spans records (record numbers 0, 1, 2, ... in file order, ask numbers handed out once, claims of
pending points only) is made here and raises :class:`~lamoo.exceptions.JournalError` naming the
line.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from lamoo.exceptions import JournalError
from lamoo.records import header_objectives

CORRUPT = ("the journal is corrupt: two processes probably appended to it without sharing lamoo's lock (a lamoo "
           "older than format version 2, or a file system whose locks do not work)")


def row_key(x) -> bytes:
    """The identity of a point (``d``,): its float64 bytes, with -0.0 read as 0.0."""
    return (np.asarray(x, dtype=float) + 0.0).tobytes()


@dataclass
class PendingRow:
    """A point handed out by an ask and not told yet.

    Attributes:
        batch: the ask number; row: its position in the ask.
        x: ``(d,)`` the point; source, leaf_id: as the ask recorded them.
        owner: the worker that evaluates it (the asker, or the last worker that claimed it).
    """

    batch: int
    row: int
    x: np.ndarray
    source: str
    leaf_id: int
    owner: str


@dataclass(frozen=True)
class Evaluations:
    """Evaluation records as columns, ``n`` rows in the order told.

    Attributes:
        X: ``(n x d)`` points. Y: ``(n x m)`` raw values, NaN rows for failed evaluations.
        errors, sources: per row. leaf_ids, batches: per row (``-1``: none).
    """

    X: np.ndarray
    Y: np.ndarray
    errors: list
    sources: list
    leaf_ids: list
    batches: list


class RunLog:
    """The state of a run as its journal's records tell it (see the module docstring).

    Args:
        header: the journal's header (:func:`lamoo.records.check_header`).
    """

    def __init__(self, header: Mapping):
        self.header = dict(header)
        self.n_dims = len(header["space"]["names"])
        self.n_objectives = len(header_objectives(header))
        self.sampler = header.get("sampler")
        self.run = header.get("run")
        self.ref_point = header.get("ref_point")
        """The run's reference point (raw units): the header's, or the inferred one once its
        ``reference`` record is applied (None before)."""
        self.ref_point_source = header.get("ref_point_source", "given")
        self.ref_point_evaluations: int | None = None  # how many evaluations an inferred one is from
        self._rows: list[tuple] = []  # (x, y, error, source, leaf_id, batch) per evaluation
        self._eval_lines: list[str] = []
        self._asks: dict[int, dict] = {}
        self._eval_seconds: dict[int, float] = {}
        self._v1_ask_seconds: dict[int, float] = {}
        self.pending: dict[tuple[int, bytes], PendingRow] = {}
        self._by_key: dict[bytes, list[int]] = {}
        self.next_batch = 0
        self.init_asked = 0
        self.workers: dict[str, dict] = {}

    # ------------------------------------------------------------------ applying records
    def apply(self, record: Mapping, where: str) -> None:
        """Apply one checked record (:func:`lamoo.records.check_record`) read at ``where``."""
        kind = record["type"]
        if kind == "eval":
            self._apply_eval(record, where)
        elif kind == "ask":
            self._apply_ask(record, where)
        elif kind == "claim":
            self._apply_claim(record, where)
        elif kind == "join":
            self.workers[record["worker"]] = {k: record.get(k) for k in ("host", "pid", "time")}
        elif kind == "reference":
            if self.ref_point_source != "inferred" or self.ref_point is not None:
                raise JournalError(f"{where}: a reference point record in a run whose reference point is "
                                   f"{self.ref_point} ({self.ref_point_source}); a run's reference point never changes")
            self.ref_point = list(record["ref_point"])
            self.ref_point_evaluations = record["n_evaluations"]
        elif kind == "settings":
            self.sampler = record.get("sampler")
            if record.get("run") is not None:
                self.run = record["run"]

    def _apply_eval(self, r: Mapping, where: str) -> None:
        n = len(self._rows)
        if r["i"] != n:
            kept = (f"; the first {n} evaluations (to {self._eval_lines[-1]}) are intact, and a copy of the journal cut "
                    f"after that line can be resumed") if n else ""
            raise JournalError(f"{where}: record number {r['i']} {'repeats' if r['i'] < n else 'skips ahead'} "
                               f"(expected {n}): {CORRUPT}{kept}")
        m = self.n_objectives
        y = [np.nan] * m if r.get("y") is None else [np.nan if v is None else v for v in r["y"]]
        batch, source = r["batch"], r.get("source", "user")
        self._rows.append((r["x"], y, r.get("error"), source, r.get("leaf_id", -1), batch))
        self._eval_lines.append(where)
        if batch < 0:
            return
        key = row_key(r["x"])
        if (batch, key) in self.pending:
            self._drop_pending(batch, key)
        elif batch not in self._asks:  # a version 1 journal: evaluations carry their ask's data
            self.init_asked += int(source == "init")
            if r.get("ask_seconds") is not None:
                self._v1_ask_seconds[batch] = r["ask_seconds"]
        if r.get("eval_seconds") is not None:
            self._eval_seconds[batch] = r["eval_seconds"]
        self.next_batch = max(self.next_batch, batch + 1)

    def _apply_ask(self, r: Mapping, where: str) -> None:
        batch = r["batch"]
        if batch in self._asks or batch != self.next_batch:
            seen = f"was handed out already ({self._asks[batch]['where']})" if batch in self._asks else \
                f"is out of order (expected {self.next_batch})"
            raise JournalError(f"{where}: ask number {batch} {seen}: {CORRUPT}")
        self._asks[batch] = {"where": where, "ask_seconds": r.get("ask_seconds"), "proposal": r.get("proposal")}
        for row, (x, source, leaf_id) in enumerate(zip(r["x"], r["sources"], r["leaf_ids"])):
            key = row_key(x)
            self.pending[(batch, key)] = PendingRow(batch, row, np.asarray(x, dtype=float), source, leaf_id,
                                                    r["worker"])
            self._by_key.setdefault(key, []).append(batch)
        self.init_asked += r["sources"].count("init")
        self.next_batch = batch + 1

    def _apply_claim(self, r: Mapping, where: str) -> None:
        for x in r["x"]:
            row = self.pending.get((r["batch"], row_key(x)))
            if row is None:
                raise JournalError(f"{where}: claims point {x} of ask {r['batch']}, which is not pending: {CORRUPT}")
            row.owner = r["worker"]

    def _drop_pending(self, batch: int, key: bytes) -> None:
        del self.pending[(batch, key)]
        batches = self._by_key[key]
        batches.remove(batch)
        if not batches:
            del self._by_key[key]

    # ------------------------------------------------------------------ queries
    @property
    def n_evals(self) -> int:
        return len(self._rows)

    def pending_row(self, x, skip=()) -> PendingRow | None:
        """The pending row a tell of point ``x`` (``d``,) completes: the one of the earliest ask
        holding it, leaving out the ``(batch, row_key(x))`` pairs in ``skip``."""
        key = row_key(x)
        batch = next((b for b in self._by_key.get(key, ()) if (b, key) not in skip), None)
        return None if batch is None else self.pending[(batch, key)]

    def proposal(self, batch: int) -> dict | None:
        """What the sampler reported about ask ``batch`` (None for the initial design or unknown)."""
        ask = self._asks.get(batch)
        return None if ask is None else ask["proposal"]

    def evaluations(self, start: int = 0) -> Evaluations:
        """The evaluations from number ``start`` on, as columns."""
        rows = self._rows[start:]
        d, m = self.n_dims, self.n_objectives
        return Evaluations(X=np.array([r[0] for r in rows], dtype=float).reshape(-1, d),
                           Y=np.array([r[1] for r in rows], dtype=float).reshape(-1, m),
                           errors=[r[2] for r in rows], sources=[r[3] for r in rows],
                           leaf_ids=[r[4] for r in rows], batches=[r[5] for r in rows])

    def config(self) -> dict:
        """The header with the sampler and launch options as last changed (and an inferred
        reference point with ``ref_point_evaluations``, the number it was inferred from)."""
        config = dict(self.header, sampler=self.sampler)
        if self.ref_point_evaluations is not None:  # an inferred reference point, from its record
            config.update(ref_point=self.ref_point, ref_point_evaluations=self.ref_point_evaluations)
        if self.run is not None:
            config["run"] = self.run
        return config

    def where(self, i: int) -> str:
        """Where evaluation ``i`` was read."""
        return self._eval_lines[i]

    def timings(self) -> list[dict]:
        """Per ask, in ask order: ``batch``, ``ask_seconds`` (proposing it) and ``eval_seconds``
        (the latest evaluation time told for it)."""
        batches = sorted(set(self._asks) | set(self._v1_ask_seconds) | set(self._eval_seconds)
                         | {r[5] for r in self._rows if r[5] >= 0})
        return [{"batch": b, "ask_seconds": self._asks[b]["ask_seconds"] if b in self._asks
                 else self._v1_ask_seconds.get(b), "eval_seconds": self._eval_seconds.get(b)} for b in batches]
