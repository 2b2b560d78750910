"""The ``lamoo`` command line: ``lamoo optimize``, ``lamoo report`` and the plug-in commands.

lamoo names none of its plug-ins (see :mod:`lamoo.plugins`): ``lamoo optimize --task NAME`` takes
a task plug-in with options of its own (group ``lamoo.task_plugins``, e.g. ``nb201``), a task
registered in ``lamoo.tasks`` (e.g. ``branin-currin``) or the import path of any task
(``mypkg:MyTask``); every ``lamoo.commands`` entry point is a subcommand (e.g. ``lamoo bench``).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from lamoo import plugins
from lamoo._version import __version__


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _key_values(pairs: list[str] | None, option: str) -> dict:
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SystemExit(f"{option} expects KEY=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        out[key.replace("-", "_")] = _parse_value(value)
    return out


def _ref_point(text: str):
    """``--ref-point``: comma-separated numbers, or 'infer'."""
    if text.strip() == "infer":
        return "infer"
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers (one per objective, raw units) or "
                                         f"'infer', got {text!r}") from None


def _number_or_word(text: str, words: tuple[str, ...], positive: bool):
    """``text`` as one of ``words`` or a finite float (``> 0`` if ``positive``, else ``>= 0``);
    an :class:`argparse.ArgumentTypeError` otherwise, so argparse reports it without a traceback."""
    if text in words:
        return text
    expected = f"a number {'> 0' if positive else '>= 0'} or {' or '.join(repr(w) for w in words)}"
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if not (math.isfinite(value) and (value > 0 if positive else value >= 0)):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def _cp(text: str):
    """``--cp``: a number >= 0 or 'auto'."""
    return _number_or_word(text, ("auto",), positive=False)


def _gamma(text: str):
    """``--gamma``: a positive number, 'scale' or 'auto'."""
    return _number_or_word(text, ("scale", "auto"), positive=True)


def _auto_or(kind):
    """An argparse type: ``'auto'`` or a value read by ``kind``."""
    def parse(text: str):
        if text == "auto":
            return text
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected 'auto' or {kind.__name__}, got {text!r}") from None
    return parse


def add_lamoo_arguments(parser: argparse.ArgumentParser) -> None:
    """The LaMOO options shared by ``optimize`` and the benchmark commands. Region-policy options
    default to ``auto``: the inner sampler's measured policy (``lamoo.RegionPolicy``)."""
    g = parser.add_argument_group("LaMOO (with --lamoo)")
    g.add_argument("--lamoo", action="store_true", help="wrap the sampler in LaMOO (learned space partitions)")
    g.add_argument("--cp", type=_cp, default="auto",
                   help="UCB exploration constant, or 'auto' = cp-fraction x hypervolume of all samples (default: auto)")
    g.add_argument("--policy", default="auto", choices=["auto", "classic"],
                   help="where the region-policy options left at 'auto' come from: the sampler's measured policy "
                        "(auto, the default) or LaMOO as published (classic)")
    g.add_argument("--cp-fraction", type=_auto_or(float), default="auto",
                   help="fraction used by --cp auto (default: auto, the sampler's policy)")
    g.add_argument("--leaf-size", type=_auto_or(int), default="auto",
                   help="nodes with at most this many samples are leaves (default: auto)")
    g.add_argument("--max-depth", type=int, default=6, help="maximum tree depth (default: 6)")
    g.add_argument("--kernel", default="rbf", choices=["rbf", "poly", "linear", "sigmoid"], help="SVM kernel (default: rbf)")
    g.add_argument("--svm-c", type=float, default=1.0, help="SVM regularization C (default: 1.0)")
    g.add_argument("--gamma", type=_gamma, default="scale", help="SVM gamma: 'scale', 'auto' or a number (default: scale)")
    g.add_argument("--selection", default="auto", choices=["auto", "path", "leaf"],
                   help="'path': descend the tree by UCB; 'leaf': the leaf with the best UCB (default: auto)")
    g.add_argument("--score", default="auto", choices=["auto", "hv", "exclusive"],
                   help="node score for UCB: the node's hypervolume (hv) or what the front loses without it "
                        "(exclusive) (default: auto)")
    g.add_argument("--min-share", type=_auto_or(float), default="auto",
                   help="relax the selected region while it holds less than this fraction of the samples (default: auto)")
    g.add_argument("--global-fraction", type=_auto_or(float), default="auto",
                   help="expected fraction of each batch proposed in the whole space (default: auto)")
    g.add_argument("--global-every", type=_auto_or(int), default="auto",
                   help="propose every k-th batch in the whole space, 0 never (default: auto)")
    g.add_argument("--mixing", default="auto", choices=["auto", "fixed", "yield"],
                   help="whole-space share of a batch: --global-fraction (fixed) or following the recent success "
                        "rates of whole-space and regional points (yield) (default: auto)")
    g.add_argument("--features", default="auto", choices=["auto", "raw", "onehot"],
                   help="classifier inputs: unit-scaled coordinates (raw), one-hot categoricals (onehot), or "
                        "one-hot when the space has categorical dimensions (auto, the default)")


def lamoo_kwargs(args) -> dict:
    return {"cp": args.cp, "cp_fraction": args.cp_fraction, "leaf_size": args.leaf_size, "max_depth": args.max_depth,
            "kernel": args.kernel, "C": args.svm_c, "gamma": args.gamma, "selection": args.selection,
            "features": args.features, "policy": args.policy, "score": args.score, "min_share": args.min_share,
            "global_fraction": args.global_fraction, "global_every": args.global_every, "mixing": args.mixing}


def build_sampler(args):
    from lamoo.meta import LaMOO

    sampler = plugins.get_sampler(args.sampler, **_key_values(args.sampler_param, "--sampler-param"))
    return LaMOO(sampler, **lamoo_kwargs(args)) if args.lamoo else sampler


def build_task(args, task_plugins: dict | None = None):
    """The task of ``lamoo optimize``: ``--problem`` with its ``--param`` options, or ``--task``: a
    task plug-in (built from all the arguments), else a registered task or an import path, built
    with the ``--param`` options and the shared ``--objectives``, ``--dataset`` and ``--data-root``
    that were given."""
    params = _key_values(args.param, "--param")
    if args.task is None:
        from lamoo.problems import get_problem

        return get_problem(args.problem, **params)
    task_plugins = plugins.task_plugins() if task_plugins is None else task_plugins
    if args.task in task_plugins:
        return task_plugins[args.task].build(args)
    shared = {"objectives": args.objectives.split(",") if args.objectives else None, "dataset": args.dataset,
              "data_root": args.data_root, "classes": getattr(args, "classes", None)}
    return plugins.get_task(args.task, **params, **{k: v for k, v in shared.items() if v is not None})


def add_evaluator_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("where evaluations run (see lamoo.evaluators; may change on --resume)")
    g.add_argument("--evaluator", default="batch", choices=["batch", "threads", "ray"],
                   help="batch: --batch-size points at a time in this process (default); threads or ray: one point "
                        "per free worker, asynchronously, on threads of this process or on a Ray cluster")
    g.add_argument("--workers", type=int, default=None,
                   help="points evaluated at once (threads: default 2; ray: default the cluster's CPUs / "
                        "--cpus-per-worker)")
    g.add_argument("--ray-address", default=None,
                   help="Ray cluster to join ('auto', 'ray://host:port'; default: $RAY_ADDRESS, else a local cluster "
                        "started for the run); also used by --executor ray of nb201-train")
    g.add_argument("--cpus-per-worker", type=int, default=1,
                   help="ray: CPUs each evaluation reserves, and its CPU thread count (default: 1)")
    g.add_argument("--gpus-per-worker", type=float, default=0, help="ray: GPUs each evaluation reserves (default: 0)")


def build_evaluator(args):
    """The evaluator ``--evaluator`` names with its options, or None for the batch loop."""
    from lamoo.evaluators import RayEvaluator, ThreadEvaluator

    if args.evaluator == "threads":
        return ThreadEvaluator(2 if args.workers is None else args.workers)
    if args.evaluator == "ray":
        return RayEvaluator(address=args.ray_address, n_workers=args.workers, cpus_per_worker=args.cpus_per_worker,
                            gpus_per_worker=args.gpus_per_worker)
    return None


def _optimize_parser(sub, task_plugins: dict) -> None:
    p = sub.add_parser("optimize", help="run an optimization and write its journal, tables and plots",
                       description="Optimize a built-in problem (--problem) or a task (--task) and write "
                                   "journal.jsonl, results.csv, pareto.csv, pareto.png, hv_trace.png and "
                                   "summary.json to --out.")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--problem", default="branin-currin",
                      help="built-in problem: branin-currin, vehicle-safety, dtlz2 (default: branin-currin)")
    what.add_argument("--task", default=None,
                      help=f"a task instead of a problem: a task plug-in ({', '.join(sorted(task_plugins)) or 'none'}), "
                           f"a registered task ({', '.join(plugins.list_tasks()) or 'none'}) or the import path "
                           f"module:attribute of a task class or factory")
    p.add_argument("--param", action="append", metavar="KEY=VALUE",
                   help="problem or task option, repeatable (e.g. --param dim=8 --param num_objectives=3 for dtlz2)")
    t = p.add_argument_group("task options shared by the --task plug-ins (and passed to other tasks when given)")
    t.add_argument("--objectives", default=None,
                   help="comma-separated objectives, each optionally suffixed :min or :max")
    t.add_argument("--dataset", default=None, help="dataset the task is defined on")
    t.add_argument("--data-root", type=Path, default=None, help="folder the task reads its data files from")
    t.add_argument("--classes", default=None,
                   help="only these classes of the dataset, relabelled 0..k-1 (e.g. 0-4 or 0,2,5-7; default: all)")
    p.add_argument("--sampler", default="random", help="inner sampler name (default: random)")
    p.add_argument("--sampler-param", action="append", metavar="KEY=VALUE", help="sampler parameter, repeatable")
    add_lamoo_arguments(p)
    p.add_argument("--budget", type=int, default=100, help="evaluations in all, initial design included (default: 100)")
    p.add_argument("--n-init", type=int, default=None, help="initial design size (default: 2 * (d + 1))")
    p.add_argument("--batch-size", type=int, default=5, help="points proposed per iteration (default: 5)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--ref-point", type=_ref_point, default=None,
                   help="reference point in raw units, comma-separated, or 'infer': the nadir of the initial design's "
                        "Pareto front widened by 10%% of its range (BoTorch's rule), fixed for the run and kept in the "
                        "journal (default: the task's, inferred when the task has none)")
    p.add_argument("--constraint", action="append", default=None, metavar="NAME<=BOUND",
                   help="outcome constraint NAME<=BOUND or NAME>=BOUND on an objective or another value the task "
                        "measures (e.g. a table column: 'latency_ms_pixel3<=5'), repeatable; only points that meet "
                        "every constraint count in the hypervolume, the Pareto front and the reports")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: runs/<problem>-<sampler>-s<seed>); a fresh run refuses a folder that "
                        "holds a run, or files that are not a run's own")
    p.add_argument("--overwrite", action="store_true",
                   help="let a fresh run write into a non-empty --out that is not a lamoo run (files named like its "
                        "outputs are replaced; a journal never is)")
    p.add_argument("--resume", action="store_true",
                   help="continue (or join, from another process) the run in --out: every setting comes from its "
                        "journal, so --out is enough; --budget N extends it")
    p.add_argument("--override", action="store_true",
                   help="with --resume: accept another sampler, sampler parameters, LaMOO options or --batch-size "
                        "than the journal's (the change is recorded in the journal)")
    p.add_argument("--no-progress", action="store_true", help="do not show a progress bar")
    add_evaluator_arguments(p)
    for plugin in task_plugins.values():
        plugin.add_arguments(p)


def cmd_optimize(args, task_plugins: dict | None = None, explicit: set[str] | None = None) -> int:
    """``lamoo optimize``: a fresh run in ``--out``, or with ``--resume`` the run there, continued
    with the options kept in its journal and the ``explicit`` ones given again (see
    :mod:`lamoo.runfolder`)."""
    from lamoo.checks import check_int
    from lamoo.driver import Study
    from lamoo.exceptions import InvalidInputError
    from lamoo.runfolder import JOURNAL, check_new_out, kept_options

    check_int(args.budget, "--budget", 1)
    check_int(args.batch_size, "--batch-size", 1)
    check_int(args.workers, "--workers", 1, allow_none=True)
    check_int(args.cpus_per_worker, "--cpus-per-worker", 1)
    if not 0 <= args.gpus_per_worker < float("inf"):
        raise InvalidInputError(f"--gpus-per-worker must be a number >= 0, got {args.gpus_per_worker!r}")
    if args.resume:
        study, args = _resume(args, task_plugins, explicit if explicit is not None else set(vars(args)))
    else:
        name = (args.task or args.problem).replace(":", "-")
        args.out = args.out or Path("runs") / f"{name}-{'lamoo-' if args.lamoo else ''}{args.sampler}-s{args.seed}"
        check_new_out(args.out, args.overwrite)
        kept = kept_options(args)
        task, sampler = build_task(args, task_plugins), build_sampler(args)
        # the journal (and with it the folder) is created only once the Study's arguments are valid
        study = Study(task, sampler, seed=args.seed, n_init=args.n_init, journal=args.out / JOURNAL,
                      ref_point=args.ref_point, run_info={"cli": kept},
                      constraints=_study_constraints(task, args))
    evaluator = build_evaluator(args)
    with study:
        try:
            result = study.optimize(args.budget, args.batch_size, progress=not args.no_progress, evaluator=evaluator)
        finally:
            if evaluator is not None:
                evaluator.shutdown()
        write_report(result, args.out)
        _report_pending(study.pending_points, args.out)
    return 0


def _study_constraints(task, args):
    """The ``--constraint`` options, unless the task took them already (a task plug-in that
    resolves names, such as ``nb201``, passes them to its task)."""
    return None if getattr(task, "constraints", None) else args.constraint


def _resume(args, task_plugins, explicit: set[str]):
    """The study of ``lamoo optimize --resume`` and the options it runs with."""
    from lamoo.driver import Study
    from lamoo.exceptions import InvalidInputError, JournalError
    from lamoo.journal import read_run
    from lamoo.runfolder import JOURNAL, kept_options, resumed_options

    if args.out is None:
        raise InvalidInputError("--resume needs --out, the folder of the run to continue")
    journal = args.out / JOURNAL
    if not journal.is_file():
        raise JournalError(f"no lamoo run to resume in {args.out}: {journal} not found (start a run without --resume)")
    log = read_run(journal)
    stored = (log.run or {}).get("cli")
    if stored is not None:  # else a journal made by the Python API: the options given are the run's
        args = resumed_options(journal, log.header, stored, args, explicit, make_parser(task_plugins))
    given = {k: getattr(args, k) for k in ("seed", "n_init", "ref_point") if k in explicit}
    try:
        study = Study.load(journal, build_task(args, task_plugins), build_sampler(args), **given,
                           allow_sampler_change=args.override,
                           run_info=None if stored is None else {**log.run, "cli": kept_options(args)})
    except JournalError as exc:
        if stored is not None:
            raise
        raise JournalError(f"{exc}\n{journal} does not keep the options it was started with (it was written by "
                           f"Study or an older lamoo): give them again with --resume") from None
    print(f"resuming {journal}: {study.n_told} evaluations done of a budget of {args.budget}; task "
          f"{args.task or args.problem}, sampler {'lamoo-' if args.lamoo else ''}{args.sampler}, seed {study.seed}")
    return study, args


def _report_pending(pending, out: Path) -> None:
    if len(pending):
        print(f"{len(pending)} asked points are not told yet (other processes are evaluating them, or died doing "
              f"so): `lamoo optimize --out {out} --resume` evaluates those left by a process that died")


def write_report(result, out: Path) -> None:
    """Write results.csv, pareto.csv, summary.json and the two plots to ``out`` and print the
    summary and Pareto front."""
    from lamoo.plotting import plot_hypervolume_trace, plot_pareto
    from lamoo.reference import describe_reference
    from lamoo.versions import library_versions
    import pandas as pd

    from lamoo.runfolder import replace_file

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    front, summary = result.pareto_front(), result.summary()
    # each file is written whole and then put in place: workers sharing a run may report at once
    replace_file(out / "results.csv", lambda path: result.to_frame().to_csv(path))
    replace_file(out / "pareto.csv", front.to_csv)
    record = {**summary, "run": result.provenance(), "reported_with": library_versions()}
    replace_file(out / "summary.json", lambda path: path.write_text(json.dumps(record, indent=2) + "\n"))
    replace_file(out / "pareto.png", lambda path: _save(plot_pareto(result), path))
    replace_file(out / "hv_trace.png", lambda path: _save(plot_hypervolume_trace(result), path))
    with pd.option_context("display.max_rows", 30, "display.width", 120):
        print(f"\nPareto front ({len(front)} points, raw units):")
        shown = front if result.labels is None else front.drop(columns=list(result.names), errors="ignore")
        print(shown.to_string(float_format=lambda v: f"{v:.5g}") if len(shown) <= 30 else shown)
    if summary.get("feasible") == 0:
        print(f"\nno feasible point found yet (constraints {', '.join(summary['constraints'])})")
    print("\n" + "\n".join(f"{k:>20}: {v:.6g}" if isinstance(v, float) else f"{k:>20}: {v}" for k, v in summary.items()))
    print("\n" + describe_reference(result.ref_point, result.ref_point_source, result.reference_evaluations))
    print(f"\nwrote {out}/: journal.jsonl results.csv pareto.csv summary.json pareto.png hv_trace.png")


def _save(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=120)
    plt.close(fig)


def _report_parser(sub) -> None:
    p = sub.add_parser("report", help="summarize a run folder (tables and plots) from its journal",
                       description="Read RUN_DIR/journal.jsonl, print the summary and Pareto front, and rewrite "
                                   "results.csv, pareto.csv, summary.json, pareto.png and hv_trace.png.")
    p.add_argument("run_dir", type=Path, help="a folder written by 'lamoo optimize'")


def cmd_report(args) -> int:
    from lamoo.exceptions import JournalError
    from lamoo.journal import read_run
    from lamoo.result import Result
    from lamoo.runfolder import JOURNAL

    journal = args.run_dir / JOURNAL
    if not journal.is_file():
        raise JournalError(f"{args.run_dir} is not a run folder written by 'lamoo optimize': {journal} not found")
    log = read_run(journal)
    write_report(Result.from_run_log(log, _task_of(log)), args.run_dir)
    _report_pending([row.x for row in log.pending.values()], args.run_dir)
    return 0


def _task_of(log):
    """The task of a run folder's journal, rebuilt from the options it keeps, so that the report
    names its points (:func:`lamoo.task.point_labels`); None, with a note, when it cannot be."""
    from lamoo.exceptions import LamooError
    from lamoo.runfolder import stored_args

    stored = (log.run or {}).get("cli")
    if stored is None:
        return None
    try:
        return build_task(stored_args(stored, make_parser()))
    except (LamooError, OSError) as exc:
        print(f"note: the task could not be rebuilt ({exc}); the tables leave out its point labels")
        return None


def make_parser(task_plugins: dict | None = None, commands: dict | None = None) -> argparse.ArgumentParser:
    """The ``lamoo`` parser, with the options of ``task_plugins`` and a subcommand per command
    (default: those registered, :func:`lamoo.plugins.task_plugins` and :func:`~lamoo.plugins.commands`)."""
    task_plugins = plugins.task_plugins() if task_plugins is None else task_plugins
    commands = plugins.commands() if commands is None else commands
    parser = argparse.ArgumentParser(prog="lamoo", description="Multi-objective optimization and NAS with LaMOO.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _optimize_parser(sub, task_plugins)
    _report_parser(sub)
    for name, command in commands.items():
        command.add_arguments(sub.add_parser(name, help=command.HELP, description=command.HELP))
    return parser


def main(argv: list[str] | None = None) -> int:
    from lamoo.exceptions import LamooError
    from lamoo.runfolder import explicit_options

    argv = sys.argv[1:] if argv is None else list(argv)
    task_plugins, commands = plugins.task_plugins(), plugins.commands()
    args = make_parser(task_plugins, commands).parse_args(argv)
    try:
        if args.command == "optimize":
            return cmd_optimize(args, task_plugins, explicit_options(make_parser(task_plugins, commands), argv))
        if args.command == "report":
            return cmd_report(args)
        return commands[args.command].run(args)
    except LamooError as exc:
        print(f"lamoo: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk, a folder that cannot be written: the user's to fix, not a bug
        print(f"lamoo: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
