"""NAS-Bench-201 ``params`` and ``flops`` of many cells at once, cached on disk.

Inside a normal cell every edge maps ``C`` channels to ``C`` channels at the same resolution, so
an edge's parameters and multiply-accumulates depend only on its op, and only the two
convolutions have any. A cell's cost is therefore the skeleton's plus a fixed amount per
``nor_conv_1x1`` and per ``nor_conv_3x3`` edge (the same edge costs the same in every cell of a
stage, and every stage has ``N`` cells): 28 patterns ``(#1x1, #3x3)``. Three real networks are
counted (:func:`nas_tasks.nb201.network.network_cost`, torch's ``FlopCounterMode``): the
skeleton, one 1x1 edge, one 3x3 edge, in exact integer units; the 28 values follow and are
cached as JSON under ``$LAMOO_CACHE_DIR/nb201`` (default ``~/.cache/lamoo``). A 15,625-row table
then gets its costs with two array look-ups and, once cached, without importing torch. The tests
check the shortcut against counting whole networks.
"""
from __future__ import annotations

import numpy as np

from lamoo.checks import check_int
from nas_tasks.cache import cache_key, cache_path, read_json, write_json
from nas_tasks.nb201.encoding import CONV1X1, CONV3X3, NUM_EDGES, SKIP, all_cells, check_codes

_VERSION = 2  # bump when the network or the counting changes


def _pattern_codes(n1: int, n3: int) -> np.ndarray:
    return np.array([CONV1X1] * n1 + [CONV3X3] * n3 + [SKIP] * (NUM_EDGES - n1 - n3), dtype=np.int64)


def pattern_table(*, input_size: int = 32, num_classes: int = 10, channels: int = 16, cells_per_stage: int = 5,
                  in_channels: int = 3, cache: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``(params, flops)``: two ``7 x 7`` arrays (millions) indexed by the number of 1x1 and of
    3x3 convolutions in the cell (NaN where they add up to more than 6)."""
    config = dict(input_size=input_size, num_classes=num_classes, channels=channels, cells_per_stage=cells_per_stage,
                  in_channels=in_channels)
    config = {name: check_int(value, name, 1) for name, value in config.items()}
    path = cache_path("nb201", f"cost-v{_VERSION}-{cache_key(config)}.json")
    if cache:
        hit = read_json(path)
        if isinstance(hit, dict) and hit.get("config") == config:
            return np.array(hit["params"], dtype=float), np.array(hit["flops"], dtype=float)
    import torch

    from nas_tasks.nb201.network import network_cost

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # batch-1 passes on tiny inputs: extra threads only contend
    try:  # exact integer counts of the skeleton and of one extra 1x1 / 3x3 edge
        base, one_1x1, one_3x3 = (np.rint(np.array(network_cost(_pattern_codes(n1, n3), **config)) * 1e6)
                                  for n1, n3 in ((0, 0), (1, 0), (0, 1)))
    finally:
        torch.set_num_threads(threads)
    n1, n3 = np.meshgrid(np.arange(NUM_EDGES + 1), np.arange(NUM_EDGES + 1), indexing="ij")
    params, flops = ((base[k] + n1 * (one_1x1[k] - base[k]) + n3 * (one_3x3[k] - base[k])) / 1e6 for k in (0, 1))
    params[n1 + n3 > NUM_EDGES] = np.nan
    flops[n1 + n3 > NUM_EDGES] = np.nan
    if cache:
        as_list = lambda a: [[None if np.isnan(v) else float(v) for v in row] for row in a]  # noqa: E731
        write_json(path, {"config": config, "params": as_list(params), "flops": as_list(flops)})
    return params, flops


def params_flops(X, *, input_size: int = 32, num_classes: int = 10, channels: int = 16, cells_per_stage: int = 5,
                 in_channels: int = 3, cache: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``(params, flops)``, each ``(n,)`` in millions, of the NB201 networks of ``(n x 6)``
    codes, as NAS-Bench-201 reports them (see :func:`nas_tasks.nb201.network.network_cost`).
    Defaults are CIFAR-10's (32x32 inputs, 10 classes) and NAS-Bench-201's C=16, N=5."""
    C = check_codes(X)
    n1 = (C == CONV1X1).sum(axis=1)
    n3 = (C == CONV3X3).sum(axis=1)
    params, flops = pattern_table(input_size=input_size, num_classes=num_classes, channels=channels,
                                  cells_per_stage=cells_per_stage, in_channels=in_channels, cache=cache)
    return params[n1, n3], flops[n1, n3]


def reference_cells(*, input_size: int = 32, num_classes: int = 10, channels: int = 16, cells_per_stage: int = 5,
                    in_channels: int = 3, cache: bool = True) -> dict[str, tuple[np.ndarray, float]]:
    """The cheapest, the median and the most expensive of the 15,625 cells by FLOPs:
    ``{"cheapest" | "median" | "costliest": (codes (6,), MFLOPs)}``.

    A cell's FLOPs depend only on its numbers of 1x1 and 3x3 convolutions, so each is given as the
    connected cell of its pattern with every other edge ``skip_connect``: all skips (0 conv FLOPs
    in the cells), the pattern of the lower median of all cells' FLOPs, and all ``nor_conv_3x3``.
    """
    _, table = pattern_table(input_size=input_size, num_classes=num_classes, channels=channels,
                             cells_per_stage=cells_per_stage, in_channels=in_channels, cache=cache)
    cells = all_cells()
    n1, n3 = (cells == CONV1X1).sum(axis=1), (cells == CONV3X3).sum(axis=1)
    order = np.argsort(table[n1, n3], kind="stable")
    picks = {"cheapest": order[0], "median": order[(len(cells) - 1) // 2], "costliest": order[-1]}
    return {name: (_pattern_codes(int(n1[k]), int(n3[k])), float(table[n1[k], n3[k]])) for name, k in picks.items()}
