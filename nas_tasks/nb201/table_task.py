"""``NB201TableTask``: multi-objective NAS on the NAS-Bench-201 cells of a benchmark table."""
from __future__ import annotations

import hashlib
import os
import warnings

import numpy as np
import pandas as pd

from lamoo.checks import check_int
from lamoo.exceptions import InvalidInputError
from lamoo.pareto import hypervolume, non_dominated_mask
from lamoo.task import ObjectiveSpec, check_ref_point, to_minimization
from nas_tasks.objectives.specs import format_objective, is_accuracy, parse_objectives, resolve_direction
from nas_tasks.nb201.datasets import DatasetSpec, dataset_of_column, get_dataset
from nas_tasks.nb201.encoding import NUM_EDGES, canonical_index, decode_many, is_connected, search_space, try_encode_many
from nas_tasks.nb201.tables import load_table

COMPUTED = ("params", "flops")
"""Metrics computed from lamoo's own NB201 network, in millions (see :mod:`nas_tasks.nb201.cost`)."""


class NB201TableTask:
    """Query a NAS-Bench-201 benchmark table: a finite task whose candidates are the table's cells.

    Args:
        table: a CSV/Parquet file with an ``arch`` column (row ``i`` is benchmark index ``i`` in
            the shared ``nb201_cifar.csv``), an official NAS-Bench-201 ``.pth`` file, a NATS-Bench
            topology archive (both are Python pickles: see ``trust_pickle``), or a
            ``pandas.DataFrame`` with an ``arch`` column (see :mod:`nas_tasks.nb201.tables`).
        objectives: names (or one comma-separated string), each a table column, a computed metric
            (``"params"``, ``"flops"``; a table column of that name takes precedence) or a column
            name without the dataset prefix (``"test_acc"`` means ``"cifar100_test_acc"`` when
            ``dataset="cifar100"``). A ``:max`` / ``:min`` suffix (or ``:maximize`` /
            ``:minimize``) sets the direction; without one,
            accuracy-like names maximize and cost-like names (params, flops, latency*, energy*,
            loss, time ...) minimize (:mod:`nas_tasks.objectives.specs`).
        dataset: ``"cifar10"``, ``"cifar10-valid"``, ``"cifar100"`` or ``"ImageNet16-120"``:
            the input size and class count of ``params``/``flops`` and of the random-guess
            reference. Another name works when ``num_classes`` and ``input_size`` are given.
        ref_point: in raw units; default: random-guess accuracy (``100 / classes``, or
            ``1 / classes`` for a column of fractions) for accuracy objectives, where the classes
            are those of the dataset the column is named after (``cifar100_*`` -> 100) or else of
            ``dataset``; the table's worst value for every other objective.
        hp: training schedule read from NAS-Bench-201 / NATS-Bench files (``"200"`` epochs by
            default; ``"12"``); ignored for CSV/Parquet tables.
        on_nan: ``"raise"`` (default): an objective with missing values is an error naming the
            rows; ``"drop"``: those rows are left out of the search space.
        cache: keep computed costs and extracted benchmark tables in ``$LAMOO_CACHE_DIR``.
        trust_pickle: must be True to read a NAS-Bench-201 ``.pth`` file or a NATS-Bench archive:
            both formats are Python pickles, which can run code when read. They are then read with
            a restricted unpickler (containers, numbers, strings, NumPy arrays; see
            :mod:`nas_tasks.safe_load`). Only for files from a source you trust.

    Raises:
        InvalidInputError: a bad argument or table content, naming it; its subclasses
            :class:`~nas_tasks.nb201.tables.TableNotFoundError`,
            :class:`~nas_tasks.safe_load.BadFileError` (a file that is not in its format) and
            :class:`~nas_tasks.safe_load.PickleNotTrustedError`.

    Attributes:
        space: the finite :class:`lamoo.SearchSpace` of the table's cells (``N x 6`` codes).
        objectives, ref_point, ideal_point (best value of each objective), max_hypervolume
        (hypervolume of the whole table's Pareto front): as :class:`lamoo.task.Task` asks.
        table: the table (one row per candidate, in space order) with the computed metrics that
            were asked for. codes: ``(N x 6)`` int64. columns: each objective as given (without
            suffix) -> the column it reads (the objective's name).

    ``evaluate(X)`` maps ``(n x 6)`` codes to ``(n x m)`` raw objective values, by row look-up.
    """

    name = "nb201"

    def __init__(self, table, objectives, dataset: str = "cifar10", ref_point=None, *, hp: str = "200",
                 num_classes: int | None = None, input_size: int | None = None, on_nan: str = "raise",
                 cache: bool = True, trust_pickle: bool = False):
        if on_nan not in ("raise", "drop"):
            raise InvalidInputError(f"on_nan must be 'raise' or 'drop', got {on_nan!r}")
        if isinstance(hp, bool) or not isinstance(hp, (str, int)) or not str(hp).isdigit():
            raise InvalidInputError(f"hp must be a training schedule such as '200' or '12' (epochs), got {hp!r}")
        self.hp = str(hp)
        self.dataset_name = str(dataset)
        self.dataset, self.num_classes, self.input_size = _dataset(dataset, num_classes, input_size)
        self.cache = cache
        if isinstance(table, pd.DataFrame):
            frame, self.kind, self.source = table.copy(), "dataframe", "<DataFrame>"
        else:
            frame, self.kind = load_table(table, hp=self.hp, cache=cache, trust_pickle=trust_pickle)
            self.source = os.path.abspath(os.path.expanduser(table))
        codes = self._parse_archs(frame)
        specs = parse_objectives(objectives)
        self.columns: dict[str, str] = {}
        objective_specs = []
        for name, direction in specs:
            column = self._resolve_column(name, frame)
            if column in COMPUTED and column not in frame.columns:
                frame[column] = self._computed(column, codes)
            objective_specs.append(ObjectiveSpec(column, resolve_direction(column, direction)))
            self.columns[name] = column
        if len(set(self.columns.values())) != len(specs):
            raise InvalidInputError(f"objectives {[n for n, _ in specs]} name the same column twice: {self.columns}")
        self._warn_if_costs_describe_another_dataset()
        self.objectives = tuple(objective_specs)
        Y = self._values(frame, on_nan)
        keep = ~np.isnan(Y).any(axis=1)
        self.n_dropped = int((~keep).sum())
        self._file_rows = np.flatnonzero(keep)  # each candidate's row in the table as read
        self.table = frame.loc[keep].reset_index(drop=True)
        self.codes = codes[keep]
        self._Y = Y[keep]
        self._Y.flags.writeable = False
        self.space = search_space(self.codes)
        self.ideal_point = np.where([o.direction == "maximize" for o in self.objectives],
                                    self._Y.max(axis=0), self._Y.min(axis=0))
        if ref_point is None:
            ref_point = self.default_ref_point()
            self._check_default_ref_point(ref_point)
        self.ref_point = check_ref_point(ref_point, self.objectives, self.ideal_point)
        F, ref_F = to_minimization(self._Y, self.objectives), to_minimization(self.ref_point, self.objectives)
        self._front_mask = non_dominated_mask(F) & (F < ref_F).all(axis=1)
        self.max_hypervolume = hypervolume(F[self._front_mask], ref_F)

    # ------------------------------------------------------------------ construction helpers
    def _parse_archs(self, frame: pd.DataFrame) -> np.ndarray:
        if "arch" not in frame.columns:
            raise InvalidInputError(f"table {self.source!r} has no 'arch' column; its columns are {list(frame.columns)}")
        codes, errors = try_encode_many(frame["arch"].tolist())
        if errors:
            i, msg = errors[0]
            raise InvalidInputError(f"table {self.source!r} row {i}: {msg}"
                                    + (f" ({len(errors)} bad rows in all, e.g. rows {[e[0] for e in errors[:10]]})"
                                       if len(errors) > 1 else ""))
        lex = codes @ (5 ** np.arange(NUM_EDGES - 1, -1, -1))
        order = np.argsort(lex, kind="stable")
        dup = np.flatnonzero(np.diff(lex[order]) == 0)
        if len(dup):
            a, b = order[dup[0]], order[dup[0] + 1]
            raise InvalidInputError(f"table {self.source!r} lists the same cell twice: rows {a} and {b} "
                                    f"({frame['arch'].iloc[a]!r}); {len(dup)} duplicates in all")
        return codes

    def _resolve_column(self, name: str, frame: pd.DataFrame) -> str:
        if (frame.columns == name).sum() > 1:
            raise InvalidInputError(f"table {self.source!r} has {(frame.columns == name).sum()} columns named {name!r}; "
                                    f"an objective column must be unique")
        if name in frame.columns or name in COMPUTED:
            return name
        prefixed = f"{self.dataset.prefix}_{name}" if self.dataset is not None else None
        if prefixed in frame.columns:
            return prefixed
        numeric = [c for c in frame.columns if c != "arch" and pd.api.types.is_numeric_dtype(frame[c])]
        raise InvalidInputError(
            f"unknown objective {name!r}: not a column of table {self.source!r} nor a computed metric; "
            f"available: {', '.join(map(str, numeric))}, and computed: {', '.join(COMPUTED)}")

    def _warn_if_costs_describe_another_dataset(self) -> None:
        """Computed ``params``/``flops`` are for ``dataset``'s class count and input size; warn when
        another objective's column is about a dataset with other ones (e.g. ``cifar100_test_acc``
        beside ``params`` with the default ``dataset="cifar10"``)."""
        computed = [c for c in self.columns.values() if c in COMPUTED]
        if not computed:
            return
        for column in self.columns.values():
            spec = dataset_of_column(column)
            if spec is not None and (spec.num_classes, spec.input_size) != (self.num_classes, self.input_size):
                warnings.warn(f"{computed} are computed for {self.num_classes} classes and {self.input_size}px inputs "
                              f"(dataset={self.dataset_name!r}), but objective {column!r} is about a dataset with "
                              f"{spec.num_classes} classes and {spec.input_size}px inputs: pass that dataset's "
                              f"name as dataset= to compute them for it", UserWarning, stacklevel=3)
                return

    def _computed(self, metric: str, codes: np.ndarray) -> np.ndarray:
        from nas_tasks.nb201.cost import params_flops

        params, flops = params_flops(codes, input_size=self.input_size, num_classes=self.num_classes, cache=self.cache)
        return params if metric == "params" else flops

    def _values(self, frame: pd.DataFrame, on_nan: str) -> np.ndarray:
        cols = []
        for o in self.objectives:
            col = frame[o.name]
            if getattr(col.dtype, "kind", "O") not in "iuf":
                raise InvalidInputError(self._not_numeric(o.name, col))
            cols.append(col.to_numpy(dtype=float, na_value=np.nan))
        Y = np.column_stack(cols)
        Y[np.isinf(Y)] = np.nan
        bad = np.isnan(Y)
        if bad.any() and on_nan == "raise":
            parts = []
            for j, o in enumerate(self.objectives):
                rows = np.flatnonzero(bad[:, j])
                if len(rows):
                    parts.append(f"{o.name!r} in {len(rows)} rows (e.g. {rows[:10].tolist()})")
            raise InvalidInputError(f"table {self.source!r} has missing (NaN or infinite) values: {'; '.join(parts)}. "
                                    f"Pass on_nan='drop' to leave those rows out")
        if bad.any(axis=1).all():
            raise InvalidInputError(f"table {self.source!r} has no row with every objective present")
        return Y

    def _not_numeric(self, name: str, col: pd.Series) -> str:
        """Why objective column ``name`` is not numbers, quoting its first bad cell."""
        what = f"objective column {name!r} of table {self.source!r}"
        if pd.api.types.is_bool_dtype(col):
            return f"{what} is not numeric: it holds True/False values"
        if col.dtype.kind == "c":
            return f"{what} is not numeric: it holds complex numbers, and objectives are real numbers"
        coerced = pd.to_numeric(col, errors="coerce") if col.dtype.kind == "O" else pd.Series(np.nan, index=col.index)
        bad = np.flatnonzero(coerced.isna().to_numpy() & col.notna().to_numpy())
        if len(bad) == 0:
            return f"{what} is not numeric (dtype {col.dtype})"
        more = f"; {len(bad)} such rows, e.g. rows {bad[:10].tolist()}" if len(bad) > 1 else ""
        return f"{what} is not numeric: row {bad[0]} holds {col.iloc[bad[0]]!r} (dtype {col.dtype}{more})"

    def _check_default_ref_point(self, ref: np.ndarray) -> None:
        """Explain, naming the objective, why the default reference point cannot be dominated:
        a constant column (its worst value is its best), or accuracies all at or below random
        guessing."""
        for j, o in enumerate(self.objectives):
            best = float(self.ideal_point[j])
            if o.sign * ref[j] > o.sign * best:
                continue
            random_guess = o.direction == "maximize" and is_accuracy(o.name)
            if not random_guess:  # the default is the worst value: it is the best only in a constant column
                raise InvalidInputError(
                    f"objective {o.name!r} is constant in table {self.source!r}: every cell has {best:g}. A constant "
                    f"objective cannot be traded off, and its default reference point (the table's worst value) is "
                    f"its best value, so no cell could dominate it. Leave it out of the objectives, or pass "
                    f"ref_point= with a value worse than {best:g}")
            spec = dataset_of_column(o.name)
            raise InvalidInputError(
                f"objective {o.name!r}: its default reference point is random-guess accuracy, {ref[j]:g} for "
                f"{self.num_classes if spec is None else spec.num_classes} classes, but no cell of table "
                f"{self.source!r} does better (best: {best:g}), so none could dominate it; pass ref_point=, or the "
                f"dataset (or num_classes) the column is about")

    def default_ref_point(self) -> np.ndarray:
        """The contract's default reference point (see the class docstring), in raw units."""
        ref = []
        for j, o in enumerate(self.objectives):
            y = self._Y[:, j]
            if o.direction == "maximize" and is_accuracy(o.name):
                spec = dataset_of_column(o.name)
                classes = spec.num_classes if spec is not None else self.num_classes
                ref.append((1.0 if np.nanmax(y) <= 1.0 else 100.0) / classes)
            else:
                ref.append(float(np.min(y) if o.direction == "maximize" else np.max(y)))
        return np.array(ref)

    # ------------------------------------------------------------------ queries
    def rows(self, X) -> np.ndarray:
        """``(n,)`` table rows of ``(n x 6)`` codes; raises naming the first cell not in the table."""
        X = self.space.as_points(X, f"X (n x {NUM_EDGES} cell codes, one per edge)")
        rows = self.space.candidate_index(X)
        if (rows < 0).any():
            self.space.validate(X)  # raises with the precise reason
        return rows

    def evaluate(self, X) -> np.ndarray:
        """``(n x 6)`` codes -> ``(n x m)`` raw objective values (directions as ``objectives``)."""
        return self._Y[self.rows(X)].copy()

    def point_labels(self, X) -> pd.DataFrame:
        """What names each cell of ``X`` (``n x 6`` codes) in results tables: ``arch`` (its
        NAS-Bench-201 arch string) and ``table_index`` (the table's ``index`` column, the
        NAS-Bench-201 index, when it has one; else the cell's row in the table as read, which is
        the NAS-Bench-201 index in the shared table)."""
        rows = self.rows(X)
        index = self.table["index"].to_numpy()[rows] if "index" in self.table.columns else self._file_rows[rows]
        return pd.DataFrame({"arch": decode_many(self.codes[rows]), "table_index": index})

    def lookup(self, X) -> pd.DataFrame:
        """The table rows (all columns) of ``(n x 6)`` codes."""
        return self.table.iloc[self.rows(X)]

    @property
    def Y(self) -> np.ndarray:
        """``(N x m)`` objective values of every candidate, in space order (read-only)."""
        return self._Y

    @property
    def connected(self) -> np.ndarray:
        """``(N,)`` bool: False for the disconnected cells (output always zero)."""
        return is_connected(self.codes)

    @property
    def isomorphism_class(self) -> np.ndarray:
        """``(N,)`` int: equal for isomorphic cells (the lexicographic index of the class
        representative, :func:`~nas_tasks.nb201.encoding.canonical_index`). Informative only:
        no row is ever dropped for being isomorphic to another."""
        return canonical_index(self.codes)

    def exact_pareto_front(self) -> pd.DataFrame:
        """The whole table's Pareto front (the points that define :attr:`max_hypervolume`):
        columns ``arch`` and the objectives, indexed by table row, sorted by the first objective."""
        rows = np.flatnonzero(self._front_mask)
        front = pd.DataFrame(self._Y[rows], columns=[o.name for o in self.objectives], index=rows)
        front.insert(0, "arch", decode_many(self.codes[rows]))
        front.index.name = "row"
        return front.sort_values(self.objectives[0].name, ascending=self.objectives[0].direction == "minimize")

    def content_hash(self) -> str:
        """SHA-256 of what a run sees of the table: the cells (codes) and each objective's name,
        direction and values. Two tables with the same cells and other values hash apart."""
        h = hashlib.sha256()
        h.update(np.ascontiguousarray(self.codes, dtype=np.int64).tobytes())
        h.update(repr([(o.name, o.direction) for o in self.objectives]).encode())
        h.update(np.ascontiguousarray(self._Y, dtype=np.float64).tobytes())
        return h.hexdigest()

    def describe(self) -> dict:
        """A JSON-serialisable description (recorded in run journals; a resume compares all of it
        but ``"execution"``, the table's location)."""
        return {
            "task": "nb201-table", "content_sha256": self.content_hash(), "kind": self.kind,
            "execution": {"table": self.source},
            "hp": self.hp if self.kind in ("nb201", "nats") else None,
            "dataset": self.dataset.name if self.dataset is not None else self.dataset_name,
            "num_classes": self.num_classes, "input_size": self.input_size,
            "objectives": [format_objective(o.name, o.direction) for o in self.objectives],
            "n_cells": int(len(self.codes)), "n_dropped": self.n_dropped,
            "n_disconnected": int((~self.connected).sum()),
            "ref_point": self.ref_point.tolist(), "ideal_point": self.ideal_point.tolist(),
            "max_hypervolume": float(self.max_hypervolume), "n_pareto": int(self._front_mask.sum()),
        }

    def __repr__(self) -> str:
        objs = ", ".join(format_objective(o.name, o.direction) for o in self.objectives)
        return f"NB201TableTask({self.source!r}, [{objs}], {len(self.codes)} cells)"


def _dataset(dataset, num_classes, input_size) -> tuple[DatasetSpec | None, int, int]:
    for name, value in (("num_classes", num_classes), ("input_size", input_size)):
        check_int(value, name, 1, allow_none=True)
    if num_classes is not None and input_size is not None:
        try:
            spec = get_dataset(dataset)
        except InvalidInputError:
            spec = None
        return spec, int(num_classes), int(input_size)
    spec = get_dataset(dataset)
    return spec, int(num_classes or spec.num_classes), int(input_size or spec.input_size)


__all__ = ["COMPUTED", "NB201TableTask"]
