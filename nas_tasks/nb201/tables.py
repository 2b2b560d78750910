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

Both benchmark files are Python pickles, and a crafted pickle can run code when it is read. They
are read only with ``trust_pickle=True``, and then with a restricted unpickler that builds nothing
but containers, numbers, strings and NumPy arrays (:mod:`nas_tasks.safe_load`). The cached
extracts are Parquet files, read only when nobody but the current user could have written them
(:func:`nas_tasks.safe_load.cache_entry_problem`). A file that cannot be read as its format raises
:class:`~nas_tasks.safe_load.BadFileError` naming the file and the format.
"""
from __future__ import annotations

import collections
import importlib.util
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from lamoo.exceptions import InvalidInputError, LamooError
from nas_tasks.cache import cache_dir, cache_key, cache_path, write_atomic
from nas_tasks.nb201.datasets import column_prefix
from nas_tasks.safe_load import (BadFileError, cache_entry_problem, check_trust_pickle, folder_problem, load_pickle,
                                 torch_load)

_VERSION = 2  # 2: Parquet cache entries (1 was pickled DataFrames, never read again)
CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zip", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
NB201_SUFFIXES = (".pth", ".pt")
NATS_SUFFIXES = (".pickle.pbz2", ".pbz2")
PICKLE_FORMATS = {"nb201": "NAS-Bench-201 file", "nats": "NATS-Bench topology archive"}
"""The table kinds that are Python pickles (read only with ``trust_pickle=True``)."""


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


def load_table(path: str | os.PathLike, *, hp: str = "200", cache: bool = True,
               trust_pickle: bool = False) -> tuple[pd.DataFrame, str]:
    """Read a benchmark table: returns ``(frame, kind)``, a frame of at least one row.

    ``hp`` only applies to the benchmark APIs (NAS-Bench-201 / NATS-Bench); ``cache`` keeps their
    extracted tables on disk; ``trust_pickle`` must be True to read those two formats, which are
    Python pickles (see the module docstring). Raises :class:`TableNotFoundError`,
    :class:`~nas_tasks.safe_load.PickleNotTrustedError` or
    :class:`~nas_tasks.safe_load.BadFileError`, each naming the file."""
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidInputError(f"table must be a path (str or os.PathLike) or a DataFrame, got {path!r}")
    for name, flag in (("cache", cache), ("trust_pickle", trust_pickle)):
        if not isinstance(flag, (bool, np.bool_)):
            raise InvalidInputError(f"{name} must be True or False, got {flag!r}")
    path = os.path.expanduser(path)
    if not os.path.exists(path):
        raise TableNotFoundError(f"table file not found: {str(path)!r} (absolute: {os.path.abspath(path)!r})")
    kind = table_kind(path)
    if kind == "csv":
        frame = _read_csv(path)
    elif kind == "parquet":
        frame = _read_parquet(path)
    else:
        check_trust_pickle(trust_pickle, path, PICKLE_FORMATS[kind])
        frame = _benchmark_frame(path, kind, str(hp), cache)
    if len(frame) == 0 or len(frame.columns) == 0:
        raise BadFileError(f"table {str(path)!r} has no rows: expected one row per architecture, with an 'arch' "
                           f"column and metric columns (columns found: {list(map(str, frame.columns))})")
    return frame, kind


def _read_csv(path: str) -> pd.DataFrame:
    sep = "\t" if str(path).lower().endswith(".tsv") else ","
    expected = f"{'tab' if sep == chr(9) else 'comma'}-separated UTF-8 text with a header line"
    try:
        return pd.read_csv(path, sep=sep)
    except pd.errors.EmptyDataError:
        raise BadFileError(f"table {str(path)!r} is empty: expected {expected} naming an 'arch' column and metric "
                           f"columns") from None
    except Exception as exc:  # noqa: BLE001 - the parser and decompressors raise many kinds of errors
        raise BadFileError(f"table {str(path)!r} is not a readable CSV table ({expected}): "
                           f"{type(exc).__name__}: {str(exc)[:200]}") from None


def _read_parquet(path: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except ImportError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds of errors for damaged files
        raise BadFileError(f"table {str(path)!r} is not a readable Parquet file: {type(exc).__name__}: "
                           f"{str(exc)[:200]}") from None


def _benchmark_frame(path: str, kind: str, hp: str, cache: bool) -> pd.DataFrame:
    """The table of a NAS-Bench-201 / NATS-Bench file, through the Parquet cache when ``cache``."""
    entry = _cache_entry(path, kind, hp) if cache else None
    if entry is not None and entry.exists():
        cached = _read_cache_entry(entry)
        if cached is not None:
            return cached
    try:
        frame = _nb201_frame(path, hp) if kind == "nb201" else _nats_frame(path, hp)
    except LamooError:
        raise
    except Exception as exc:  # noqa: BLE001 - the benchmark APIs raise assorted errors for malformed content
        raise BadFileError(f"{str(path)!r} has the layout of a {PICKLE_FORMATS[kind]} but its content cannot be "
                           f"read: {type(exc).__name__}: {str(exc)[:200]}") from None
    if entry is not None:
        write_atomic(entry, lambda tmp: frame.to_parquet(tmp, index=False))
    return frame


def _cache_entry(path: str, kind: str, hp: str) -> Path | None:
    """The cache file of a benchmark file's table, or None when there is no cache to use: no
    Parquet engine, or a cache folder other users can write to (then with a warning)."""
    if importlib.util.find_spec("pyarrow") is None:
        return None
    st = os.stat(path)
    key = cache_key(_VERSION, kind, os.path.abspath(path), st.st_size, st.st_mtime_ns, hp)
    entry = cache_path("nb201-tables", f"{kind}-hp{hp}-{key}.parquet")
    problem = folder_problem(entry.parent, cache_dir())
    if problem is not None:
        warnings.warn(f"not using the table cache in {entry.parent}: {problem}", RuntimeWarning, stacklevel=5)
        return None
    return entry


def _read_cache_entry(entry: Path) -> pd.DataFrame | None:
    """The cached table, or None when it is damaged or another user could have written it (then
    with a warning naming the reason)."""
    problem = cache_entry_problem(entry, cache_dir())
    if problem is not None:
        warnings.warn(f"not reading the cached table {entry}: {problem}; the table is extracted again",
                      RuntimeWarning, stacklevel=5)
        return None
    try:
        return pd.read_parquet(entry)
    except Exception:  # noqa: BLE001 - a damaged cache entry is rebuilt
        return None


# ------------------------------------------------------------------------- NAS-Bench-201 (.pth)
NB201_KEYS = ("meta_archs", "arch2infos", "evaluated_indexes")


def read_nb201_file(path: str | os.PathLike, *, trust_pickle: bool = False) -> dict:
    """The dict stored in an official NAS-Bench-201 ``.pth`` file.

    ``nas_201_api.NASBench201API(path)`` calls ``torch.load(path)``, which refuses these files
    on torch >= 2.6 (they hold NumPy scalars). This reads them with PyTorch's weights-only
    unpickler, allowing the NumPy types the files hold and nothing else
    (:func:`nas_tasks.safe_load.torch_load`), and only with ``trust_pickle=True``.

    Raises:
        PickleNotTrustedError: ``trust_pickle`` is not True.
        BadFileError: the file is not a NAS-Bench-201 file (UnsafePickleError: it names a type
            such files never hold).
    """
    what = PICKLE_FORMATS["nb201"]
    check_trust_pickle(trust_pickle, path, f"{what} (.pth)")
    data = torch_load(path, what)
    if not isinstance(data, dict) or not set(NB201_KEYS) <= set(data):
        raise BadFileError(
            f"{str(path)!r} is not a {what}: expected a dict with keys {', '.join(NB201_KEYS)}, got "
            f"{type(data).__name__}" + (f" with keys {sorted(map(str, data))[:10]}" if isinstance(data, dict) else ""))
    _check_meta_archs(data["meta_archs"], path)
    if not isinstance(data["arch2infos"], dict):
        raise BadFileError(f"{str(path)!r}: arch2infos must be a dict, got {type(data['arch2infos']).__name__}")
    return data


def _check_meta_archs(archs, path) -> None:
    if not isinstance(archs, (list, tuple)) or not all(isinstance(a, str) for a in archs):
        raise BadFileError(f"{str(path)!r}: meta_archs must be a list of arch strings, got {type(archs).__name__}")


def nb201_api_frame(api, hp: str = "200", load_infos=None) -> pd.DataFrame:
    """One row per architecture of a ``NASBench201API`` or NATS-Bench topology API object
    (columns: see the module docstring). ``load_infos(index)``, when given, returns the
    architecture's ``{hp: ArchResults state dict}`` (read one at a time, so that a whole
    NATS-Bench archive never sits in memory)."""
    rows = []
    for index in range(len(api)):
        row = {"index": index, "arch": api.meta_archs[index]}
        if load_infos is not None:
            _feed(api, index, load_infos(index))
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
        if load_infos is not None:
            api.arch2infos_dict.pop(index, None)  # keep the memory flat while streaming the archive
    return pd.DataFrame(rows)


def _feed(api, index: int, infos: dict) -> None:
    """Give ``api`` the results of architecture ``index`` (as its own fast mode does)."""
    from nats_bench.api_utils import ArchResults

    if not isinstance(infos, dict):
        raise BadFileError(f"the results of architecture {index} must be a dict of {{hp: results}}, "
                           f"got {type(infos).__name__}")
    if infos:
        api.arch2infos_dict[index] = collections.OrderedDict(
            (hp, ArchResults.create_from_state_dict(state)) for hp, state in infos.items())
        api.evaluated_indexes.add(index)


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
    api = _quiet(api_mod.NASBench201API, read_nb201_file(path, trust_pickle=True), verbose=False)
    return nb201_api_frame(api, hp)


# ---------------------------------------------------------------------------------- NATS-Bench
def _nats_frame(path, hp: str) -> pd.DataFrame:
    """The table of a NATS-Bench topology archive, each pickle read with the restricted
    unpickler: the single ``.pickle.pbz2`` file, or the fast-mode folder (``meta.pickle.pbz2``
    and one ``{index:06d}.pickle.pbz2`` per architecture)."""
    from lamoo.exceptions import require

    nats = require("nats_bench", "nas")
    what = PICKLE_FORMATS["nats"]
    if os.path.isdir(path):
        meta = _nats_pickle(Path(path) / "meta.pickle.pbz2", what, required=("meta_archs",))
        load_infos = lambda index: _nats_arch_file(Path(path), index)  # noqa: E731
    else:
        meta = _nats_pickle(path, what, required=NB201_KEYS)
        arch2infos = meta["arch2infos"]
        if not isinstance(arch2infos, dict):
            raise BadFileError(f"{str(path)!r}: arch2infos must be a dict, got {type(arch2infos).__name__}")
        load_infos = lambda index: arch2infos.pop(index, {})  # noqa: E731
    _check_meta_archs(meta["meta_archs"], path)
    api = _quiet(nats.create, {"meta_archs": list(meta["meta_archs"]), "arch2infos": {}, "evaluated_indexes": []},
                 "tss", fast_mode=False, verbose=False)
    return nb201_api_frame(api, hp, load_infos)


def _nats_pickle(path, what: str, required: tuple[str, ...]) -> dict:
    if not os.path.isfile(path):
        raise BadFileError(f"cannot read {what} {str(Path(path).parent)!r}: {Path(path).name} is missing")
    data = load_pickle(path, what, compression="bz2")
    if not isinstance(data, dict) or not set(required) <= set(data):
        raise BadFileError(f"{str(path)!r} is not part of a {what}: expected a dict with keys {', '.join(required)}, "
                           f"got {type(data).__name__}")
    return data


def _nats_arch_file(folder: Path, index: int) -> dict:
    """``{hp: results}`` of architecture ``index`` in a fast-mode folder ({} when it has no file)."""
    for name in (f"{index:06d}.pickle.pbz2", f"{index}.pickle.pbz2"):
        if (folder / name).is_file():
            return load_pickle(folder / name, PICKLE_FORMATS["nats"], compression="bz2")
    return {}
