"""Run records on disk: one JSON file per run, written atomically, read back for the report.

A record is ``<out>/json/<task>__<method>__s<seed>.json`` with ``"schema": SCHEMA``; the keys
are listed in ``benchmarks/README.md`` ("Results"). It is written once, when the run ends (a
temporary file renamed into place), so a file that exists is complete.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from lamoo.exceptions import InvalidInputError

SCHEMA = "lamoo-bench-run/1"


def write_json_atomic(path: Path, data: dict) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place (NaN refused;
    numpy scalars and arrays written as numbers and lists)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as fh:
        json.dump(data, fh, indent=1, allow_nan=False, default=_json_default)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _json_default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return repr(value)


def is_run_record(data) -> bool:
    return isinstance(data, dict) and str(data.get("schema", "")).startswith("lamoo-bench-run/")


def load_runs(folder) -> list[dict]:
    """Every run record of a results folder (``folder/json/*.json``, and ``folder/*.json``),
    each with ``"_path"`` added; :class:`InvalidInputError` when there is none, saying how to
    make them."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInputError(f"results folder not found: {folder}")
    runs = []
    for path in sorted(list((folder / "json").glob("*.json")) + list(folder.glob("*.json"))):
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise InvalidInputError(f"{path} is not a readable run record: {exc}") from None
        if is_run_record(data):
            data["_path"] = str(path)
            runs.append(data)
    if not runs:
        hint = "" if (folder / "json").is_dir() else _missing_records_hint(folder)
        raise InvalidInputError(f"no run records (json/*.json written by 'lamoo bench') in {folder}{hint}")
    return runs


def _missing_records_hint(folder: Path) -> str:
    """How to make the records of a results folder without ``json/`` (not committed with it)."""
    listed = [str(folder / name) for name in ("REPORT.md", "grid.json") if (folder / name).is_file()]
    if not listed:
        how = f"run a 'lamoo bench' grid with --out {folder}"
    elif len(listed) == 1:
        how = f"run the 'lamoo bench' commands listed in {listed[0]}"
    else:
        how = f"run the 'lamoo bench' commands listed in {listed[0]} (or logged in {listed[1]})"
    return (f": {folder / 'json'}/ does not exist. The per-run records are not committed with the results; "
            f"{how} to write them, then 'lamoo bench-report {folder}' again")


def append_manifest(out: Path, entry: dict) -> None:
    """Append ``entry`` (a command as typed, when, how many runs) to ``out/grid.json``."""
    path = Path(out) / "grid.json"
    manifest = json.loads(path.read_text()) if path.exists() else {"commands": []}
    manifest["commands"].append(entry)
    write_json_atomic(path, manifest)
