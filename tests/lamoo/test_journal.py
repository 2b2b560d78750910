import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from lamoo import LaMOO, Study
from lamoo.exceptions import JournalError
from lamoo.journal import read_journal
from lamoo.result import Result
from samplers import RandomSampler
from tests.toys import FiniteToyTask, MixedToyTask, ToyTask
from tests.lamoo.test_driver import Crashing


def test_every_tell_is_on_disk_before_tell_returns(tmp_path):
    task = ToyTask(d=2)
    path = tmp_path / "run.jsonl"
    study = Study(task, LaMOO(RandomSampler()), seed=2, journal=path)
    X = study.ask(5)
    study.tell(X, task.evaluate(X))
    header, records = read_journal(path)
    assert header["seed"] == 2 and header["n_init"] == 6 and header["ref_point"] == [1.1, 1.1]
    assert header["sampler"]["name"] == "lamoo" and header["sampler"]["params"]["sampler"]["name"] == "random"
    assert [r["x"] for r in records] == X.tolist()
    assert {r["source"] for r in records} == {"init"} and all(r["leaf_id"] == -1 for r in records)


def test_a_resumed_run_continues_exactly_like_an_uninterrupted_one(tmp_path):
    task = ToyTask(d=2)
    full = Study(task, LaMOO(RandomSampler(), leaf_size=4), seed=7, n_init=10).optimize(45, batch_size=5)

    path = tmp_path / "run.jsonl"  # interrupted after 25 = 10 + 3 x 5 evaluations
    Study(task, LaMOO(RandomSampler(), leaf_size=4), seed=7, n_init=10, journal=path).optimize(25, batch_size=5)
    resumed = Study.load(path, task, LaMOO(RandomSampler(), leaf_size=4))
    assert resumed.n_told == 25
    calls_before = len(task.calls)
    res = resumed.optimize(45, batch_size=5)
    assert sum(task.calls[calls_before:]) == 20  # nothing paid twice
    np.testing.assert_array_equal(res.X, full.X)
    np.testing.assert_array_equal(res.leaf_ids, full.leaf_ids)
    np.testing.assert_array_equal(Result.from_journal(path).X, full.X)


def test_resume_in_the_middle_of_the_initial_design(tmp_path):
    task = ToyTask(d=2)
    uninterrupted = Study(task, RandomSampler(), seed=1, n_init=10)
    X = uninterrupted.ask(4)
    uninterrupted.tell(X, task.evaluate(X))
    full = uninterrupted.optimize(20, batch_size=4)
    path = tmp_path / "run.jsonl"
    study = Study(task, RandomSampler(), seed=1, n_init=10, journal=path)
    X = study.ask(4)
    study.tell(X, task.evaluate(X))
    res = Study.load(path, task, RandomSampler()).optimize(20, batch_size=4)
    np.testing.assert_array_equal(res.X, full.X)


def test_failures_round_trip_through_the_journal(tmp_path):
    path = tmp_path / "run.jsonl"
    res = Study(Crashing(d=2), RandomSampler(), seed=0, journal=path).optimize(30, batch_size=5)
    back = Result.from_journal(path)
    np.testing.assert_array_equal(back.failed, res.failed)
    assert back.errors == res.errors
    np.testing.assert_array_equal(back.hypervolume_trace, res.hypervolume_trace)
    assert [t["batch"] for t in back.timings] == [t["batch"] for t in res.timings]


def test_a_truncated_last_line_is_dropped_and_the_run_resumes(tmp_path):
    task = FiniteToyTask()
    path = tmp_path / "run.jsonl"
    Study(task, RandomSampler(), seed=0, n_init=5, journal=path).optimize(15, batch_size=5)
    text = path.read_text()
    path.write_text(text + text.splitlines()[-1][:25])  # a crash in the middle of a write
    with pytest.warns(RuntimeWarning, match="truncated"):
        study = Study.load(path, task, RandomSampler())
    assert study.n_told == 15
    study.optimize(20, batch_size=5)
    assert len(read_journal(path)[1]) == 20


def test_an_existing_journal_is_not_overwritten(tmp_path):
    path = tmp_path / "run.jsonl"
    Study(ToyTask(d=2), RandomSampler(), seed=0, journal=path)
    with pytest.raises(JournalError, match="already exists"):
        Study(ToyTask(d=2), RandomSampler(), seed=0, journal=path)


def test_loading_with_another_task_is_refused(tmp_path):
    path = tmp_path / "run.jsonl"
    Study(ToyTask(d=2), RandomSampler(), seed=0, journal=path).optimize(8)
    with pytest.raises(JournalError, match="objectives"):
        Study.load(path, MixedToyTask(), RandomSampler())
    with pytest.raises(JournalError, match=r"space.names: the journal has \['x0', 'x1'\], given \['x0', 'x1', 'x2'\]"):
        Study.load(path, ToyTask(d=3), RandomSampler())
    with pytest.raises(JournalError, match="sampler.name: the journal has 'random', given 'lamoo'"):
        Study.load(path, ToyTask(d=2), LaMOO(RandomSampler()))


def test_unreadable_journals_are_named(tmp_path):
    with pytest.raises(JournalError, match="not found"):
        Study.load(tmp_path / "missing.jsonl", ToyTask(d=2), RandomSampler())
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"hello": 1}) + "\n")
    with pytest.raises(JournalError, match="not a lamoo journal"):
        read_journal(bad)


def _ask_tell_with_a_user_point(study, task, user_point):
    """Ask 4 (the initial design), tell them, tell ``user_point`` (not from ask), ask 2, tell them."""
    X = study.ask(4)
    study.tell(X, task.evaluate(X))
    study.tell(user_point, task.evaluate(user_point))
    X = study.ask(2)
    study.tell(X, task.evaluate(X))


# seeds where replaying the user point first (the old bug) also changed later proposals
@pytest.mark.parametrize("task, user_point, seed", [
    (ToyTask(d=2), np.array([[0.25, 0.75]]), 1),
    (FiniteToyTask(), np.array([[2.0, 1.0, 0.0, 2.0]]), 5),
])
def test_a_point_told_outside_ask_keeps_its_place_on_resume(tmp_path, task, user_point, seed):
    def make():
        return LaMOO(RandomSampler(), leaf_size=4)

    whole = Study(task, make(), seed=seed, n_init=4)
    _ask_tell_with_a_user_point(whole, task, user_point)
    path = tmp_path / "run.jsonl"
    interrupted = Study(task, make(), seed=seed, n_init=4, journal=path)
    _ask_tell_with_a_user_point(interrupted, task, user_point)
    assert interrupted.archive.sources == ["init"] * 4 + ["user"] + ["sampler"] * 2

    resumed = Study.load(path, task, make())
    assert resumed.archive.sources == interrupted.archive.sources
    np.testing.assert_array_equal(resumed.archive.X, interrupted.archive.X)
    np.testing.assert_array_equal(resumed.archive.batches, interrupted.archive.batches)
    np.testing.assert_array_equal(resumed.optimize(30, batch_size=3).X, whole.optimize(30, batch_size=3).X)


def test_batch_timings_are_the_last_records_as_in_the_run(tmp_path):
    # a batch told in two parts: the run keeps the last tell's eval_seconds, and so do the readers
    task, path = ToyTask(d=2), tmp_path / "run.jsonl"
    study = Study(task, RandomSampler(), seed=0, n_init=4, journal=path)
    X = study.ask(4)
    study.tell(X[:2], task.evaluate(X[:2]), eval_seconds=1.0)
    study.tell(X[2:], task.evaluate(X[2:]), eval_seconds=5.0)
    live = study.result().timings
    assert live[0]["eval_seconds"] == 5.0
    assert Result.from_journal(path).timings == live
    assert Study.load(path, task, RandomSampler()).result().timings == live


V1 = Path(__file__).resolve().parents[1] / "data" / "v1_journal.jsonl"  # written by lamoo at 94977c9


def _v1_run(tmp_path):
    """A copy of a version 1 journal: LaMOO(random), seed 3, 6 + 4 + 4 points, then one told by the user."""
    path = tmp_path / "v1.jsonl"
    shutil.copy(V1, path)
    return path


def test_a_version_1_journal_is_read_and_resumed(tmp_path):
    def make():
        return LaMOO(RandomSampler(), leaf_size=4)

    path = _v1_run(tmp_path)
    old = Result.from_journal(path)
    assert len(old) == 15 and old.sources[-1] == "user" and old.config["version"] == 1
    whole = Study(FiniteToyTask(), make(), seed=3, n_init=6)
    whole.optimize(14, batch_size=4)
    # same seed, same run, across versions, up to the first partition tree (10 samples): the journal
    # predates LaMOO's region policies and its floor(n/2)+1 split rule, which change the later points
    np.testing.assert_array_equal(old.X[:10], whole.archive.X[:10])
    with pytest.raises(JournalError, match="allow_sampler_change"):
        Study.load(path, FiniteToyTask(), make())  # LaMOO's settings grew since: a resume says so
    resumed = []
    (tmp_path / "again").mkdir()
    for copy in (path, _v1_run(tmp_path / "again")):
        study = Study.load(copy, FiniteToyTask(), make(), allow_sampler_change=True)
        np.testing.assert_array_equal(study.archive.X, old.X)
        resumed.append(study.optimize(22, batch_size=4).X)
    np.testing.assert_array_equal(resumed[0], resumed[1])  # a resumed version 1 journal is reproducible
    np.testing.assert_array_equal(resumed[0][:15], old.X)
    assert [r["i"] for r in read_journal(path)[1] if "i" in r] == list(range(22))
