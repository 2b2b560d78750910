"""Run folders of ``lamoo optimize``: which folder a fresh run may write to, and the options a
run keeps in its journal so that ``lamoo optimize --out RUN --resume`` needs nothing else.

A run keeps every option it was started with in its journal header (``run.cli``). A resume
starts from those and applies the options given again:

- ``--budget``, ``--data-root``, where evaluations run (``--evaluator`` and its options) and the
  options of where a task runs (a task plug-in's device, executor, threads, cache folder) may change: the task's description, compared on resume (see
  :mod:`lamoo.resume`), tells which task options are part of the run;
- the task (``--problem``, ``--task``, ``--param``, ``--objectives``, ``--dataset``), ``--seed``,
  ``--n-init`` and ``--ref-point`` may not;
- the sampler, its parameters, the LaMOO options and ``--batch-size`` may change only with
  ``--override``; the change is recorded in the journal.
"""
from __future__ import annotations

import argparse
import os
import uuid
from pathlib import Path

from lamoo.exceptions import InvalidInputError, JournalError
from lamoo.resume import RUN_ADVICE, differences, normalized, refuse

JOURNAL = "journal.jsonl"
OUTPUTS = ("results.csv", "pareto.csv", "summary.json", "pareto.png", "hv_trace.png")
OWN_FILES = {JOURNAL, JOURNAL + ".lock", JOURNAL + ".workers", "cells.jsonl", *OUTPUTS}
"""What lamoo writes in a run folder (``cells.jsonl``: the cells trained by ``nb201-train``)."""

NOT_KEPT = {"command", "resume", "out", "no_progress", "override", "overwrite"}
MAY_CHANGE = {"budget", "data_root", "evaluator", "workers", "ray_address", "cpus_per_worker", "gpus_per_worker"}
RUN_OPTIONS = ("problem", "task", "param", "objectives", "dataset", "seed", "n_init", "ref_point")
FROM_HEADER = ("seed", "n_init", "ref_point")  # compared with the run's values, which the header holds
SAMPLER_OPTIONS = ("sampler", "sampler_param", "lamoo", "cp", "cp_fraction", "leaf_size", "max_depth", "kernel",
                   "svm_c", "gamma", "selection", "features", "batch_size")
OVERRIDE_ADVICE = ("To continue with the new sampler settings, add --override; the change is recorded in the "
                   "journal and later resumes use it.")


def check_new_out(out: Path, overwrite: bool) -> None:
    """Refuse ``out`` for a fresh run, before anything is written, when it is a file (or lies
    under one), holds a run (a non-empty journal: never replaced), or holds files that are not a
    lamoo run's own (unless ``overwrite``)."""
    out = Path(out)
    for folder in (out, *out.parents):
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                raise InvalidInputError(f"--out {out}: {folder} is a file, not a folder")
            break
    if not out.exists():
        return
    journal = out / JOURNAL
    if journal.is_dir() or (journal.exists() and journal.stat().st_size > 0):
        raise JournalError(f"--out {out} holds a lamoo run ({journal}): continue it with `lamoo optimize --out {out} "
                           f"--resume` (add --budget N to extend it), or choose another --out; a run's journal is "
                           f"never replaced")
    entries = [e for e in sorted(os.listdir(out)) if not _journal_in_the_making(e)]
    foreign = [e for e in entries if e not in OWN_FILES] if journal.exists() else entries
    if foreign and not overwrite:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise InvalidInputError(f"--out {out} is not empty and is not a lamoo run (it holds {shown}); a run writes "
                                f"{JOURNAL}, {', '.join(OUTPUTS)} there, replacing files of those names: choose a new "
                                f"or empty folder, or pass --overwrite to write there anyway")


def _journal_in_the_making(name: str) -> bool:
    """A journal's temporary file, left by a run killed while it created its journal."""
    return name.startswith(f".{JOURNAL}.") and name.endswith(".new")


def replace_file(path: Path, write) -> None:
    """Make ``path`` by ``write(temporary path)`` and then put it in place: a reader, or another
    process writing the same file, never sees it half written."""
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:12]}{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def kept_options(args: argparse.Namespace) -> dict:
    """The options a run keeps in its journal (JSON values; paths as strings)."""
    return normalized({k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
                       if k not in NOT_KEPT and not callable(v)})


def explicit_options(parser: argparse.ArgumentParser, argv: list[str]) -> set[str]:
    """The options (dests) given on the command line ``argv`` of ``parser``'s ``optimize``:
    parsed again with every default suppressed, so an option given with its default value counts."""
    for action in optimize_subparser(parser)._actions:
        action.default = argparse.SUPPRESS
    return set(vars(parser.parse_args(argv))) - {"command"}


def stored_args(stored: dict, parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The ``lamoo optimize`` options a run kept in its journal (``stored``) as parsed arguments
    of ``parser`` (defaults for any option the run did not keep)."""
    args = parser.parse_args(["optimize"])
    types = {a.dest: a.type for a in optimize_subparser(parser)._actions}
    for dest, value in stored.items():
        setattr(args, dest, Path(value) if types.get(dest) is Path and value is not None else value)
    return args


def optimize_subparser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["optimize"]


def resumed_options(path, header: dict, stored: dict, args: argparse.Namespace, explicit: set[str],
                    parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The options of a resumed run: ``stored`` (as last kept in the journal at ``path``, whose
    header is ``header``) with the ``explicit`` options of ``args`` on top. Raises, naming each
    stored and given value, when a run option differs, or a sampler option without --override."""
    run, sampler = [], []
    for dest in sorted(explicit - NOT_KEPT - MAY_CHANGE):
        given = normalized(getattr(args, dest))
        old = header.get(dest) if dest in FROM_HEADER else stored.get(dest)
        if dest == "ref_point" and header.get("ref_point_source") == "inferred":
            old = "infer"  # the run infers its own: compared by Study.load once the journal is read
        found = differences(old, given, dest)
        if dest in RUN_OPTIONS:
            run += found
        elif dest in SAMPLER_OPTIONS:
            sampler += found
    if run:
        raise refuse(path, run, RUN_ADVICE)
    if sampler and not args.override:
        raise refuse(path, sampler, OVERRIDE_ADVICE)
    types = {a.dest: a.type for a in optimize_subparser(parser)._actions}
    merged = dict(vars(args))
    for dest, value in stored.items():
        if dest not in explicit and dest not in NOT_KEPT:
            merged[dest] = Path(value) if types.get(dest) is Path and value is not None else value
    return argparse.Namespace(**merged)
