"""JSON-lines journals: a header line describing the run, then one line per evaluated point.

Every write is flushed and fsync'ed before it returns, so a crash loses at most the line being
written; a truncated last line is detected and dropped when the journal is read back.
Non-finite numbers (failed evaluations) are written as ``null``. Other append-only logs (the
preference judgments of :mod:`nas_tasks.preference`) use the same machinery under their own
``fmt`` name, so a file of one kind is never read as the other.
"""
from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path

from lamoo.exceptions import JournalError

FORMAT = "lamoo-journal"
VERSION = 1


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _dumps(record: dict) -> str:
    return json.dumps(_clean(record), allow_nan=False, separators=(",", ":"))


class Journal:
    """An open journal file to append evaluation records to.

    Create a new one with :meth:`create`, continue an existing one with :meth:`resume`.
    """

    def __init__(self, path: Path):
        self.path = Path(path)

    @classmethod
    def create(cls, path, header: dict, fmt: str = FORMAT) -> "Journal":
        """Start a new journal at ``path`` with ``header``; refuses to overwrite a non-empty file."""
        path = Path(path)
        if path.exists() and path.stat().st_size > 0:
            raise JournalError(f"journal {path} already exists: resume it with Study.load, or choose another path")
        path.parent.mkdir(parents=True, exist_ok=True)
        journal = cls(path)
        journal._write([{"type": "header", "format": fmt, "version": VERSION, **header}], mode="w")
        return journal

    @classmethod
    def resume(cls, path, fmt: str = FORMAT) -> tuple["Journal", dict, list[dict]]:
        """Open an existing journal for appending; returns it with its header and records.
        A truncated last line (from a crash mid-write) is removed from the file."""
        header, records, good_bytes = _read(Path(path), fmt)
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


def read_journal(path, fmt: str = FORMAT) -> tuple[dict, list[dict]]:
    """``(header, records)`` of the journal at ``path``."""
    header, records, _ = _read(Path(path), fmt)
    return header, records


def _read(path: Path, fmt: str = FORMAT) -> tuple[dict, list[dict], int]:
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
    if not records or records[0].get("type") != "header" or records[0].get("format") != fmt:
        found = records[0].get("format") if records and isinstance(records[0], dict) else None
        what = "lamoo journal" if fmt == FORMAT else f"{fmt} file"
        raise JournalError(f"{path} is not a {what} (its first line is not a {fmt} header"
                           + (f"; it is a {found} file)" if found else ")"))
    if records[0].get("version") != VERSION:
        raise JournalError(f"{path}: journal version {records[0].get('version')} is not supported (expected {VERSION})")
    return records[0], records[1:], good_bytes
