"""NAS-Bench-201: the cell space, its network, benchmark-table tasks and trained-cell tasks.

Modules: :mod:`~nas_tasks.nb201.encoding` (codes, enumeration, connectivity, isomorphism, the
search space; numpy only, re-exported here), :mod:`~nas_tasks.nb201.network` (the PyTorch network
builder and params/FLOPs counting; ``build_network`` etc. are importable from here lazily),
:mod:`~nas_tasks.nb201.cost` (cached params/FLOPs of many cells), :mod:`~nas_tasks.nb201.datasets`,
:mod:`~nas_tasks.nb201.tables` (CSV/Parquet/NAS-Bench-201/NATS-Bench readers),
:mod:`~nas_tasks.nb201.table_task` (``NB201TableTask``, also ``nas_tasks.NB201TableTask``),
:mod:`~nas_tasks.nb201.train_task` (``NB201TrainTask``, also ``nas_tasks.NB201TrainTask``), and the
``lamoo optimize`` plug-ins :mod:`~nas_tasks.nb201.cli` (``--task nb201``) and
:mod:`~nas_tasks.nb201.train_cli` (``--task nb201-train``).
"""
from nas_tasks.nb201.encoding import (
    EDGE_NAMES, EDGES, NUM_CELLS, NUM_EDGES, NUM_OPS, OPS, all_cells, canonical_codes, canonical_index,
    canonical_string, decode, decode_many, encode, encode_many, is_connected, lex_index, live_edges, live_nodes,
    num_isomorphism_classes, search_space, try_encode_many,
)

__all__ = [
    "EDGE_NAMES", "EDGES", "NUM_CELLS", "NUM_EDGES", "NUM_OPS", "OPS", "all_cells", "canonical_codes",
    "canonical_index", "canonical_string", "decode", "decode_many", "encode", "encode_many", "is_connected",
    "lex_index", "live_edges", "live_nodes", "num_isomorphism_classes", "search_space", "try_encode_many",
]

_LAZY = {  # torch-backed names, imported on first use so `import nas_tasks.nb201` stays light
    "build_network": "nas_tasks.nb201.network", "NB201Network": "nas_tasks.nb201.network",
    "NB201Cell": "nas_tasks.nb201.network", "count_parameters": "nas_tasks.nb201.network",
    "count_flops": "nas_tasks.nb201.network", "network_cost": "nas_tasks.nb201.network",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nas_tasks.nb201' has no attribute {name!r}")
