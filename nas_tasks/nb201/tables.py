"""Reading NAS-Bench-201 benchmark tables into a DataFrame with an ``arch`` column.

Sources (chosen by :func:`load_table` from the path):

* a CSV or Parquet file (``.csv``, ``.csv.gz``, ``.parquet``, ``.pq``) with an ``arch`` column of
  arch strings and any metric columns (``../shared/data/nb201/nb201_cifar.csv`` is one);
* an official NAS-Bench-201 file (``.pth``), read through ``nas_201_api``;
* a NATS-Bench topology archive, read through ``nats_bench`` (never downloading): the
  fast-mode directory (``NATS-tss-v1_0-3ffb9-simple/``) or the single ``.pickle.pbz2`` file.

The benchmark APIs are turned into one row per architecture, in benchmark index order, with
these columns per dataset ``d`` they hold (prefix ``p`` = :func:`~nas_tasks.nb201.datasets.column_prefix`
of ``d``: ``cifar10_valid``, ``cifar10``, ``cifar100``, ``imagenet16_120``): ``p_train_acc``,
``p_valid_acc``, ``p_test_acc``, ``p_valtest_acc`` (in %, averaged over the trials/seeds, where the
benchmark has them), ``p_train_loss``, ``p_valid_loss``, ``p_test_loss``, ``p_train_time``
(seconds for the whole training), ``flops_p``, ``params_p`` (as the benchmark reports them) and
``latency_ms_p`` (the benchmark's GPU latency). ``index`` is the benchmark index. Results are for
``hp="200"`` (200 training epochs) unless ``hp`` says otherwise (``"12"``; NATS-Bench also has
``"01"``, ``"90"`` where present). Extracting the 15,625 architectures takes a while, so the
DataFrame is cached under ``$LAMOO_CACHE_DIR/nb201-tables`` keyed by the file's path, size, time
stamp and ``hp``.

Both benchmark files are Python pickles: loading one can run arbitrary code. Only read files you
trust (the official releases).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from lamoo.exceptions import InvalidInputError
from nas_tasks.cache import cache_key, cache_path, write_atomic
from nas_tasks.nb201.datasets import column_prefix

_VERSION = 1
CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zip", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
NB201_SUFFIXES = (".pth", ".pt")
NATS_SUFFIXES = (".pickle.pbz2", ".pbz2")


class TableNotFoundError(InvalidInputError, FileNotFoundError):
    """A benchmark table path that does not exist."""


def table_kind(path: str | os.PathLike) -> str:
    """``"csv"``, ``"parquet"``, ``"nb201"`` or ``"nats"`` from the path (raises if unknown)."""
    p = Path(path)
    name = p.name.lower()
    if p.is_dir():
        return "nats"
    for kind, suffixes in (("csv", CSV_SUFFIXES), ("parquet", PARQUET_SUFFIXES), ("nb201", NB201_SUFFIXES),
                           ("nats", NATS_SUFFIXES)):
        if name.endswith(suffixes):
            return kind
    raise InvalidInputError(
        f"cannot tell the format of table {str(path)!r}: expected a CSV ({', '.join(CSV_SUFFIXES)}), Parquet "
        f"({', '.join(PARQUET_SUFFIXES)}), NAS-Bench-201 ({', '.join(NB201_SUFFIXES)}) file, or a NATS-Bench "
        f"topology archive (a fast-mode directory or {NATS_SUFFIXES[0]})")


def load_table(path: str | os.PathLike, *, hp: str = "200", cache: bool = True) -> tuple[pd.DataFrame, str]:
    """Read a benchmark table: returns ``(frame, kind)``. ``hp`` only applies to the benchmark
    APIs (NAS-Bench-201 / NATS-Bench); ``cache`` keeps their extracted tables on disk."""
    path = os.path.expanduser(path)
    if not os.path.exists(path):
        raise TableNotFoundError(f"table file not found: {str(path)!r} (absolute: {os.path.abspath(path)!r})")
    kind = table_kind(path)
    if kind == "csv":
        return pd.read_csv(path, sep="\t" if str(path).lower().endswith(".tsv") else ","), kind
    if kind == "parquet":
        return pd.read_parquet(path), kind
    hp = str(hp)
    entry = None
    if cache:
        stat = os.stat(path)
        key = cache_key(_VERSION, kind, os.path.abspath(path), stat.st_size, stat.st_mtime_ns, hp)
        entry = cache_path("nb201-tables", f"{kind}-hp{hp}-{key}.pkl")
        if entry.exists():
            try:
                return pd.read_pickle(entry), kind  # our own file in the user's cache folder
            except Exception:  # noqa: BLE001 - a damaged cache entry is rebuilt
                pass
    frame = _nb201_frame(path, hp) if kind == "nb201" else _nats_frame(path, hp)
    if entry is not None:
        write_atomic(entry, lambda tmp: frame.to_pickle(tmp, compression=None))
    return frame, kind


# ------------------------------------------------------------------------- NAS-Bench-201 (.pth)
def read_nb201_file(path: str | os.PathLike) -> dict:
    """The dict stored in an official NAS-Bench-201 ``.pth`` file.

    ``nas_201_api.NASBench201API(path)`` calls ``torch.load(path)``, which refuses these files
    on torch >= 2.6 (``weights_only=True`` by default): this loads with ``weights_only=False``,
    i.e. it unpickles the file, which can run arbitrary code. Only for files you trust."""
    import torch

    data = torch.load(path, map_location="cpu", weights_only=False)
    if not isinstance(data, dict) or not {"meta_archs", "arch2infos", "evaluated_indexes"} <= set(data):
        raise InvalidInputError(
            f"{str(path)!r} is not a NAS-Bench-201 file: expected a dict with keys meta_archs, arch2infos and "
            f"evaluated_indexes, got {type(data).__name__}"
            + (f" with keys {sorted(map(str, data))[:10]}" if isinstance(data, dict) else ""))
    return data


def nb201_api_frame(api, hp: str = "200") -> pd.DataFrame:
    """One row per architecture of a ``NASBench201API`` or NATS-Bench topology API object
    (columns: see the module docstring)."""
    rows = []
    for index in range(len(api)):
        row = {"index": index, "arch": api.meta_archs[index]}
        if hasattr(api, "_prepare_info"):  # NATS-Bench fast mode loads each architecture lazily
            api._prepare_info(index)
        hp_results = api.arch2infos_dict.get(index, {})
        results = hp_results.get(str(hp))
        if results is None:
            if hp_results:
                raise InvalidInputError(
                    f"architecture {index} has no results for hp={hp!r}; available: {sorted(hp_results)}")
            rows.append(row)
            continue
        for dataset in results.get_dataset_names():
            row.update(_dataset_columns(api, index, dataset, hp))
        rows.append(row)
        if hasattr(api, "_prepare_info") and getattr(api, "fast_mode", False):
            api.arch2infos_dict.pop(index, None)  # keep the memory flat while streaming the archive
    return pd.DataFrame(rows)


def _dataset_columns(api, index: int, dataset: str, hp: str) -> dict:
    p = column_prefix(dataset)
    info = api.get_more_info(index, dataset, hp=hp, is_random=False)
    out = {}
    for split in ("train", "valid", "test", "valtest"):
        if f"{split}-accuracy" in info:
            out[f"{p}_{split}_acc"] = _num(info[f"{split}-accuracy"])
            out[f"{p}_{split}_loss"] = _num(info.get(f"{split}-loss"))
    out[f"{p}_train_time"] = _num(info.get("train-all-time"))
    cost = api.get_cost_info(index, dataset, hp=hp)
    out[f"flops_{p}"] = _num(cost.get("flops"))
    out[f"params_{p}"] = _num(cost.get("params"))
    latency = _num(cost.get("latency"))
    out[f"latency_ms_{p}"] = latency * 1000.0 if np.isfinite(latency) else np.nan
    return out


def _num(value) -> float:
    try:
        return float(value) if value is not None else np.nan
    except (TypeError, ValueError):
        return np.nan


def _quiet(fn, *args, **kwargs):
    """Call an API constructor with its chatter sent to /dev/null (the APIs print a lot)."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


def _nb201_frame(path, hp: str) -> pd.DataFrame:
    from lamoo.exceptions import require

    api_mod = require("nas_201_api", "nas")
    api = _quiet(api_mod.NASBench201API, read_nb201_file(path), verbose=False)
    return nb201_api_frame(api, hp)


# ---------------------------------------------------------------------------------- NATS-Bench
def _nats_frame(path, hp: str) -> pd.DataFrame:
    from lamoo.exceptions import require

    nats = require("nats_bench", "nas")
    fast = os.path.isdir(path)
    try:
        api = _quiet(nats.create, str(path), "tss", fast_mode=fast, verbose=False)
    except Exception as exc:  # noqa: BLE001 - the API raises assorted errors for bad archives
        raise InvalidInputError(f"cannot read NATS-Bench topology archive {str(path)!r}: {exc}") from exc
    return nb201_api_frame(api, hp)
