"""The ``nb201-train`` task plug-in of ``lamoo optimize`` (registered through the ``lamoo.task_plugins`` entry points).

Example (an XNAS-style search on the bundled digits)::

    lamoo optimize --task nb201-train --dataset digits --objectives accuracy,introspectability \\
        --sampler nsga2 --lamoo --budget 40 --epochs 10 --channels 8 --cells-per-stage 1

Besides the usual outputs, ``cells.jsonl`` in the run folder lists every trained cell with its
validation and test values.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def _options(pairs: list[str] | None) -> dict:
    """``["robustness.ood=inverted", "robustness.temperature=1000"]`` -> nested dict."""
    out: dict = {}
    for pair in pairs or []:
        key, eq, value = pair.partition("=")
        name, dot, option = key.partition(".")
        if not eq or not dot:
            raise SystemExit(f"--objective-option expects OBJECTIVE.OPTION=VALUE, got {pair!r}")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        out.setdefault(name, {})[option.replace("-", "_")] = parsed
    return out


class TrainPlugin:
    """Adds the training options and builds an :class:`nas_tasks.NB201TrainTask`."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        g = parser.add_argument_group("nb201-train: NAS-Bench-201 cells trained for real (--task nb201-train; "
                                      "--dataset default digits, --objectives default accuracy,introspectability)")
        g.add_argument("--preset", default="fast", choices=["fast", "xnas"],
                       help="fast: 10 epochs on every dataset (lamoo's default); xnas: the paper's epochs per "
                            "dataset (MNIST and digits 5, CIFAR-10 12, ImageNet16-120 200); pair it with --sampler "
                            "xnas (see nas_tasks.xnas.preset)")
        g.add_argument("--epochs", type=int, default=None, help="training epochs per cell (default: the preset's)")
        g.add_argument("--channels", type=int, default=16, help="network width C (default: 16, as NAS-Bench-201)")
        g.add_argument("--cells-per-stage", type=int, default=5, help="cells per stage N (default: 5, as NAS-Bench-201)")
        g.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:N (default: auto)")
        g.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"],
                       help="autocast: auto = bf16 on GPUs from compute capability 8.0, fp16 before, fp32 on the "
                            "CPU (default: auto)")
        g.add_argument("--executor", default="local", choices=["local", "ray"],
                       help="train cells in this process or as Ray tasks (default: local)")
        g.add_argument("--cells-per-gpu", type=int, default=None,
                       help="cells trained at once on one GPU: Ray asks 1/n GPU per cell, the local executor runs n "
                            "worker processes on CUDA (default: 1)")
        g.add_argument("--train-batch-size", type=int, default=512, help="training batch size (default: 512)")
        g.add_argument("--lr", type=float, default=0.1, help="peak learning rate (default: 0.1)")
        g.add_argument("--train-seed", type=int, default=0, help="weights/shuffling seed of every cell (default: 0)")
        g.add_argument("--introspection-weight", type=float, default=0.0,
                       help="XNAS introspection regularizer weight while training (default: 0 = off; paper: 0.5)")
        g.add_argument("--introspection-pair-weights", default=None, choices=["wordnet"],
                       help="weight the regularizer's class pairs by WordNet similarity (XNAS Eqs. 3-4; default: all 1)")
        g.add_argument("--augmentation", default="default", choices=["default", "none"],
                       help="default: pad+crop, cutout, flips except for digits/MNIST; none: off")
        g.add_argument("--objective-option", action="append", metavar="OBJECTIVE.OPTION=VALUE",
                       help="objective option, repeatable (e.g. robustness.ood=inverted, robustness.epsilon=0)")
        g.add_argument("--max-train", type=int, default=None, help="use at most this many training images")
        g.add_argument("--cache-dir", type=Path, default=None,
                       help="trained-cell cache (default: $LAMOO_CACHE_DIR or ~/.cache/lamoo)")
        g.add_argument("--num-threads", type=int, default=None,
                       help="torch CPU threads per trained cell, wherever it trains (default: --cpus-per-task)")
        g.add_argument("--cpus-per-task", type=int, default=1, help="CPUs per Ray task, and the default --num-threads (default: 1)")

    def build(self, args):
        from nas_tasks.nb201.train_task import NB201TrainTask
        from nas_tasks.xnas.preset import get_preset

        dataset = args.dataset or "digits"
        epochs = args.epochs if args.epochs is not None else get_preset(args.preset).epochs_for(dataset)
        task = NB201TrainTask(
            dataset=dataset, data_root=args.data_root,
            objectives=args.objectives or "accuracy,introspectability", epochs=epochs, channels=args.channels,
            cells_per_stage=args.cells_per_stage, batch_size=args.train_batch_size, lr=args.lr, seed=args.train_seed,
            device=args.device, precision=args.precision, executor=args.executor, cells_per_gpu=args.cells_per_gpu,
            cache_dir=args.cache_dir,
            augmentation=args.augmentation, introspection_weight=args.introspection_weight,
            introspection_pair_weights=args.introspection_pair_weights,
            objective_options=_options(args.objective_option), max_train=args.max_train, classes=getattr(args, "classes", None),
            num_threads=args.num_threads, ray_address=getattr(args, "ray_address", None), cpus_per_task=args.cpus_per_task)
        if getattr(args, "out", None) is None:  # the same default folder cmd_optimize picks
            args.out = Path("runs") / f"nb201-train-{'lamoo-' if args.lamoo else ''}{args.sampler}-s{args.seed}"
        task.details_path = Path(args.out) / "cells.jsonl"
        return task


TRAIN_PLUGIN = TrainPlugin()
