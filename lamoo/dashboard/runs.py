"""The runs a dashboard shows, read from their journals and read again whenever a journal grows.

A :class:`WatchedRun` holds one journal's latest state as JSON-able data: the points (raw values,
the Pareto flags, where each came from), how many points are asked and not told yet, the hypervolume
trace, and one entry per LaMOO batch (the node selected, the region searched, its depth, share
and relaxations) taken from the journaled proposal reports. Nothing here locks or writes a
journal, or needs the task.
"""
from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np

from lamoo.exceptions import InvalidInputError, JournalError
from lamoo.journal import read_values
from lamoo.records import check_record
from lamoo.result import Result
from lamoo.runlog import RunLog

JOURNAL = "journal.jsonl"


def journal_path(path) -> Path:
    """``RUN_DIR/journal.jsonl`` for a run folder, or the journal file itself."""
    path = Path(path)
    if path.is_dir():
        path = path / JOURNAL
    if not path.is_file():
        raise InvalidInputError(f"no lamoo journal at {path}: pass a run folder written by 'lamoo optimize' (it holds "
                                f"{JOURNAL}) or a journal file")
    return path


def _finite(values) -> list:
    return [None if v is None or not math.isfinite(v) else float(v) for v in values]


def read_log(path) -> tuple[RunLog, dict[int, int], dict[int, dict]]:
    """The journal at ``path`` read without locking or changing it (a cut-off last line, one
    being written, is skipped: :func:`lamoo.journal.read_values`), every record checked as
    :func:`lamoo.journal.read_run` checks it. Returns the :class:`~lamoo.runlog.RunLog`, the
    number of evaluations told before each ask record (the archive the batch was proposed from),
    and the proposal reports that version 1 journals keep in their evaluation records."""
    header, values = read_values(path)
    log = RunLog(header)
    asked_after, v1_reports = {}, {}
    for where, value in values:
        record = check_record(value, where, log.n_dims, log.n_objectives)
        if record["type"] == "ask":
            asked_after[record["batch"]] = log.n_evals
        elif record["type"] == "eval" and isinstance(record.get("proposal"), dict):
            v1_reports.setdefault(record["batch"], record["proposal"])
        log.apply(record, where)
    return log, asked_after, v1_reports


class WatchedRun:
    """One run's journal, read again when its size or modification time changes.

    Attributes:
        path: the journal file.
        log: the :class:`~lamoo.runlog.RunLog` of the latest read; header: its
            :meth:`~lamoo.runlog.RunLog.config` (the header with the sampler as last changed).
        evals: ``log.evaluations()``, the ``n`` evaluations told so far as columns.
        version: increases each time the journal is read again with a change.
    """

    def __init__(self, path, name: str | None = None):
        self.path = journal_path(path)
        self.name = name or (self.path.parent.name if self.path.name == JOURNAL else self.path.stem)
        self.version = 0
        self.header: dict = {}
        self._stamp = None
        self._lock = threading.Lock()
        self.refresh()

    def refresh(self) -> bool:
        """Read the journal again if it changed; True when it did."""
        with self._lock:
            stat = self.path.stat()
            stamp = (stat.st_size, stat.st_mtime_ns)
            if stamp == self._stamp:
                return False
            log, asked_after, v1_reports = read_log(self.path)
            self.log, self._asked_after, self._v1_reports = log, asked_after, v1_reports
            self.header, self.evals, self._stamp = log.config(), log.evaluations(), stamp
            self.version += 1
            return True

    # ------------------------------------------------------------------ what the page shows
    def result(self) -> Result:
        """The :class:`~lamoo.Result` of the evaluations read so far."""
        return Result.from_run_log(self.log)

    def is_lamoo(self) -> bool:
        sampler = self.header.get("sampler")
        return isinstance(sampler, dict) and sampler.get("name") == "lamoo"

    def data(self) -> dict:
        """Everything the page draws for this run, JSON-able."""
        header, res = self.header, self.result()
        sampler = header.get("sampler")
        inner = sampler.get("params", {}).get("sampler", {}) if self.is_lamoo() else None
        return {
            "name": self.name, "path": str(self.path), "version": self.version, "n": len(res),
            "objectives": header["objectives"], "ref_point": header["ref_point"],
            "max_hypervolume": header.get("max_hypervolume"), "space": header["space"],
            "task": header.get("task"), "seed": header.get("seed"), "lamoo": self.is_lamoo(),
            "sampler": (f"LaMOO({inner.get('name', '?')})" if inner is not None else
                        sampler.get("name", "?") if isinstance(sampler, dict) else str(sampler)),
            "hv": [float(v) for v in res.hypervolume_trace],
            "x": res.X.tolist(), "y": [_finite(row) for row in res.Y], "pareto": res.pareto_mask().tolist(),
            "failed": res.failed.tolist(), "source": res.sources, "leaf": res.leaf_ids.tolist(),
            "batch": res.batches.tolist(), "batches": self.batches(res), "n_pending": len(self.log.pending),
        }

    def batches(self, res: Result | None = None) -> list[dict]:
        """One entry per batch LaMOO proposed, asked or told: ``batch``, ``start`` (evaluations
        told before the batch was asked: the archive it was proposed from), the journaled report
        (``leaf_id``, ``path``, ``depth``, ``relaxed``, ``n_members``, ``n_outside``,
        ``n_leaves``), ``n_valid`` (successful samples then), ``share`` (``n_members /
        n_valid``), ``size`` (points told), ``n_fill`` (of them, fill points) and ``n_pending``
        (asked, not told yet)."""
        res = res or self.result()
        failed, sources = res.failed, res.sources
        told: dict[int, list[int]] = {}
        for i, b in enumerate(res.batches.tolist()):
            told.setdefault(b, []).append(i)
        pending: dict[int, int] = {}
        for row in self.log.pending.values():
            pending[row.batch] = pending.get(row.batch, 0) + 1
        out = []
        for b in sorted(set(told) | set(self._asked_after)):
            info = self.log.proposal(b) or self._v1_reports.get(b)
            if b < 0 or not isinstance(info, dict) or "path" not in info:
                continue
            rows = told.get(b, [])
            start = self._asked_after.get(b, rows[0] if rows else 0)
            n_valid = int((~failed[:start]).sum())
            out.append({"batch": b, "start": start, "leaf_id": info.get("leaf_id"), "path": info.get("path"),
                        "selected_id": info.get("selected_id"), "depth": info.get("depth"),
                        "selected_depth": len(info.get("path") or [0]) - 1, "relaxed": info.get("relaxed"),
                        "n_members": info.get("n_members"), "n_outside": info.get("n_outside"),
                        "n_leaves": info.get("n_leaves"), "n_valid": n_valid,
                        "share": (info.get("n_members") or 0) / n_valid if n_valid else None,
                        "size": len(rows), "n_fill": sum(sources[i] == "fill" for i in rows),
                        "n_pending": pending.get(b, 0)})
        return out


def normalizers(runs: list[WatchedRun], datas: list[dict]) -> list[tuple[float | None, str]]:
    """Per run, what its hypervolume trace is divided by and why: the task's known maximum, or
    else the largest final hypervolume among the runs with the same objectives and reference
    point (runs of one problem are compared on one scale)."""
    best: dict[str, float] = {}
    keys = []
    for data in datas:
        key = repr((data["objectives"], data["ref_point"], data["space"]["names"]))
        keys.append(key)
        best[key] = max(best.get(key, 0.0), data["hv"][-1] if data["hv"] else 0.0)
    out = []
    for data, key in zip(datas, keys):
        if data["max_hypervolume"]:
            out.append((float(data["max_hypervolume"]), "the known maximum hypervolume"))
        elif best[key] > 0:
            out.append((best[key], "the best final hypervolume among the runs of this problem"))
        else:
            out.append((None, "nothing dominates the reference point yet"))
    return out


def collect(runs: list[WatchedRun]) -> dict:
    """The page's data for all runs (each read again if its journal changed), with normalized
    hypervolume traces."""
    for run in runs:
        try:
            run.refresh()
        except (OSError, JournalError):
            pass  # a journal being replaced: keep the last good read
    datas = [run.data() for run in runs]
    for data, (scale, why) in zip(datas, normalizers(runs, datas)):
        data["hv_norm"] = None if scale is None else (np.asarray(data["hv"]) / scale).tolist()
        data["hv_norm_by"] = why
    return {"version": sum(run.version for run in runs), "runs": datas}
