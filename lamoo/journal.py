"""JSON-lines journals: a header line describing the run, then one line per evaluated point.

Every write is flushed and fsync'ed before it returns, so a crash loses at most the line being
written; a truncated last line is detected and dropped when the journal is read back.
Non-finite numbers (failed evaluations) are written as ``null``.

This module is the only one that knows the records' layout: :func:`eval_record` writes one,
:func:`read_evaluations` and :func:`header_objectives` read them back, for both
:meth:`lamoo.Study.load` and :meth:`lamoo.Result.from_journal`.
"""
from __future__ import annotations

import json
import math
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from lamoo.exceptions import JournalError
from lamoo.task import ObjectiveSpec

FORMAT = "lamoo-journal"
VERSION = 1


def _clean(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _dumps(record: dict) -> str:
    return json.dumps(_clean(record), allow_nan=False, separators=(",", ":"))


def as_recorded(value):
    """``value`` as a journal reads it back: JSON-normalized (tuples -> lists, NumPy scalars ->
    Python numbers, non-finite floats -> ``None``). What a run keeps in memory in this form is
    exactly what a resumed run replays."""
    return json.loads(json.dumps(_clean(value), allow_nan=False))


class Journal:
    """An open journal file to append evaluation records to.

    Create a new one with :meth:`create`, continue an existing one with :meth:`resume`.
    """

    def __init__(self, path: Path):
        self.path = Path(path)

    @classmethod
    def create(cls, path, header: dict) -> "Journal":
        """Start a new journal at ``path`` with ``header``; refuses to overwrite a non-empty file."""
        path = Path(path)
        if path.exists() and path.stat().st_size > 0:
            raise JournalError(f"journal {path} already exists: resume it with Study.load, or choose another path")
        path.parent.mkdir(parents=True, exist_ok=True)
        journal = cls(path)
        journal._write([{"type": "header", "format": FORMAT, "version": VERSION, **header}], mode="w")
        return journal

    @classmethod
    def resume(cls, path) -> tuple["Journal", dict, list[dict]]:
        """Open an existing journal for appending; returns it with its header and records.
        A truncated last line (from a crash mid-write) is removed from the file."""
        header, records, good_bytes = _read(Path(path))
        if good_bytes < Path(path).stat().st_size:
            with open(path, "r+b") as fh:
                fh.truncate(good_bytes)
        return cls(Path(path)), header, records

    def append(self, records: list[dict]) -> None:
        """Append records and make them durable before returning."""
        self._write(records, mode="a")

    def _write(self, records: list[dict], mode: str) -> None:
        text = "".join(_dumps(r) + "\n" for r in records)
        with open(self.path, mode, encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())


def read_journal(path) -> tuple[dict, list[dict]]:
    """``(header, records)`` of the journal at ``path``."""
    header, records, _ = _read(Path(path))
    return header, records


def _read(path: Path) -> tuple[dict, list[dict], int]:
    if not path.is_file():
        raise JournalError(f"journal file not found: {path}")
    data = path.read_bytes()
    lines = data.split(b"\n")
    records, good_bytes = [], 0
    for i, line in enumerate(lines):
        if not line.strip():
            good_bytes += len(line) + (1 if i < len(lines) - 1 else 0)
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            if i == len(lines) - 1:  # an unfinished last line: the write was cut off
                warnings.warn(f"{path}: dropping a truncated last line", RuntimeWarning, stacklevel=3)
                break
            raise JournalError(f"{path}: line {i + 1} is not valid JSON") from None
        records.append(record)
        good_bytes += len(line) + 1
    if not records or records[0].get("type") != "header" or records[0].get("format") != FORMAT:
        raise JournalError(f"{path} is not a lamoo journal (its first line is not a lamoo header)")
    if records[0].get("version") != VERSION:
        raise JournalError(f"{path}: journal version {records[0].get('version')} is not supported (expected {VERSION})")
    return records[0], records[1:], good_bytes


# ---------------------------------------------------------------------------- records
def eval_record(archive, i: int, timing: Mapping | None, proposal: Mapping | None) -> dict:
    """The journal record of row ``i`` of ``archive``: its point, raw values (``None`` for a
    failed row), error, source, leaf id and batch, that batch's ``ask_seconds`` and
    ``eval_seconds`` (``timing``) and what the sampler reported about the batch (``proposal``)."""
    batch = int(archive.batches[i])
    timing = timing or {}
    return {"type": "eval", "i": i, "batch": batch, "x": archive.X[i].tolist(),
            "y": None if archive.failed[i] else archive.Y[i].tolist(), "error": archive.errors[i],
            "source": archive.sources[i], "leaf_id": int(archive.leaf_ids[i]),
            "ask_seconds": timing.get("ask_seconds"), "eval_seconds": timing.get("eval_seconds"),
            "proposal": None if proposal is None else dict(proposal), "time": time.time()}


def header_objectives(header: Mapping) -> tuple[ObjectiveSpec, ...]:
    """The objectives a journal's header records."""
    return tuple(ObjectiveSpec(o["name"], o["direction"]) for o in header["objectives"])


@dataclass(frozen=True)
class Evaluations:
    """A journal's evaluation records as columns, ``n`` rows in file order (the order told).

    Attributes:
        X: ``(n x d)`` points.
        Y: ``(n x m)`` raw values, NaN rows for failed evaluations.
        errors, sources: per row.
        leaf_ids, batches: per row (``-1``: none).
        timings: per batch that has records, in batch order: ``batch``, ``ask_seconds`` and
            ``eval_seconds`` from the batch's last record, which holds its latest timings, as in
            the run itself.
        proposals: ``{batch: report}``: what the sampler reported about each batch that has one
            (the ``proposal`` field of its records).
    """

    X: np.ndarray
    Y: np.ndarray
    errors: list
    sources: list
    leaf_ids: list
    batches: list
    timings: list
    proposals: dict = field(default_factory=dict)


def read_evaluations(records: list[dict], n_dims: int, n_objectives: int) -> Evaluations:
    """Columns of the evaluation ``records`` (as :func:`read_journal` returns them) of a run on
    ``n_dims`` dimensions and ``n_objectives`` objectives; :class:`JournalError` unless they are
    numbered 0, 1, 2, ... in file order."""
    numbers = [r.get("i") for r in records]
    if numbers != list(range(len(records))):
        raise JournalError(f"the journal's records must be numbered 0, 1, 2, ... in file order, "
                           f"got i = {numbers[:10]}{' ...' if len(numbers) > 10 else ''}")
    m = n_objectives
    Y = np.array([[np.nan if v is None else v for v in (r["y"] or [None] * m)] for r in records],
                 dtype=float).reshape(-1, m)
    timings: dict[int, dict] = {}
    proposals: dict[int, dict] = {}
    for r in records:
        if r.get("batch", -1) >= 0:
            timings[r["batch"]] = {"batch": r["batch"], "ask_seconds": r.get("ask_seconds"),
                                   "eval_seconds": r.get("eval_seconds")}
            if r.get("proposal") is not None:
                proposals[r["batch"]] = r["proposal"]
    return Evaluations(
        X=np.array([r["x"] for r in records], dtype=float).reshape(-1, n_dims), Y=Y,
        errors=[r.get("error") for r in records], sources=[r.get("source", "user") for r in records],
        leaf_ids=[r.get("leaf_id", -1) for r in records], batches=[r.get("batch", -1) for r in records],
        timings=[timings[b] for b in sorted(timings)], proposals=proposals)
