"""The ``--task nb201`` plug-in of ``lamoo optimize``: a NAS-Bench-201 table task.

    lamoo optimize --task nb201 --table ../shared/data/nb201/nb201_cifar.csv \\
        --objectives cifar10_test_acc,flops --dataset cifar10 --sampler random --lamoo --budget 300

``--objectives``, ``--dataset`` and ``--data-root`` are the core parser's shared task options;
this plug-in adds ``--table``, ``--table-hp`` and ``--trust-pickle`` (needed for a NAS-Bench-201
``.pth`` file or a NATS-Bench archive: both formats are Python pickles).
"""
from __future__ import annotations

from pathlib import Path

from lamoo.exceptions import InvalidInputError


class NB201TablePlugin:
    """Builds :class:`~nas_tasks.nb201.table_task.NB201TableTask` from command-line options."""

    def add_arguments(self, parser) -> None:
        g = parser.add_argument_group("NAS-Bench-201 tables (--task nb201)")
        g.add_argument("--table", type=Path, default=None,
                       help="benchmark table: CSV/Parquet with an 'arch' column, a NAS-Bench-201 .pth file or a "
                            "NATS-Bench topology archive (relative paths are also looked up in --data-root)")
        g.add_argument("--table-hp", default="200",
                       help="training schedule read from NAS-Bench-201 / NATS-Bench files: 200 or 12 epochs "
                            "(default: 200)")
        g.add_argument("--trust-pickle", action="store_true",
                       help="allow reading a NAS-Bench-201 .pth file or a NATS-Bench archive: these formats are "
                            "Python pickles, which can run code when read. lamoo reads them with a restricted "
                            "unpickler (containers, numbers, strings, NumPy arrays only); pass this only for files "
                            "from a source you trust. CSV and Parquet tables need no such permission")

    def build(self, args):
        from nas_tasks.nb201.table_task import NB201TableTask

        if args.table is None:
            raise InvalidInputError("--task nb201 needs --table PATH (a CSV/Parquet table, a NAS-Bench-201 .pth "
                                    "file or a NATS-Bench archive)")
        if not args.objectives:
            raise InvalidInputError("--task nb201 needs --objectives, e.g. --objectives cifar10_test_acc,flops")
        table = args.table
        data_root = getattr(args, "data_root", None)
        if data_root is not None and not table.is_absolute() and not table.exists():
            table = Path(data_root) / table
        return NB201TableTask(table, args.objectives, dataset=args.dataset or "cifar10", hp=args.table_hp,
                              trust_pickle=bool(getattr(args, "trust_pickle", False)))


PLUGIN = NB201TablePlugin()
