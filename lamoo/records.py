"""The journal's records: how each is written, and the checks every record read back passes.

A journal is JSON lines: a header, then records in the order they were made (format version 2;
version 1 journals, which hold only ``eval`` records, are read too):

=========== =====================================================================================
``header``  the run: seed, initial design size, reference point, objectives, space, the task's
            description, the sampler's configuration and how the run was launched (``run``)
``join``    a process started writing: its ``worker`` id, host and process id
``ask``     ask number ``batch`` handed out ``x`` (``k x d``) with their sources, LaMOO leaves
            and the sampler's report; written *before* the points are evaluated
``claim``   a worker took over rows of an ask whose worker is gone (it evaluates them)
``eval``    record number ``i``: one evaluated point, its raw values ``y`` (``null``: failed)
            and error, and the ask it came from (``batch``; -1 for a point told without an ask)
``settings`` an explicit change of sampler settings on resume: the new sampler configuration
            and the changed launch options
``reference`` the reference point of a run whose header has none (``ref_point_source``
            ``"inferred"``), inferred from its first evaluations: written once, never changed
=========== =====================================================================================

:func:`parse_lines` splits a journal's bytes into JSON values (reading records an older lamoo
glued onto one line, with a warning), :func:`parse_header` and :func:`check_record` check them,
raising :class:`~lamoo.exceptions.JournalError` naming the line, the field and the value.
Non-finite numbers are written as ``null`` and refused when read.
"""
from __future__ import annotations

import json
import math
import numbers
import os
import socket
import time
import warnings
from typing import Mapping

from lamoo.exceptions import JournalError
from lamoo.task import ObjectiveSpec

FORMAT = "lamoo-journal"
VERSION = 2
READABLE_VERSIONS = (1, 2)
SOURCES = ("init", "sampler", "fill", "user")
TYPES = ("join", "ask", "claim", "eval", "settings", "reference")
REF_SOURCES = ("task", "given", "inferred")
"""Where a run's reference point comes from (the header's ``ref_point_source``)."""


def _clean(value):
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()  # numpy scalars
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def dumps(record: Mapping) -> str:
    """One record as a line of JSON (without the newline)."""
    return json.dumps(_clean(record), allow_nan=False, separators=(",", ":"))


# ---------------------------------------------------------------------------- writing
def header_record(fields: Mapping) -> dict:
    return {"type": "header", "format": FORMAT, "version": VERSION, **fields}


def join_record(worker: str) -> dict:
    return {"type": "join", "worker": worker, "host": socket.gethostname(), "pid": os.getpid(), "time": time.time()}


def ask_record(batch: int, X, sources, leaf_ids, proposal: Mapping | None, ask_seconds: float, worker: str) -> dict:
    return {"type": "ask", "batch": batch, "worker": worker, "x": [list(map(float, row)) for row in X],
            "sources": list(sources), "leaf_ids": [int(v) for v in leaf_ids],
            "proposal": None if proposal is None else dict(proposal), "ask_seconds": ask_seconds, "time": time.time()}


def claim_record(batch: int, X, worker: str) -> dict:
    return {"type": "claim", "batch": batch, "worker": worker, "x": [list(map(float, row)) for row in X],
            "time": time.time()}


def eval_record(i: int, batch: int, x, y, error, source: str, leaf_id: int, eval_seconds, worker: str) -> dict:
    """Record number ``i``: point ``x`` (``d``), raw values ``y`` (``m``, or None for a failure)."""
    return {"type": "eval", "i": i, "batch": batch, "x": list(map(float, x)),
            "y": None if y is None else list(map(float, y)), "error": error, "source": source,
            "leaf_id": int(leaf_id), "eval_seconds": eval_seconds, "worker": worker, "time": time.time()}


def reference_record(ref_point, n_evaluations: int, worker: str) -> dict:
    """The inferred reference point ``ref_point`` (``m``, raw units), from the first ``n_evaluations``."""
    return {"type": "reference", "ref_point": list(map(float, ref_point)), "n_evaluations": int(n_evaluations),
            "worker": worker, "time": time.time()}


def settings_record(sampler, run: Mapping | None, changes: Mapping, worker: str) -> dict:
    return {"type": "settings", "sampler": sampler, "run": None if run is None else dict(run),
            "changes": dict(changes), "worker": worker, "time": time.time()}


# ---------------------------------------------------------------------------- reading
def header_objectives(header: Mapping) -> tuple[ObjectiveSpec, ...]:
    """The objectives a journal's header records."""
    return tuple(ObjectiveSpec(o["name"], o["direction"]) for o in header["objectives"])


def check_header(value, path) -> dict:
    """The header (the first line's value) of the journal at ``path``, checked."""
    if not isinstance(value, dict) or value.get("type") != "header" or value.get("format") != FORMAT:
        raise JournalError(f"{path} is not a lamoo journal (its first line is not a lamoo header)")
    if value.get("version") not in READABLE_VERSIONS:
        raise JournalError(f"{path}: journal version {value.get('version')!r} is not supported (this lamoo reads "
                           f"versions {', '.join(map(str, READABLE_VERSIONS))}): use the lamoo that wrote it")
    where = f"{path}: line 1 (the header)"
    for key in ("seed", "n_init", "ref_point", "objectives", "space"):
        if key not in value:
            raise JournalError(f"{where} has no {key!r}")
    try:
        objectives = header_objectives(value)
    except (TypeError, KeyError, ValueError) as exc:
        raise JournalError(f"{where}: 'objectives' must be a list of {{name, direction}}, got "
                           f"{value['objectives']!r} ({exc})") from None
    space = value["space"]
    names = space.get("names") if isinstance(space, dict) else None
    if not (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
        raise JournalError(f"{where}: 'space' must be an object with 'names', a list of strings, got {_short(space)}")
    choices = space.get("choices")
    if choices is not None and not (isinstance(choices, list) and len(choices) == len(names) and all(
            c is None or isinstance(c, list) for c in choices)):
        raise JournalError(f"{where}: 'space.choices' must be null or a list of {len(names)} nulls or lists of "
                           f"labels, got {_short(choices)}")
    source = value.get("ref_point_source", "given")
    if source not in REF_SOURCES:
        raise JournalError(f"{where}: 'ref_point_source' must be one of {REF_SOURCES}, got {_short(source)}")
    if value["ref_point"] is not None or source != "inferred":
        _numbers(value["ref_point"], len(objectives), "ref_point", where, nulls=False)
    if value.get("max_hypervolume") is not None and not _is_finite(value["max_hypervolume"]):
        raise JournalError(f"{where}: 'max_hypervolume' must be null or a number, got {_short(value['max_hypervolume'])}")
    return value


def parse_line(line: bytes, where: str) -> list:
    """The JSON value(s) of one line: one, or several records glued by an older lamoo (a resume
    after a crash that left the last line without its newline). :class:`ValueError` if not JSON."""
    try:
        return [json.loads(line)]
    except ValueError:
        pass
    text, values, pos = line.decode("utf-8"), [], 0
    decoder = json.JSONDecoder()
    while pos < len(text):
        value, pos = decoder.raw_decode(text, pos)
        values.append(value)
        while pos < len(text) and text[pos].isspace():
            pos += 1
    if len(values) > 1 and all(isinstance(v, dict) for v in values):
        warnings.warn(f"{where} holds {len(values)} records glued together (written by a lamoo that resumed a "
                      f"journal whose last line lacked its newline); they are read as {len(values)} records",
                      RuntimeWarning, stacklevel=5)
    return values


def parse_lines(data: bytes, path, first_line: int) -> tuple[list[tuple[str, object]], int, bytes]:
    """The lines of ``data`` (the journal at ``path`` from line ``first_line + 1`` on): ``(values
    with where they were read, bytes of whole lines, the unfinished last line)``."""
    lines = data.split(b"\n")
    tail, values, number = lines.pop(), [], first_line
    for line in lines:
        number += 1
        if not line.strip():
            continue
        where = f"{path}: line {number}"
        try:
            values.extend((where, v) for v in parse_line(line, where))
        except ValueError:
            raise JournalError(f"{where} is not valid JSON ({line[:60]!r}{' ...' if len(line) > 60 else ''}): the "
                               f"journal is damaged from this line on; the lines before it are intact") from None
    return values, len(data) - len(tail), tail


def parse_tail(tail: bytes, path, number: int) -> list | None:
    """The record(s) of an unfinished last line if it is whole but for its newline, else None."""
    if not tail.strip():
        return []
    try:
        return [(f"{path}: line {number}", v) for v in parse_line(tail, f"{path}: line {number}")]
    except ValueError:
        return None


def parse_header(line: bytes, path, fmt: str = FORMAT) -> dict:
    """The checked header of the journal at ``path`` from its first line. ``fmt`` names the kind
    of log: a run journal (:data:`FORMAT`) has its fields checked; another append-only log (the
    preference judgments, ``"lamoo-judgments"``) only its format name and version."""
    try:
        value = json.loads(line)
    except ValueError:
        value = None
    if fmt == FORMAT:
        return check_header(value, path)
    if not isinstance(value, dict) or value.get("type") != "header" or value.get("format") != fmt:
        found = value.get("format") if isinstance(value, dict) else None
        raise JournalError(f"{path} is not a {fmt} file (its first line is not a {fmt} header"
                           + (f"; it is a {found} file)" if found else ")"))
    if value.get("version") not in READABLE_VERSIONS:
        raise JournalError(f"{path}: {fmt} version {value.get('version')!r} is not supported")
    return value


def check_record(value, where, n_dims: int, n_objectives: int) -> dict:
    """The record ``value`` read at ``where`` (``"PATH: line N"``), checked against a run of
    ``n_dims`` dimensions and ``n_objectives`` objectives; a :class:`JournalError` naming the
    line, the field and the value otherwise."""
    if not isinstance(value, dict):
        raise JournalError(f"{where}: expected a JSON object (one record per line), got {_short(value)}")
    kind = value.get("type")
    if kind not in TYPES:
        raise JournalError(f"{where}: unknown record type {kind!r}; a record's 'type' is one of {TYPES}")
    d, m = n_dims, n_objectives
    if kind == "eval":
        _int(value, "i", where, 0)
        _int(value, "batch", where, -1)
        _numbers(_field(value, "x", where), d, "x", where, nulls=False)
        if value.get("y") is not None:
            _numbers(value["y"], m, "y", where, nulls=True, what="null or a list of {n} numbers or nulls")
        if value.get("source", "user") not in SOURCES:
            raise JournalError(f"{where}: 'source' must be one of {SOURCES}, got {value['source']!r}")
        if value.get("error") is not None and not isinstance(value["error"], str):
            raise JournalError(f"{where}: 'error' must be null or a string, got {_short(value['error'])}")
        _int(value, "leaf_id", where, -1, default=-1)
    elif kind in ("ask", "claim"):
        _int(value, "batch", where, 0)
        rows = _field(value, "x", where)
        if not isinstance(rows, list):
            raise JournalError(f"{where}: 'x' must be a list of points, got {_short(rows)}")
        for row in rows:
            _numbers(row, d, "x", where, nulls=False, what="a list of points of {n} numbers each")
        if kind == "ask":
            _ask_columns(value, len(rows), where)
    elif kind == "reference":
        _numbers(_field(value, "ref_point", where), m, "ref_point", where, nulls=False)
        _int(value, "n_evaluations", where, 1)
    elif kind == "settings" and value.get("run") is not None and not isinstance(value["run"], dict):
        raise JournalError(f"{where}: 'run' must be null or an object, got {_short(value['run'])}")
    if kind != "eval" or "worker" in value:
        if not isinstance(value.get("worker"), str):
            raise JournalError(f"{where}: 'worker' must be a string, got {_short(value.get('worker'))}")
    return value


def _ask_columns(value: dict, k: int, where) -> None:
    sources, leaf_ids = _field(value, "sources", where), _field(value, "leaf_ids", where)
    if not (isinstance(sources, list) and len(sources) == k and all(s in SOURCES for s in sources)):
        raise JournalError(f"{where}: 'sources' must be a list of {k} of {SOURCES}, got {_short(sources)}")
    if not (isinstance(leaf_ids, list) and len(leaf_ids) == k and all(_is_int(v) for v in leaf_ids)):
        raise JournalError(f"{where}: 'leaf_ids' must be a list of {k} integers, got {_short(leaf_ids)}")
    if value.get("proposal") is not None and not isinstance(value["proposal"], dict):
        raise JournalError(f"{where}: 'proposal' must be null or an object, got {_short(value['proposal'])}")


def _field(value: dict, key: str, where):
    if key not in value:
        raise JournalError(f"{where}: the {value.get('type')} record has no {key!r}")
    return value[key]


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool) and abs(v) < 2 ** 63


def _is_finite(v) -> bool:
    if not isinstance(v, numbers.Real) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an integer too large for a float
        return False


def _int(value: dict, key: str, where, minimum: int, default=None) -> None:
    v = value.get(key, default) if default is not None else _field(value, key, where)
    if not (_is_int(v) and v >= minimum):
        raise JournalError(f"{where}: {key!r} must be an integer >= {minimum}, got {_short(v)}")


def _numbers(values, n: int, key: str, where, *, nulls: bool, what: str = "a list of {n} numbers") -> None:
    def ok(v):
        return (v is None and nulls) or _is_finite(v)

    if not (isinstance(values, list) and len(values) == n and all(ok(v) for v in values)):
        raise JournalError(f"{where}: {key!r} must be {what.format(n=n)}, got {_short(values)}")


def _short(value, limit: int = 80) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + " ..."
