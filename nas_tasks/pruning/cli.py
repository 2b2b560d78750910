"""The command line of the pruning task: ``lamoo optimize --task prune`` (a task plug-in) and
``lamoo prune-report RUN_DIR`` (ensembles, influential neurons and Grad-CAM of a finished run).

    lamoo optimize --task nb201-train --dataset digits --classes 0-4 --objectives accuracy \\
        --sampler random --budget 10 --epochs 30 --channels 16 --cells-per-stage 1 --out runs/source
    lamoo optimize --task prune --backbone-run runs/source --dataset digits --classes 5-9 \\
        --ood 'digits[0-4]' --sampler nsga2 --sampler-param operators=binary --lamoo --budget 200 \\
        --batch-size 10 --n-init 30 --out runs/prune
    lamoo prune-report runs/prune
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from lamoo.exceptions import InvalidInputError


def _size(text: str):
    parts = [int(v) for v in text.lower().replace("x", ",").split(",")]
    return parts[0] if len(parts) == 1 else tuple(parts)


class PrunePlugin:
    """Adds the pruning options and builds a :class:`~nas_tasks.pruning.task.PruneTask`."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        g = parser.add_argument_group("prune: MO-EvoPruneDeepTL, sparse heads on a frozen backbone (--task prune; "
                                      "--dataset default digits, --classes the target's, --objectives default "
                                      "accuracy,memory,robustness; nb201-train's --device, --cache-dir and "
                                      "--objective-option apply too)")
        b = g.add_mutually_exclusive_group()
        b.add_argument("--backbone-run", type=Path, default=None,
                       help="a 'lamoo optimize --task nb201-train' run folder: its best cell (see --backbone-cell)")
        b.add_argument("--backbone-checkpoint", type=Path, default=None,
                       help="a state-dict checkpoint (read with weights_only=True) for --backbone-module")
        b.add_argument("--torchvision", default=None, metavar="ARCH",
                       help="a torchvision architecture (e.g. resnet50) with --weights (needs torchvision)")
        g.add_argument("--backbone-cell", default="best",
                       help="with --backbone-run: 'best' (best first objective), a journal row or an arch string")
        g.add_argument("--backbone-module", default=None, metavar="MODULE:FACTORY",
                       help="with --backbone-checkpoint: the import path of a function building the network")
        g.add_argument("--weights", type=Path, default=None, help="with --torchvision: the weights file you provide")
        g.add_argument("--input-size", type=_size, default=None, help="resize images for the backbone: H or HxW")
        g.add_argument("--ood", default=None,
                       help="the robustness objective's OoD set: a dataset (mnist), classes of one (digits[0-4]), an "
                            "image folder (folder:PATH), several joined by '+'")
        g.add_argument("--odin", default="mo-evoprune", choices=["mo-evoprune", "odin", "msp", "none"],
                       help="the ODIN setting (default: mo-evoprune, T=1000, eps=0, real OoD images; none: use "
                            "--objective-option robustness.temperature=... for a synthetic shift)")
        g.add_argument("--level", default="inputs", choices=["inputs", "neurons", "connections"],
                       help="genome bits: one per backbone feature (default, the released code's), per sparse-layer "
                            "unit, or per connection")
        g.add_argument("--hidden", type=int, default=512, help="units of the sparse layer (default: 512)")
        g.add_argument("--head-training", default="mo-evoprune", choices=["mo-evoprune", "fast"],
                       help="the heads' recipe: the released code's SGD (default) or a quicker Adam one")
        g.add_argument("--prune-seed", type=int, default=0, help="the heads' initial weights and batch order")

    def build(self, args):
        from nas_tasks.pruning.task import PruneTask
        from nas_tasks.nb201.train_cli import _options

        task = PruneTask(self.backbone(args), args.dataset or "digits", args.data_root, classes=args.classes,
                         ood=args.ood, objectives=args.objectives or "accuracy,memory,robustness", level=args.level,
                         hidden=args.hidden, training=args.head_training,
                         odin=None if args.odin == "none" else args.odin,
                         objective_options=_options(getattr(args, "objective_option", None)), seed=args.prune_seed,
                         max_train=getattr(args, "max_train", None), device=getattr(args, "device", "auto"),
                         cache_dir=getattr(args, "cache_dir", None))
        return task

    @staticmethod
    def backbone(args):
        from nas_tasks.pruning import sources

        kwargs = {} if args.input_size is None else {"input_size": args.input_size}
        if args.backbone_run is not None:
            cell = args.backbone_cell
            return sources.from_run(args.backbone_run, int(cell) if cell.isdigit() else cell)
        if args.backbone_checkpoint is not None:
            if not args.backbone_module:
                raise InvalidInputError("--backbone-checkpoint needs --backbone-module MODULE:FACTORY (the network the "
                                        "weights are for)")
            return sources.from_checkpoint(args.backbone_checkpoint, args.backbone_module, **kwargs)
        if args.torchvision is not None:
            if args.weights is None:
                raise InvalidInputError("--torchvision needs --weights PATH (nothing is downloaded)")
            return sources.from_torchvision(args.torchvision, args.weights, **kwargs)
        raise InvalidInputError("--task prune needs a backbone: --backbone-run RUN_DIR, --backbone-checkpoint PATH with "
                                "--backbone-module, or --torchvision ARCH with --weights PATH")


PLUGIN = PrunePlugin()


class PruneReportCommand:
    HELP = ("ensembles of a pruning run's Pareto front (majority vote, mean probability) against its best single "
            "models, its influential neurons and their Grad-CAM")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("run_dir", type=Path, help="a 'lamoo optimize --task prune' run folder")
        parser.add_argument("--top-k", type=int, default=10, help="influential neurons to list (default: 10)")
        parser.add_argument("--gradcam-units", type=int, default=5, help="units to show with Grad-CAM (default: 5)")
        parser.add_argument("--method", choices=["gradcam", "gradcam++"], default="gradcam",
                            help="Grad-CAM or Grad-CAM++ (the released code's) (default: gradcam)")
        parser.add_argument("--window", default=None, metavar="LO,HI",
                            help="ensemble only the front's members whose --window-by value lies between these "
                                 "percentiles of the front's (e.g. 50,60; the released code's windows)")
        parser.add_argument("--window-by", default="accuracy", choices=["accuracy", "robustness"],
                            help="the recorded (validation) objective --window selects by (default: accuracy)")
        parser.add_argument("--out", type=Path, default=None, help="folder for the outputs (default: RUN_DIR)")

    def run(self, args) -> int:
        report = prune_report(args.run_dir, args.out, top_k=args.top_k, gradcam_units=args.gradcam_units,
                              method=args.method, window=_window(args.window), window_by=args.window_by)
        print(report["table"])
        print(f"\nwrote {report['out']}/: ensemble.json ensemble.md windows.json windows.md neurons.json gradcam.png")
        return 0


def _window(text):
    if text is None:
        return None
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise InvalidInputError(f"--window takes two percentiles LO,HI (e.g. 50,60), got {text!r}") from None
    return lo, hi


def prune_report(run_dir, out=None, top_k: int = 10, gradcam_units: int = 5, method: str = "gradcam",
                 window=None, window_by: str = "accuracy") -> dict:
    """Write ``ensemble.json``, ``ensemble.md``, ``windows.json``, ``windows.md``,
    ``neurons.json`` and ``gradcam.png`` for a finished pruning run; returns the report and the
    Markdown table. ``window`` (percentiles ``(lo, hi)``) keeps only the front's members whose
    recorded ``window_by`` value lies in it (:meth:`FrontEnsemble.from_result`); ``windows.*``
    hold the ensembles of the released code's percentile windows of those members
    (:meth:`FrontEnsemble.windows`)."""
    from lamoo.journal import read_journal
    from lamoo.result import Result
    from nas_tasks.pruning.ensemble import FrontEnsemble, summary_table, window_table
    from nas_tasks.pruning.neurons import gradcam_figure, influential_units
    from nas_tasks.pruning.task import PruneTask

    run_dir = Path(run_dir)
    out = Path(out or run_dir)
    out.mkdir(parents=True, exist_ok=True)
    journal = run_dir / "journal.jsonl"
    if not journal.is_file():
        raise InvalidInputError(f"{str(run_dir)!r} is not a run folder: it has no journal.jsonl")
    task = PruneTask.from_description(read_journal(journal)[0]["task"])
    result = Result.from_journal(journal)
    ensemble = FrontEnsemble.from_result(task, result, window, window_by)
    report = ensemble.evaluate()
    table = "\n\n".join(summary_table(report, part) for part in ("val", "test"))
    (out / "ensemble.json").write_text(json.dumps(report, indent=1) + "\n")
    (out / "ensemble.md").write_text(table + "\n")
    windows = ensemble.windows()
    (out / "windows.json").write_text(json.dumps(windows, indent=1) + "\n")
    (out / "windows.md").write_text(window_table(windows) + "\n")
    neurons = influential_units(task, ensemble.genomes, ensemble.recorded, top_k)
    neurons["gradcam"] = gradcam_figure(task, ensemble.genomes, ensemble.recorded, out / "gradcam.png",
                                        top_k=gradcam_units, method=method)
    (out / "neurons.json").write_text(json.dumps(neurons, indent=1) + "\n")
    return {"report": report, "neurons": neurons, "table": table, "out": str(out)}


COMMAND = PruneReportCommand()
