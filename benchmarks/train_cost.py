"""What training and measuring one NB201 cell costs.

Default: seconds to train a cell on the bundled digits (C=8, N=1, 10 epochs, XNAS recipe) with
``--threads`` CPU threads, and each objective's measuring time relative to that training time.
``--throughput``: training images/s on CIFAR-10-shaped data (3x32x32, 10 classes, random pixels:
throughput does not depend on the pixel values) for C=16, N=5, on ``--device``.

    PYTHONPATH=. python benchmarks/train_cost.py                 # digits, 2 threads, 3 cells
    PYTHONPATH=. python benchmarks/train_cost.py --throughput --device cuda --epochs 2

Prints a table; nothing is cached (a temporary cache folder is used and removed).
"""
from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np

CELLS = {
    "mixed": "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|",
    "all-conv3x3": "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "skip+1x1": "|skip_connect~0|+|nor_conv_1x1~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|",
}
OBJECTIVES = ["accuracy", "introspectability", "introspectability_wordnet", "robustness", "params", "flops", "latency"]


def objective_overheads(args) -> None:
    from nas_tasks import NB201TrainTask
    from nas_tasks.nb201 import encode
    from nas_tasks.objectives.wordnet import find_wordnet_dir

    objectives = [o for o in OBJECTIVES if o != "introspectability_wordnet" or find_wordnet_dir() is not None]
    with tempfile.TemporaryDirectory() as cache:
        # warm-up: imports, data loading, the WordNet copy, reference points (not timed)
        warm = NB201TrainTask("digits", objectives=objectives, epochs=1, channels=4, cells_per_stage=1,
                              num_threads=args.threads, cache_dir=cache, seed=99)
        warm.evaluate(encode(CELLS["mixed"])[None])
        task = NB201TrainTask("digits", objectives=objectives, epochs=args.epochs, channels=args.channels,
                              cells_per_stage=args.cells_per_stage, num_threads=args.threads, cache_dir=cache)
        rows = []
        for name, arch in CELLS.items():
            start = time.perf_counter()
            task.evaluate(encode(arch)[None])
            wall = time.perf_counter() - start
            from nas_tasks.training.cache import TrainCache

            record = TrainCache(cache).load(task.cache_key(encode(arch)))
            train_s = record["train"]["seconds"]
            row = {"cell": name, "train_s": train_s, "wall_s": wall,
                   "val_acc_%": record["metrics"][next(k for k in record["metrics"] if k.startswith("accuracy"))]["val"]}
            for key, sec in record["measure_seconds"].items():
                row[key.split(":")[0]] = sec / train_s
            rows.append(row)
    print(f"digits, C={args.channels}, N={args.cells_per_stage}, {args.epochs} epochs, batch 512, "
          f"{args.threads} CPU threads; objective columns: measuring time / training time")
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3g}"))


def throughput(args) -> None:

    from nas_tasks.nb201 import encode
    from nas_tasks.training.cell_job import build_model
    from nas_tasks.training.config import NetworkConfig, TrainingConfig
    from nas_tasks.training.data import ImageDataset
    from nas_tasks.training.device import DeviceData, resolve_device, set_threads
    from nas_tasks.training.loop import train_model
    from nas_tasks.training.splits import make_splits

    set_threads(args.threads)
    rng = np.random.default_rng(0)
    n = args.images
    ds = ImageDataset("cifar10-shaped", rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8),
                      np.arange(n) % 10, rng.integers(0, 256, (1000, 3, 32, 32), dtype=np.uint8),
                      np.arange(1000) % 10, tuple("abcdefghij"))
    device = resolve_device(args.device)
    data = DeviceData(make_splits(ds, 0.02), device)
    print(f"CIFAR-10-shaped data, {len(data.parts['train'][1])} training images, C=16, N=5, batch 512, "
          f"device {device}")
    for name in ("mixed", "all-conv3x3"):
        model = build_model(encode(CELLS[name]), NetworkConfig(16, 5), data.splits, 0)
        train_model(model, data, TrainingConfig(epochs=1), seed=0)  # warm-up (cuDNN autotune, allocator)
        report = train_model(model, data, TrainingConfig(epochs=args.epochs), seed=0)
        print(f"  {name:12s} {report.images_per_second:10.0f} images/s  ({report.seconds:.1f} s, amp={report.amp})")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--channels", type=int, default=8)
    p.add_argument("--cells-per-stage", type=int, default=1)
    p.add_argument("--throughput", action="store_true")
    p.add_argument("--device", default="auto")
    p.add_argument("--images", type=int, default=10000, help="training images for --throughput")
    args = p.parse_args(argv)
    if args.throughput:
        throughput(args)
    else:
        objective_overheads(args)


if __name__ == "__main__":
    main()
