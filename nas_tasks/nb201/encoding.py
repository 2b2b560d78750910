"""The NAS-Bench-201 cell space: encoding, enumeration, connectivity and isomorphism.

A cell is a DAG on 4 nodes (0 = cell input, 3 = cell output); each of its 6 edges ``j <- i``
(``i < j``) carries one of 5 operations. lamoo encodes a cell as an integer vector of length 6,
one code per edge in arch-string order ``1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2``, with the codes of
:data:`OPS` (NAS-Bench-201's own order)::

    |avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|
    -> [4, 2, 1, 2, 1, 1]

Arrays of many cells have shape ``(n x 6)``. The *lexicographic index* of a cell
(:func:`lex_index`, the mixed-radix number of its codes) orders :func:`all_cells`; it is NOT the
NAS-Bench-201 index (a benchmark table's row order), which tables provide themselves.

Only numpy is needed here; the PyTorch network lives in :mod:`nas_tasks.nb201.network`.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from lamoo.exceptions import InvalidInputError

OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
"""Operation names in NAS-Bench-201 order; an op's code is its position here."""
NONE, SKIP, CONV1X1, CONV3X3, AVG_POOL = range(5)

EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
"""``(to, from)`` node pairs of the 6 edges, in encoding (= arch-string) order."""
EDGE_NAMES: tuple[str, ...] = tuple(f"{j}<-{i}" for j, i in EDGES)
NUM_NODES = 4
NUM_EDGES = len(EDGES)
NUM_OPS = len(OPS)
NUM_CELLS = NUM_OPS ** NUM_EDGES  # 15,625
_RADIX = NUM_OPS ** np.arange(NUM_EDGES - 1, -1, -1)  # first edge is the most significant digit
_OP_CODE = {op: k for k, op in enumerate(OPS)}
_TOKEN = re.compile(r"^([A-Za-z0-9_]+)~(\d+)$")


# ---------------------------------------------------------------------------------------- single
def encode(arch: str) -> np.ndarray:
    """Arch string -> ``(6,)`` int64 codes. Within a node the inputs may come in any order, but
    every node must list each earlier node exactly once (NAS-Bench-201's format)."""
    if not isinstance(arch, str):
        raise InvalidInputError(f"arch must be a NAS-Bench-201 arch string, got {type(arch).__name__} {arch!r}")
    k = _ALL_INDEX().get(arch)
    if k is not None:
        return all_cells()[k].copy()
    return _parse(arch)


def _parse(arch: str) -> np.ndarray:
    """Slow, tolerant parser with precise error messages (the fast path is a dict look-up)."""
    expected = ("expected 3 nodes like '|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' with ops from "
                f"{list(OPS)}")
    nodes = arch.strip().split("+")
    if len(nodes) != NUM_NODES - 1:
        raise InvalidInputError(f"cannot parse arch {arch!r}: found {len(nodes)} nodes, {expected}")
    codes = np.empty(NUM_EDGES, dtype=np.int64)
    for j, node in enumerate(nodes, start=1):
        node = node.strip()
        if not (node.startswith("|") and node.endswith("|")):
            raise InvalidInputError(f"cannot parse arch {arch!r}: node {j} {node!r} must be enclosed in '|'; {expected}")
        seen: dict[int, int] = {}
        for token in filter(None, (t.strip() for t in node[1:-1].split("|"))):
            m = _TOKEN.match(token)
            if m is None:
                raise InvalidInputError(f"cannot parse arch {arch!r}: bad edge {token!r} in node {j}; {expected}")
            op, src = m.group(1), int(m.group(2))
            if op not in _OP_CODE:
                raise InvalidInputError(f"cannot parse arch {arch!r}: unknown op {op!r}; ops are {list(OPS)}")
            if src >= j or src in seen:
                raise InvalidInputError(
                    f"cannot parse arch {arch!r}: node {j} has {'a repeated' if src in seen else 'an invalid'} "
                    f"input ~{src}; it must take each of nodes 0..{j - 1} exactly once")
            seen[src] = _OP_CODE[op]
        if sorted(seen) != list(range(j)):
            raise InvalidInputError(
                f"cannot parse arch {arch!r}: node {j} takes inputs {sorted(seen)}, expected {list(range(j))}")
        for src, code in seen.items():
            codes[EDGES.index((j, src))] = code
    return codes


def decode(codes: Sequence[int] | np.ndarray) -> str:
    """``(6,)`` codes -> the canonical NAS-Bench-201 arch string."""
    c = check_codes(codes)
    if c.shape[0] != 1:
        raise InvalidInputError(f"decode takes one cell of {NUM_EDGES} codes, got shape {np.shape(codes)}")
    return str(_ALL_STRINGS()[lex_index(c)[0]])


def _format(codes: Sequence[int]) -> str:
    ops = [OPS[int(c)] for c in codes]
    return f"|{ops[0]}~0|+|{ops[1]}~0|{ops[2]}~1|+|{ops[3]}~0|{ops[4]}~1|{ops[5]}~2|"


# ----------------------------------------------------------------------------------- vectorized
def check_codes(X, what: str = "cell codes") -> np.ndarray:
    """Return ``X`` as an int64 ``(n x 6)`` array of codes in ``0..4`` (a ``(6,)`` vector is one
    cell; floats must be whole numbers) or raise :class:`InvalidInputError`."""
    try:
        A = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{what} must be numbers in 0..{NUM_OPS - 1}, got {X!r}") from None
    if A.ndim == 1:
        A = A[None, :]
    if A.ndim != 2 or A.shape[1] != NUM_EDGES:
        raise InvalidInputError(f"{what} must have shape (n x {NUM_EDGES}), got shape {np.shape(X)}")
    bad = ~(np.isfinite(A) & (A == np.round(A)) & (A >= 0) & (A <= NUM_OPS - 1))
    if bad.any():
        i = int(np.flatnonzero(bad.any(axis=1))[0])
        raise InvalidInputError(f"{what} must be integers in 0..{NUM_OPS - 1}; row {i} is {A[i].tolist()}")
    return A.astype(np.int64)


def lex_index(X) -> np.ndarray:
    """``(n,)`` lexicographic index (``0 .. 15624``) of ``(n x 6)`` codes: row ``k`` of
    :func:`all_cells`."""
    return check_codes(X) @ _RADIX


def all_cells() -> np.ndarray:
    """All 15,625 cells as a read-only ``(15625 x 6)`` int64 array, in lexicographic order."""
    return _ALL_CELLS()


@lru_cache(maxsize=1)
def _ALL_CELLS() -> np.ndarray:
    grid = np.stack(np.meshgrid(*[np.arange(NUM_OPS)] * NUM_EDGES, indexing="ij"), axis=-1)
    cells = grid.reshape(-1, NUM_EDGES).astype(np.int64)
    cells.flags.writeable = False
    return cells


@lru_cache(maxsize=1)
def _ALL_STRINGS() -> np.ndarray:
    return np.array([_format(c) for c in _ALL_CELLS()], dtype=object)


@lru_cache(maxsize=1)
def _ALL_INDEX() -> dict[str, int]:
    return {s: k for k, s in enumerate(_ALL_STRINGS())}


def try_encode_many(archs: Iterable[str]) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """Encode many arch strings without raising: returns ``(n x 6)`` codes (rows of ``-1`` where
    parsing failed) and a list of ``(row, message)`` for the failed rows."""
    archs = list(archs)
    index = _ALL_INDEX()
    lex = np.fromiter((index.get(a, -1) if isinstance(a, str) else -1 for a in archs), dtype=np.int64,
                      count=len(archs))
    out = np.full((len(archs), NUM_EDGES), -1, dtype=np.int64)
    hit = lex >= 0
    out[hit] = _ALL_CELLS()[lex[hit]]
    errors = []
    for i in np.flatnonzero(~hit):  # non-canonical spellings: the tolerant parser
        try:
            out[i] = encode(archs[i])
        except InvalidInputError as exc:
            errors.append((int(i), str(exc)))
    return out, errors


def encode_many(archs: Iterable[str]) -> np.ndarray:
    """Arch strings -> ``(n x 6)`` int64 codes; raises naming the first row that does not parse."""
    out, errors = try_encode_many(archs)
    if errors:
        i, msg = errors[0]
        raise InvalidInputError(f"row {i}: {msg} ({len(errors)} bad rows in all)")
    return out


def decode_many(X) -> np.ndarray:
    """``(n x 6)`` codes -> ``(n,)`` object array of canonical arch strings."""
    return _ALL_STRINGS()[lex_index(X)]


# ---------------------------------------------------------------------------------- connectivity
def live_nodes(X) -> np.ndarray:
    """``(n x 4)`` bool: which nodes carry a signal from the cell input (node 0 always does).

    A node is live when one of its incoming edges is not ``none`` and starts at a live node;
    a dead node's value is identically zero."""
    C = check_codes(X)
    on = C != NONE
    n1 = on[:, 0]
    n2 = on[:, 1] | (on[:, 2] & n1)
    n3 = on[:, 3] | (on[:, 4] & n1) | (on[:, 5] & n2)
    return np.column_stack([np.ones(len(C), dtype=bool), n1, n2, n3])


def is_connected(X) -> np.ndarray:
    """``(n,)`` bool: False for *disconnected* cells, whose every input-to-output path goes
    through a ``none`` edge (their output is zero; NAS-Bench-201 lists them with ~10% accuracy)."""
    return live_nodes(X)[:, -1]


def live_edges(X) -> np.ndarray:
    """``(n x 6)`` bool: edges that are not ``none`` and start at a live node. Only these
    contribute to the cell's output (edges from dead nodes add exact zeros)."""
    C = check_codes(X)
    alive = live_nodes(C)
    src = np.array([i for _, i in EDGES])
    return (C != NONE) & alive[:, src]


# ----------------------------------------------------------------------------------- isomorphism
def canonical_string(arch: str | Sequence[int] | np.ndarray) -> str:
    """A canonical string of a cell's computation graph: node values are sums (order does not
    matter) of ``op(input)`` terms, ``skip_connect`` is the identity, and ``none`` or a dead input
    contributes nothing. ``"#"`` is the zero cell. Cells with equal strings are isomorphic.

    This is NAS-Bench-201's ``to_unique_str(consider_zero=True)`` with one fix: a node whose
    inputs are all zero is zero (the original spells it ``"#+#"`` and keeps using it). Like the
    original it does not flatten a sum passed on through ``skip_connect``, so a few cells that
    compute the same expression get different strings (e.g. ``[1,1,2,3,0,1]`` and
    ``[1,1,3,2,0,1]``, both ``x + conv1x1(x) + conv3x3(x)``): 5,390 classes, against 4,930 with
    flattening."""
    codes = encode(arch) if isinstance(arch, str) else check_codes(arch)[0]
    nodes = {0: "0"}
    for j in range(1, NUM_NODES):
        terms = []
        for k, (to, src) in enumerate(EDGES):
            if to != j:
                continue
            op = int(codes[k])
            if op == NONE or nodes[src] == "#":
                continue
            terms.append(nodes[src] if op == SKIP else f"({nodes[src]})@{OPS[op]}")
        nodes[j] = "+".join(sorted(terms)) if terms else "#"
    return nodes[NUM_NODES - 1]


@lru_cache(maxsize=1)
def _CANONICAL_LEX() -> np.ndarray:
    first: dict[str, int] = {}
    out = np.empty(NUM_CELLS, dtype=np.int64)
    for k, cell in enumerate(_ALL_CELLS()):
        out[k] = first.setdefault(canonical_string(cell), k)
    out.flags.writeable = False
    return out


def canonical_index(X) -> np.ndarray:
    """``(n,)`` lexicographic index of each cell's isomorphism-class representative (the class
    member with the smallest lexicographic index); equal for cells with equal :func:`canonical_string`."""
    return _CANONICAL_LEX()[lex_index(X)]


def canonical_codes(X) -> np.ndarray:
    """``(n x 6)`` codes of each cell's isomorphism-class representative."""
    return _ALL_CELLS()[canonical_index(X)].copy()


def num_isomorphism_classes() -> int:
    """Number of distinct cells up to isomorphism (:func:`canonical_string`) in the space."""
    return int(np.unique(_CANONICAL_LEX()).size)


# ---------------------------------------------------------------------------------- search space
def search_space(candidates: np.ndarray | None = None):
    """The :class:`lamoo.SearchSpace` of NB201 cells: 6 categorical dimensions named
    :data:`EDGE_NAMES` with choices :data:`OPS`. ``candidates`` (``N x 6``) restricts it to the
    cells of a table; by default all 15,625 cells are candidates."""
    from lamoo.space import SearchSpace

    C = all_cells() if candidates is None else check_codes(candidates, "candidates")
    return SearchSpace.categorical(NUM_EDGES, OPS, names=EDGE_NAMES, candidates=C.astype(float))
