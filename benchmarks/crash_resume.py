"""Kill a real ``lamoo optimize`` at random moments, resume it, and count what was lost.

    python -m benchmarks.crash_resume [--trials 20] [--seed 0] [--budget 40] [--max-kills 3]

Each trial starts ``lamoo optimize`` (LaMOO wrapping random search on a finite toy task whose
evaluations are logged with ``lamoo.testing.toys.LoggedToyTask``) in a child process and kills it
with SIGKILL, up to ``--max-kills`` times, each time either

- *inside a journal write*: the child writes a random fraction of its K-th journal write (0: just
  before it, 1: all of it but before it returns) and kills itself, or
- *at a random time* from outside, while every journal write is slowed (half, a pause, the rest),
  so that some kills land mid-write;

and resumes it each time with ``lamoo optimize --out RUN --resume``, until a resume finishes. It
then compares the run with an uninterrupted one and prints, per trial and in all: the kills (and
how many left a cut line), the evaluations that were journaled at a kill and are missing or
changed at the end (*lost*, must be 0), those evaluated again after being journaled (must be 0),
the in-flight evaluations paid again (evaluated but not yet journaled when killed: unavoidable),
whether each in-flight batch was completed first rather than re-planned, and whether the final
archive (points, values, ask numbers, sources, leaves) is identical to the uninterrupted run's.
``python -m benchmarks.crash_resume child ...`` is the child (it injects the faults).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------- the child
def child(argv: list[str]) -> int:
    """``child [--kill-at-write K --cut F] [--slow-write S] -- LAMOO ARGS``: ``lamoo`` with faults."""
    p = argparse.ArgumentParser(prog="crash_resume child")
    p.add_argument("--kill-at-write", type=int, default=0, help="die inside the K-th journal write (0: never)")
    p.add_argument("--cut", type=float, default=0.5, help="fraction of that write that reaches the file")
    p.add_argument("--slow-write", type=float, default=0.0, help="seconds to pause in the middle of every write")
    split = argv.index("--")
    opts, lamoo_args = p.parse_args(argv[:split]), argv[split + 1:]
    from lamoo import journal
    from lamoo.cli import main

    real, count = journal._write_all, [0]

    def faulty(fd: int, data: bytes) -> None:
        count[0] += 1
        if count[0] == opts.kill_at_write:
            real(fd, data[:int(len(data) * opts.cut)])
            os.fsync(fd)
            os.kill(os.getpid(), signal.SIGKILL)
        if opts.slow_write > 0:
            real(fd, data[:len(data) // 2])
            os.fsync(fd)
            time.sleep(opts.slow_write)
            data = data[len(data) // 2:]
        real(fd, data)

    journal._write_all = faulty
    return main(lamoo_args)


# ---------------------------------------------------------------------------- the parent
def lamoo_args(out: Path, log: Path, budget: int, delay: float = 0.02) -> list[str]:
    """The options of the run every trial makes (and of its uninterrupted reference)."""
    return ["optimize", "--task", "lamoo.testing.toys:LoggedToyTask", "--param", f"log={log}", "--param",
            f"delay={delay}", "--sampler", "random", "--lamoo", "--leaf-size", "6", "--n-init", "10",
            "--batch-size", "5", "--seed", "7", "--budget", str(budget), "--no-progress", "--out", str(out)]


def resume_args(out: Path) -> list[str]:
    return ["optimize", "--out", str(out), "--resume", "--no-progress"]


def run_child(args: list[str], fault: list[str], kill_after: float | None, journal: Path | None = None,
              timeout: float = 300) -> int:
    """Run the child with ``fault`` options and, if ``kill_after`` is given, SIGKILL it that many
    seconds after its first write to ``journal``. Returns its exit status (``-9``: killed)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "benchmarks.crash_resume", "child", *fault, "--", *args]
    size = _size(journal)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    if kill_after is not None:
        while proc.poll() is None and _size(journal) == size:
            time.sleep(0.005)
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    if proc.returncode not in (0, -signal.SIGKILL):
        raise RuntimeError(f"the child failed ({proc.returncode}): {err.decode()[-2000:]}")
    return proc.returncode


def _size(path: Path | None) -> int:
    try:
        return path.stat().st_size
    except (AttributeError, OSError):
        return -1


def writes_left(out: Path, budget: int) -> int:
    """About how many journal writes a child of this run makes before it finishes."""
    path = out / "journal.jsonl"
    if not path.exists():
        return 4 + 2 * -(-(budget - 10) // 5)
    return 2 + 2 * -(-(budget - snapshot_counts(path)) // 5)


def snapshot_counts(path: Path) -> int:
    from lamoo.journal import read_run

    return read_run(path).n_evals


@dataclass
class Snapshot:
    """The run as a kill left it: told rows (key -> values), the pending rows in order, the
    evaluations logged so far, and whether the journal ends in a cut line."""

    told: dict
    pending: list
    logged: int
    cut_line: bool


def snapshot(out: Path, log: Path) -> Snapshot:
    from lamoo.journal import read_run
    from lamoo.testing.toys import read_evaluation_log

    path = out / "journal.jsonl"
    if not path.exists():
        return Snapshot({}, [], len(read_evaluation_log(log)), False)
    run = read_run(path)
    ev = run.evaluations()
    told = {x.tobytes(): y.tobytes() for x, y in zip(ev.X, ev.Y)}
    pending = [row.x.tobytes() for row in sorted(run.pending.values(), key=lambda r: (r.batch, r.row))]
    return Snapshot(told, pending, len(read_evaluation_log(log)), not path.read_bytes().endswith(b"\n"))


@dataclass
class Trial:
    kills: int = 0
    cut_lines: int = 0
    lost: int = 0
    repaid_journaled: int = 0
    repaid_in_flight: int = 0
    in_flight_batches: int = 0
    completed_first: int = 0
    identical: bool = False
    seconds: float = 0.0
    modes: list = field(default_factory=list)


def run_trial(folder: Path, budget: int, rng: np.random.Generator, max_kills: int, reference,
              run_seconds: float = 1.5) -> Trial:
    """One trial in ``folder`` (see the module docstring) against the ``reference`` run; timer
    kills fall within ``run_seconds`` of the child's first journal write."""
    start, trial = time.perf_counter(), Trial()
    out, log = folder / "run", folder / "evaluations.jsonl"
    snapshots, code = [], -signal.SIGKILL
    for attempt in range(max_kills):
        args = resume_args(out) if (out / "journal.jsonl").exists() else lamoo_args(out, log, budget)
        if rng.random() < 0.5:
            cut = float(rng.choice([0.0, 1.0])) if rng.random() < 0.3 else float(rng.uniform(0.05, 0.95))
            k = int(rng.integers(1, writes_left(out, budget) + 1))
            fault, kill_after, mode = ["--kill-at-write", str(k), "--cut", str(cut)], None, "write"
        else:
            fault, kill_after, mode = ["--slow-write", "0.05"], float(rng.uniform(0, run_seconds)), "timer"
        code = run_child(args, fault, kill_after, out / "journal.jsonl")
        if code == 0:
            break
        trial.kills += 1
        trial.modes.append(mode)
        snapshots.append(snapshot(out, log))
        trial.cut_lines += snapshots[-1].cut_line
    if code != 0:
        args = resume_args(out) if (out / "journal.jsonl").exists() else lamoo_args(out, log, budget)
        run_child(args, [], None)
    _account(trial, snapshots, out, log, reference)
    trial.seconds = time.perf_counter() - start
    return trial


def calibrate(folder: Path, budget: int) -> float:
    """Seconds from the first to the last journal write of an unfaulted run with slowed writes."""
    out, log = folder / "run", folder / "evaluations.jsonl"
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "benchmarks.crash_resume", "child", "--slow-write", "0.05", "--",
           *lamoo_args(out, log, budget)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env)
    first = last = None
    size = -1
    while proc.poll() is None:
        if _size(out / "journal.jsonl") != size:
            size, last = _size(out / "journal.jsonl"), time.perf_counter()
            first = first or last
        time.sleep(0.005)
    return last - first


def _account(trial: Trial, snapshots: list, out: Path, log: Path, reference) -> None:
    """Compare the finished run with the ``reference`` and with what each kill left."""
    from lamoo.result import Result
    from lamoo.testing.toys import read_evaluation_log

    final = Result.from_journal(out / "journal.jsonl")
    told = {x.tobytes(): y.tobytes() for x, y in zip(final.X, final.Y)}
    batches = read_evaluation_log(log)
    rows = [np.asarray(b["x"], dtype=float) for b in batches]
    for snap in snapshots:
        trial.lost += sum(told.get(key) != y for key, y in snap.told.items())
        later = [x.tobytes() for batch in rows[snap.logged:] for x in batch]
        trial.repaid_journaled += sum(key in snap.told for key in later)
        if snap.pending:  # the next batch evaluated, by whichever process, must be exactly these rows
            trial.in_flight_batches += 1
            first = [x.tobytes() for x in rows[snap.logged]] if snap.logged < len(rows) else None
            trial.completed_first += first == snap.pending
    evaluated = [x.tobytes() for batch in rows for x in batch]
    trial.repaid_in_flight = len(evaluated) - len(set(evaluated))
    trial.identical = all(np.array_equal(getattr(final, a), getattr(reference, a), equal_nan=a == "Y")
                          for a in ("X", "Y", "batches", "leaf_ids")) and final.sources == reference.sources


def reference_run(folder: Path, budget: int):
    """The uninterrupted run (in this process)."""
    from contextlib import redirect_stdout
    from io import StringIO

    from lamoo.cli import main
    from lamoo.result import Result

    with redirect_stdout(StringIO()):
        assert main(lamoo_args(folder / "run", folder / "evaluations.jsonl", budget)) == 0
    return Result.from_journal(folder / "run" / "journal.jsonl")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["child"]:
        return child(argv[1:])
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=20, help="kill/resume trials (default: 20)")
    p.add_argument("--seed", type=int, default=0, help="seed of the kill points (default: 0)")
    p.add_argument("--budget", type=int, default=40, help="evaluations per run (default: 40)")
    p.add_argument("--max-kills", type=int, default=3, help="kills per trial at most (a resume may finish first)")
    args = p.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        reference = reference_run(Path(tmp) / "reference", args.budget)
        run_seconds = calibrate(Path(tmp) / "calibration", args.budget)
        print(f"an unfaulted child with slowed writes writes its journal for {run_seconds:.2f} s")
        trials = []
        print("trial kills(modes)          cut-lines lost repaid-journaled repaid-in-flight in-flight "
              "completed-first identical seconds")
        for t in range(args.trials):
            trial = run_trial(Path(tmp) / f"trial{t}", args.budget, rng, args.max_kills, reference, run_seconds)
            trials.append(trial)
            print(f"{t:5d} {trial.kills} ({','.join(trial.modes):18s}) {trial.cut_lines:9d} {trial.lost:4d} "
                  f"{trial.repaid_journaled:16d} {trial.repaid_in_flight:16d} {trial.in_flight_batches:9d} "
                  f"{trial.completed_first:15d} {str(trial.identical):9s} {trial.seconds:7.1f}", flush=True)
    print(json.dumps(summarize(trials), indent=1))
    return 0


def summarize(trials: list[Trial]) -> dict:
    return {"trials": len(trials), "kills": sum(t.kills for t in trials),
            "kills_inside_a_write": sum(m == "write" for t in trials for m in t.modes),
            "kills_that_left_a_cut_line": sum(t.cut_lines for t in trials),
            "lost": sum(t.lost for t in trials), "repaid_journaled": sum(t.repaid_journaled for t in trials),
            "repaid_in_flight": sum(t.repaid_in_flight for t in trials),
            "in_flight_batches": sum(t.in_flight_batches for t in trials),
            "completed_first": sum(t.completed_first for t in trials),
            "identical_archives": f"{sum(t.identical for t in trials)}/{len(trials)}"}


if __name__ == "__main__":
    sys.exit(main())
