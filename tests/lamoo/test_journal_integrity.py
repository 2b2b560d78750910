"""Journal integrity: every defect of issue 14 that could lose or corrupt a run, reproduced."""
import json
import warnings

import numpy as np
import pytest

from lamoo import Study
from lamoo.exceptions import JournalError
from lamoo.journal import read_journal
from lamoo.result import Result
from samplers import RandomSampler
from tests.toys import FiniteToyTask, ToyTask


def _run(path, budget, task=None, seed=0, n_init=5, batch_size=5):
    task = task or ToyTask(d=2)
    study = Study(task, RandomSampler(), seed=seed, n_init=n_init, journal=path)
    study.optimize(budget, batch_size=batch_size)
    study.close()
    return study


def _reference(budget, task=None, seed=0, n_init=5, batch_size=5):
    return Study(task or ToyTask(d=2), RandomSampler(), seed=seed, n_init=n_init).optimize(budget, batch_size)


def _eval_line_offsets(path) -> list[int]:
    """Byte offset where each evaluation record's line starts, in file order."""
    offsets, pos = [], 0
    for line in path.read_bytes().splitlines(keepends=True):
        if json.loads(line).get("type") == "eval":
            offsets.append(pos)
        pos += len(line)
    return offsets


def test_a_last_line_without_its_newline_survives_every_later_resume_and_report(tmp_path):
    path = tmp_path / "run.jsonl"
    _run(path, 10)
    path.write_bytes(path.read_bytes()[:-1])  # a crash between a record and its newline
    assert len(Result.from_journal(path)) == 10  # the record is whole: it counts
    Study.load(path, ToyTask(d=2), RandomSampler()).optimize(15, batch_size=5)
    assert len(Result.from_journal(path)) == 15  # nothing glued to that line
    res = Study.load(path, ToyTask(d=2), RandomSampler()).optimize(20, batch_size=5)
    np.testing.assert_array_equal(Result.from_journal(path).X, _reference(20).X)
    np.testing.assert_array_equal(res.X, _reference(20).X)


def test_records_glued_by_an_older_lamoo_are_read_with_a_warning(tmp_path):
    path = tmp_path / "run.jsonl"
    _run(path, 10)
    lines = path.read_text().splitlines()
    evals = [k for k, line in enumerate(lines) if json.loads(line)["type"] == "eval"]
    k = evals[3]
    glued = lines[:k] + [lines[k] + lines[k + 1]] + lines[k + 2:]  # what the old resume wrote
    path.write_text("\n".join(glued) + "\n")
    with pytest.warns(RuntimeWarning, match=f"line {k + 1} holds 2 records glued together"):
        res = Result.from_journal(path)
    np.testing.assert_array_equal(res.X, _reference(10).X)


def test_a_partly_written_batch_is_completed_not_replanned(tmp_path):
    """SIGKILL (or a full disk) in the middle of a tell: the batch's told rows stay, its other
    rows are evaluated on resume, and the run goes on exactly as if never stopped."""
    full = _reference(25)
    path = tmp_path / "run.jsonl"
    _run(path, 20)
    cut = _eval_line_offsets(path)[-3] + 17  # two rows of the last batch whole, the third cut
    path.write_bytes(path.read_bytes()[:cut])
    task = ToyTask(d=2)
    with pytest.warns(RuntimeWarning, match="truncated"):
        study = Study.load(path, task, RandomSampler())
    assert study.n_told == 17
    res = study.optimize(25, batch_size=5)
    assert task.calls[0] == 3  # exactly the rows the batch still missed, before anything new
    np.testing.assert_array_equal(res.X, full.X)
    np.testing.assert_array_equal(res.batches, full.batches)
    np.testing.assert_array_equal(Result.from_journal(path).X, full.X)


def test_an_asked_batch_is_journaled_before_it_is_evaluated(tmp_path):
    task, path = FiniteToyTask(), tmp_path / "run.jsonl"
    study = Study(task, RandomSampler(), seed=3, n_init=4, journal=path)
    X = study.ask(4)
    study.close()  # the process dies while evaluating
    again = Study.load(path, task, RandomSampler())
    np.testing.assert_array_equal(again.pending_points, X)
    np.testing.assert_array_equal(again.ask(10), X)  # the in-flight batch, not a new plan
    assert again.archive.n == 0


def test_two_studies_on_one_journal_in_one_process_never_repeat_a_point_or_a_number(tmp_path):
    task, path = ToyTask(d=2), tmp_path / "run.jsonl"
    _run(path, 10, task)
    a = Study.load(path, task, RandomSampler())
    b = Study.load(path, task, RandomSampler())
    Xa, Xb = a.ask(5), b.ask(5)
    assert not (Xa[:, None] == Xb[None]).all(-1).any()  # b knew a's pending points
    b.tell(Xb, task.evaluate(Xb))
    a.tell(Xa, task.evaluate(Xa))
    header, records = read_journal(path)
    assert [r["i"] for r in records] == list(range(20))
    assert sorted({r["batch"] for r in records}) == [0, 1, 2, 3]
    assert a.n_told == 20 and b.n_told == 15  # a read b's rows before appending its own
    union = Study.load(path, task, RandomSampler())
    np.testing.assert_array_equal(union.archive.X, Result.from_journal(path).X)
    assert union.n_told == 20 and len(union.pending_points) == 0


def test_a_journal_written_by_two_unlocked_writers_is_explained(tmp_path):
    path = tmp_path / "run.jsonl"
    _run(path, 10)
    lines = path.read_text().splitlines()
    evals = [line for line in lines if json.loads(line)["type"] == "eval"]
    path.write_text("\n".join(lines + evals[5:]) + "\n")  # a second writer numbered its records again
    with pytest.raises(JournalError, match=r"line \d+: record number 5 .*expected 10.*two processes"):
        Result.from_journal(path)


@pytest.mark.parametrize("line, match", [
    ("[1, 2]", "expected a JSON object"),
    ("42", "expected a JSON object"),
    ('"text"', "expected a JSON object"),
    ('{"type": "eval"}', "has no 'i'"),
    ('{"type": "teleport"}', "unknown record type 'teleport'"),
])
def test_lines_that_are_json_but_not_records_are_named(tmp_path, line, match):
    path = tmp_path / "run.jsonl"
    _run(path, 5)
    path.write_text(path.read_text() + line + "\n" + "{}\n")
    n = len(path.read_text().splitlines()) - 1
    with pytest.raises(JournalError, match=rf"line {n}: .*{match}"):
        Result.from_journal(path)
    with pytest.raises(JournalError, match=rf"line {n}: .*{match}"):
        Study.load(path, ToyTask(d=2), RandomSampler())


@pytest.mark.parametrize("field, value, match", [
    ("x", [0.5], r"'x' must be a list of 2 numbers, got \[0.5\]"),
    ("x", [0.5, "a"], r"'x' must be a list of 2 numbers"),
    ("y", [1.0, 2.0, 3.0], r"'y' must be null or a list of 2 numbers or nulls, got \[1.0, 2.0, 3.0\]"),
    ("x", [0.5, 7.0], "outside the search space"),
    ("batch", "one", "'batch' must be an integer"),
    ("source", "magic", "'source' must be one of"),
])
def test_records_with_wrong_fields_are_named(tmp_path, field, value, match):
    path = tmp_path / "run.jsonl"
    _run(path, 5)
    lines = path.read_text().splitlines()
    last = json.loads(lines[-1])
    lines[-1] = json.dumps({**last, field: value})
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(JournalError, match=rf"line {len(lines)}: .*{match}"):
        Study.load(path, ToyTask(d=2), RandomSampler())
    if match != "outside the search space":  # a reader without the task checks what it can
        with pytest.raises(JournalError, match=rf"line {len(lines)}: .*{match}"):
            Result.from_journal(path)


def test_a_reader_does_not_touch_a_journal_being_written(tmp_path):
    path = tmp_path / "run.jsonl"
    _run(path, 10)
    data = path.read_bytes()
    path.write_bytes(data + data.splitlines(keepends=True)[-1][:30])  # a writer mid-write
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(Result.from_journal(path)) == 10
    assert path.read_bytes().endswith(data.splitlines(keepends=True)[-1][:30])  # left as it is


def _run_with_a_full_disk(path, limit, conn):
    """In a child process: files may not grow past ``limit`` bytes (the kernel's EFBIG stands in
    for a full disk: a write that crosses it is cut short, the next one fails)."""
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    try:
        Study.load(path, ToyTask(d=2), RandomSampler()).optimize(20, batch_size=5)
        conn.send("finished")
    except Exception as exc:  # noqa: BLE001 - the parent checks which error it was
        conn.send(f"{type(exc).__name__}: {exc}")


def test_a_write_that_fails_is_undone_and_the_run_resumes(tmp_path):
    import multiprocessing

    path = tmp_path / "run.jsonl"
    _run(path, 10)
    size = path.stat().st_size
    here, there = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(target=_run_with_a_full_disk, args=(path, size + 400, there))
    child.start()
    assert here.poll(60)
    message = here.recv()
    child.join(30)
    assert message.startswith("JournalError: ") and "cannot write to the journal" in message and "nothing of this write was kept" in message
    assert path.read_bytes().endswith(b"\n") and size < path.stat().st_size <= size + 400  # no cut line left
    task, told = ToyTask(d=2), len(Result.from_journal(path))
    res = Study.load(path, task, RandomSampler()).optimize(20, batch_size=5)
    np.testing.assert_array_equal(res.X, _reference(20).X)
    assert sum(task.calls) == 20 - told  # only what the journal did not hold was evaluated
