"""Where a run record comes from: library versions, the git commit of the code, the machine,
and the ``lamoo bench`` command line that makes the run (library versions: :mod:`lamoo.versions`)."""
from __future__ import annotations

import os
import platform
import shlex
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from lamoo.bench.specs import seeds_text


CODE_ROOT = Path(__file__).resolve().parents[2]  # the checkout lamoo runs from (site-packages when installed)
RESULTS = "benchmarks/results"
"""Benchmark outputs: changes there do not make the code dirty (a grid appends its command to a
committed ``grid.json`` when it starts, and a re-made report replaces committed files)."""


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of :data:`CODE_ROOT` (``-dirty`` when tracked files outside :data:`RESULTS` are
    modified); None outside a git checkout."""
    root = str(CODE_ROOT)
    try:
        out = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no", "--", ".",
                                f":(exclude){RESULTS}"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def machine() -> dict:
    """``platform`` (OS string), ``threads`` (``OMP_NUM_THREADS``) and, once torch is loaded,
    ``torch_threads``."""
    out = {"platform": platform.platform(), "threads": os.environ.get("OMP_NUM_THREADS")}
    if "torch" in sys.modules:
        out["torch_threads"] = sys.modules["torch"].get_num_threads()
    return out


def bench_command(tasks, methods, seeds, *, budget: int, batch_size: int, n_init: int, out, table=None,
                  add_task=(), lamoo_param=(), workers: int | None = None) -> str:
    """One ``lamoo bench`` command line (shell-quoted): the grid ``tasks x methods x seeds`` with
    these settings, written to ``out``. ``workers=None`` leaves the worker count at its default
    (it does not change results). Used for the records of a grid and by the report, which
    rebuilds the commands from the runs it holds."""
    parts = ["lamoo", "bench", "--tasks", *tasks, "--methods", *methods, "--seeds", seeds_text(seeds),
             "--budget", str(budget), "--batch-size", str(batch_size), "--n-init", str(n_init)]
    if table:
        parts += ["--table", str(table)]
    for item in add_task:
        parts += ["--add-task", item]
    for item in lamoo_param:
        parts += ["--lamoo-param", item]
    if workers is not None:
        parts += ["--workers", str(workers)]
    parts += ["--out", str(out)]
    return shlex.join(parts)
