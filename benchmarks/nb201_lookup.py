"""How fast NB201TableTask starts and answers look-ups.

    python benchmarks/nb201_lookup.py [--table PATH] [--n 100000] [--repeats 5]

Prints (1) task start-up time in a fresh process, cold (empty cache: params/FLOPs are counted on
the network, torch imported) and cached, and (2) look-up throughput of ``task.evaluate`` on ``n``
encoded cells drawn at random, against a plain per-row dictionary look-up of arch strings as a
baseline. Uses the shared table when present, else a synthetic table over all 15,625 cells written
to a temporary folder.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from nas_tasks.nb201.presets import DEFAULT_NB201_TABLE

ROOT = Path(__file__).resolve().parent.parent
OBJECTIVES = ["cifar10_test_acc", "flops", "params"]

_STARTUP = """
import time; t = time.perf_counter()
from nas_tasks import NB201TableTask
task = NB201TableTask({table!r}, {objectives!r}, dataset="cifar10")
print(time.perf_counter() - t)
"""


def startup_seconds(table: str, cache_dir: str) -> float:
    env = dict(os.environ, LAMOO_CACHE_DIR=cache_dir, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", _STARTUP.format(table=table, objectives=OBJECTIVES)], env=env,
                         check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def synthetic_table(folder: Path) -> str:
    import pandas as pd

    from nas_tasks import nb201

    cells = nb201.all_cells()
    rng = np.random.default_rng(0)
    path = folder / "synthetic_nb201.csv"
    pd.DataFrame({"arch": nb201.decode_many(cells), "cifar10_test_acc": 10 + 85 * rng.random(len(cells))}).to_csv(
        path, index=False)
    return str(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", default=None, help=f"benchmark table (default: {DEFAULT_NB201_TABLE} if present)")
    parser.add_argument("--n", type=int, default=100_000, help="cells per look-up batch (default: 100000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed repetitions, best kept (default: 5)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        table = args.table or (str(DEFAULT_NB201_TABLE) if DEFAULT_NB201_TABLE.is_file() else synthetic_table(Path(tmp)))
        cache = str(Path(tmp) / "cache")
        cold = startup_seconds(table, cache)
        cached = min(startup_seconds(table, cache) for _ in range(3))
        print(f"table: {table}")
        print(f"start-up, fresh process, empty cache : {cold:7.3f} s (imports torch, counts params/FLOPs)")
        print(f"start-up, fresh process, warm cache  : {cached:7.3f} s (best of 3)  -> {cold / cached:.1f}x faster")

        from nas_tasks import NB201TableTask, nb201

        old = os.environ.get("LAMOO_CACHE_DIR")
        os.environ["LAMOO_CACHE_DIR"] = cache  # the warm temporary cache, not the user's
        try:
            task = NB201TableTask(table, OBJECTIVES, dataset="cifar10")
        finally:
            if old is None:
                os.environ.pop("LAMOO_CACHE_DIR")
            else:
                os.environ["LAMOO_CACHE_DIR"] = old
        rng = np.random.default_rng(0)
        X = task.space.candidates[rng.integers(0, task.space.n_candidates, args.n)]
        best = np.inf
        for _ in range(args.repeats):
            t = time.perf_counter()
            Y = task.evaluate(X)
            best = min(best, time.perf_counter() - t)
        # baseline: what a per-row look-up by arch string costs (decode + dict + row gather)
        index = {a: i for i, a in enumerate(task.table["arch"])}
        values = task.Y
        base = np.inf
        for _ in range(max(1, args.repeats // 2)):
            t = time.perf_counter()
            Yb = values[[index[a] for a in (nb201.decode(x) for x in X.astype(int))]]
            base = min(base, time.perf_counter() - t)
        assert np.array_equal(Y, Yb)
        print(f"look-ups: {args.n:,} encoded cells in {best * 1e3:.1f} ms = {args.n / best / 1e6:.2f} M cells/s "
              f"(best of {args.repeats})")
        print(f"baseline (decode each row + dict look-up): {base * 1e3:.1f} ms -> vectorized is {base / best:.0f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
