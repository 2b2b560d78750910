"""Several processes on one study: real processes asking and telling on one journal."""
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np

from lamoo import Study
from lamoo.journal import read_journal, read_run
from lamoo.result import Result
from lamoo.testing.toys import LoggedToyTask, read_evaluation_log
from samplers import RandomSampler

ROOT = Path(__file__).resolve().parents[2]
FORK = multiprocessing.get_context("fork")


def _sampler():
    return RandomSampler()


def _worker(path, log, budget, batch_size):
    with Study.load(path, LoggedToyTask(log, delay=0.02), _sampler()) as study:
        study.optimize(budget, batch_size)


def _evaluated(log) -> list[tuple]:
    return [tuple(x) for batch in read_evaluation_log(log) for x in batch["x"]]


def test_three_processes_evaluate_the_budget_between_them_without_repeating_a_point(tmp_path):
    path, log = tmp_path / "run.jsonl", tmp_path / "evaluations.jsonl"
    Study(LoggedToyTask(log), _sampler(), seed=1, n_init=6, journal=path).close()
    workers = [FORK.Process(target=_worker, args=(path, log, 36, 2)) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    evaluated = _evaluated(log)
    assert len(evaluated) == len(set(evaluated)) == 36  # no point evaluated twice, none beyond the budget
    assert len({batch["pid"] for batch in read_evaluation_log(log)}) >= 2  # they did share the work
    header, records = read_journal(path)
    assert [r["i"] for r in records] == list(range(36))
    assert sorted(tuple(r["x"]) for r in records) == sorted(evaluated)  # nothing paid was lost
    union = Study.load(path, LoggedToyTask(log), _sampler())  # a resume reproduces the union
    np.testing.assert_array_equal(union.archive.X, Result.from_journal(path).X)
    assert len(union.pending_points) == 0 and union.ask(3).shape == (3, 4)


def _ask_and_die(path, log, conn):
    study = Study.load(path, LoggedToyTask(log), _sampler())
    conn.send(study.ask(4))
    conn.recv()  # wait until told to die
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_dead_workers_points_are_claimed_and_a_live_ones_are_not(tmp_path):
    path, log = tmp_path / "run.jsonl", tmp_path / "evaluations.jsonl"
    task = LoggedToyTask(log)
    Study(task, _sampler(), seed=2, n_init=4, journal=path).close()
    here, there = FORK.Pipe()
    child = FORK.Process(target=_ask_and_die, args=(path, log, there))
    child.start()
    theirs = here.recv()
    study = Study.load(path, task, _sampler())
    mine = study.ask(4)  # the child is alive: its points are its own
    assert not (mine[:, None] == theirs[None]).all(-1).any()
    study.tell(mine, task.evaluate(mine))
    here.send("die")
    child.join(30)
    assert child.exitcode == -signal.SIGKILL
    claimed = study.ask(10)  # now they are free: exactly the dead worker's points, in its order
    np.testing.assert_array_equal(claimed, theirs)
    study.tell(claimed, task.evaluate(claimed))
    assert read_run(path).pending == {} and study.n_told == 8
    evaluated = _evaluated(log)
    assert len(evaluated) == len(set(evaluated)) == 8


def test_two_cli_resumes_at_once_share_the_run(tmp_path, capsys):
    from lamoo.cli import main

    out, log = tmp_path / "run", tmp_path / "evaluations.jsonl"
    assert main(["optimize", "--task", "lamoo.testing.toys:LoggedToyTask", "--param", f"log={log}", "--param",
                 "delay=0.05", "--sampler", "random", "--batch-size", "2", "--n-init", "4", "--seed", "3", "--budget",
                 "4", "--no-progress", "--out", str(out)]) == 0
    resume = [sys.executable, "-m", "lamoo.cli", "optimize", "--out", str(out), "--resume", "--budget", "16",
              "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen(resume, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
             for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    evaluated = _evaluated(log)
    assert len(evaluated) == len(set(evaluated)) == 16
    records = read_journal(out / "journal.jsonl")[1]
    assert [r["i"] for r in records] == list(range(16))
    assert sorted(tuple(r["x"]) for r in records) == sorted(evaluated)
    assert main(["report", str(out)]) == 0 and "evaluations: 16" in capsys.readouterr().out
