"""``lamoo analyze xnas RUN_DIR``: the XNAS analyses of a finished ``nb201-train`` run.

    lamoo analyze xnas runs/xnas-digits                    # writes runs/xnas-digits/analysis/
    lamoo analyze xnas runs/xnas-digits --out report --max-models 8 --num-threads 1

See :mod:`nas_tasks.xnas.report` for what is written. :data:`COMMAND` is the command object
(``HELP``, ``add_arguments(parser)``, ``run(args) -> int``) the ``lamoo`` command line loads.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

ANALYSES = ("xnas",)


class AnalyzeCommand:
    HELP = "analyses of a finished run (xnas: calibration, mispredictions, motifs, activations, front plots)"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("analysis", choices=ANALYSES, help="which analyses (xnas: the XNAS paper's)")
        parser.add_argument("run_dir", type=Path, help="a 'lamoo optimize --task nb201-train' run folder")
        parser.add_argument("--out", type=Path, default=None, help="output folder (default: RUN_DIR/analysis)")
        parser.add_argument("--cache-dir", type=Path, default=None,
                            help="trained-cell cache (default: the run's); missing cells are trained again")
        parser.add_argument("--data-root", default=None, help="dataset folder (default: the run's)")
        parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N, auto (default: cpu)")
        parser.add_argument("--num-threads", type=int, default=None, help="torch CPU threads (default: all)")
        parser.add_argument("--max-models", type=int, default=None,
                            help="calibrate at most this many Pareto-optimal models, spread along the front "
                                 "(default: all)")
        parser.add_argument("--ancestry-of", type=int, default=None, metavar="EVALUATION",
                            help="draw this evaluation's phylogeny (default: the Pareto-optimal model with the "
                                 "deepest recorded ancestry)")
        parser.add_argument("--repair-epochs", type=int, default=3,
                            help="fine-tuning epochs of the most confused pair's repair (default: 3; 0: skip)")
        parser.add_argument("--corrupt-labels", type=float, default=0.0, metavar="FRACTION",
                            help="also corrupt this fraction of the training labels (paper: 0.2), retrain the most "
                                 "and least introspectable cells and report how well each score finds them "
                                 "(default: 0, skipped)")

    def run(self, args) -> int:
        from nas_tasks.xnas.report import analyze

        summary = analyze(args.run_dir, args.out, args.cache_dir, args.data_root, args.device, args.num_threads,
                          args.max_models, args.ancestry_of, args.repair_epochs, args.corrupt_labels)
        print(json.dumps({k: v for k, v in summary.items() if k != "files"}, indent=1))
        out = args.out if args.out is not None else args.run_dir / "analysis"
        print(f"wrote {out}/: {' '.join(summary['files'])}")
        return 0


COMMAND = AnalyzeCommand()
