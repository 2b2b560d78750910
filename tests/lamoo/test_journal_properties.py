"""Property tests of Study ask/tell, the journal round trip and resume (hypothesis).

Any sequence of asks, tells, crashes and resumes gives the archive of the uninterrupted run, or a
:class:`~lamoo.exceptions.LamooError` that names the value; never another exception."""
import json
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lamoo import LaMOO, Study
from lamoo.exceptions import InvalidInputError, LamooError
from lamoo.journal import read_journal
from lamoo.result import Result
from samplers import RandomSampler
from tests.toys import FiniteToyTask, ToyTask

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BUDGET, N_INIT, BATCH = 16, 5, 3


def _archive(obj):
    a = obj.archive if isinstance(obj, Study) else obj
    return a.X, a.Y, np.asarray(a.batches), list(a.sources), np.asarray(a.leaf_ids)


def _assert_same_archive(a, b):
    for u, v in zip(_archive(a), _archive(b)):
        np.testing.assert_array_equal(u, v)


@pytest.fixture(scope="module")
def uninterrupted():
    """The whole run's journal bytes and result (LaMOO over random search on the finite toy task)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.jsonl"
        with Study(FiniteToyTask(), LaMOO(RandomSampler(), leaf_size=4), seed=11, n_init=N_INIT, journal=path) as s:
            result = s.optimize(BUDGET, BATCH)
        return path.read_bytes(), result


@SETTINGS
@given(cuts=st.lists(st.floats(0, 1), min_size=1, max_size=3))
def test_crashes_at_any_byte_resume_to_the_uninterrupted_archive(uninterrupted, cuts):
    """A kill leaves a prefix of the journal's bytes; resuming from any prefix, any number of
    times, reproduces the run, and evaluates only what the prefix did not hold."""
    full, reference = uninterrupted
    with tempfile.TemporaryDirectory() as tmp:
        path, data = Path(tmp) / "run.jsonl", full
        start = full.index(b"\n") + 1  # a journal is created whole: a kill leaves at least its header
        for cut in cuts:
            offset = start + int(cut * (len(data) - start))
            event("cut inside a line" if offset and data[offset - 1:offset] != b"\n" else "cut between lines")
            path.write_bytes(data[:offset])
            task = FiniteToyTask()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                study = Study.load(path, task, LaMOO(RandomSampler(), leaf_size=4))
            told = study.n_told
            start = path.stat().st_size
            with study:
                result = study.optimize(BUDGET, BATCH)
            assert sum(task.calls) == BUDGET - told  # nothing on disk was paid again
            data = path.read_bytes()
        _assert_same_archive(result, reference)
        _assert_same_archive(Result.from_journal(path), reference)


def _tell(study, reference, task, rows, failed):
    Y = task.evaluate(rows)
    Y[failed] = np.nan
    study.tell(rows, Y, errors=["boom" if f else None for f in failed])
    reference.tell(rows, Y, errors=["boom" if f else None for f in failed])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), finite=st.booleans())
def test_any_ask_tell_reload_sequence_round_trips_through_the_journal(data, finite):
    """A study reloaded from its journal at any moment has the live study's archive and pending
    points; after a reload its first asks return the points asked before it (then nothing new
    until they are told), and its later asks are those the live study would make."""
    task = FiniteToyTask() if finite else ToyTask(d=2)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.jsonl"
        study = Study(task, RandomSampler(), seed=5, n_init=4, journal=path)
        reference = Study(task, RandomSampler(), seed=5, n_init=4)
        orphans: list[np.ndarray] = []  # rows asked before the last reload, to be handed out again
        asked: dict[bytes, int] = {}  # row -> the number of the ask that handed it out
        ops = st.sampled_from(["ask", "ask", "tell", "tell", "user", "reload", "bad"])
        for op in data.draw(st.lists(ops, min_size=3, max_size=14)):
            pending = reference.pending_points
            if op == "ask":
                n = data.draw(st.integers(1, 40))
                if orphans:
                    event("a reloaded study hands out the points asked before")
                    got = study.ask(n)
                    np.testing.assert_array_equal(got, orphans[0][:n])
                    orphans[0] = orphans[0][n:]
                    orphans = [o for o in orphans if len(o)]
                    continue
                try:
                    expected = reference.ask(n)
                except LamooError:
                    event("the finite space is exhausted")
                    with pytest.raises(LamooError, match="every candidate"):
                        study.ask(n)
                    continue
                np.testing.assert_array_equal(study.ask(n), expected)
                number = max(asked.values(), default=-1) + 1
                asked.update((row.tobytes(), number) for row in expected)
            elif op == "tell" and len(pending):
                order = data.draw(st.permutations(range(len(pending))))[:data.draw(st.integers(1, len(pending)))]
                _tell(study, reference, task, pending[order], data.draw(st.lists(
                    st.booleans(), min_size=len(order), max_size=len(order))))
                told = {row.tobytes() for row in pending[order]}  # told orphans are no longer handed out
                orphans = [o[[row.tobytes() not in told for row in o]] for o in orphans]
                orphans = [o for o in orphans if len(o)]
            elif op == "user" and not task.space.is_finite:
                point = np.array([[data.draw(st.floats(0, 1)), data.draw(st.floats(0, 1))]])
                _tell(study, reference, task, point, [False])
            elif op == "reload":
                event(f"reload with {len(pending)} pending points" if len(pending) else "reload")
                study.close()
                study = Study.load(path, task, RandomSampler())
                orphans = _by_ask(pending, asked)
            elif op == "bad":
                with pytest.raises(InvalidInputError):
                    study.tell(np.full((1, task.space.n_dims), 7.0), np.zeros((1, 2)))
            _assert_same_archive(study, reference)
            np.testing.assert_array_equal(study.pending_points, reference.pending_points)
        study.close()
        _assert_same_archive(Result.from_journal(path), reference)
        assert Result.from_journal(path).errors == reference.result().errors


def _by_ask(pending, asked: dict) -> list[np.ndarray]:
    """The ``pending`` rows (in ask order) grouped by the ask that handed them out (``asked``:
    row bytes -> ask), as a reloaded study hands them out again."""
    groups: dict = {}
    for row in pending:
        groups.setdefault(asked[row.tobytes()], []).append(row)
    return [np.vstack(rows) for _, rows in sorted(groups.items())]


@SETTINGS
@given(Y=st.lists(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=False), st.just(-0.0)),
                           min_size=2, max_size=2), min_size=1, max_size=12))
def test_told_values_read_back_exactly(Y):
    task = ToyTask(d=2)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.jsonl"
        with Study(task, RandomSampler(), seed=0, n_init=3, journal=path) as study:
            X = np.vstack([study.ask(3) for _ in range(-(-len(Y) // 3))])[:len(Y)]
            study.tell(X, np.array(Y, dtype=float))
            live = study.result()
        back = Result.from_journal(path)
        np.testing.assert_array_equal(back.X, live.X)
        np.testing.assert_array_equal(back.Y, live.Y)  # NaN rows where any value was NaN, -0.0 kept
        assert back.errors == live.errors and back.timings == live.timings


@pytest.fixture(scope="module")
def small_journal():
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.jsonl"
        with Study(ToyTask(d=2), RandomSampler(), seed=0, n_init=4, journal=path) as study:
            study.optimize(8, 2)
        return path.read_bytes()


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                     max_leaves=8)


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_damaged_journals_give_a_result_or_a_named_journal_error(small_journal, data):
    lines = small_journal.split(b"\n")
    k = data.draw(st.integers(0, len(lines) - 1))
    how = data.draw(st.sampled_from(["bytes", "json", "field", "cut", "repeat"]))
    if how == "bytes":
        lines[k] = data.draw(st.binary(max_size=40))
    elif how == "json":
        lines[k] = json.dumps(data.draw(_JSON)).encode()
    elif how == "field" and lines[k]:
        record = json.loads(lines[k])
        record[data.draw(st.sampled_from(sorted(record)))] = data.draw(_JSON)
        lines[k] = json.dumps(record).encode()
    elif how == "cut":
        lines[k] = lines[k][:data.draw(st.integers(0, len(lines[k])))]
    else:
        lines.insert(k, lines[k])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.jsonl"
        path.write_bytes(b"\n".join(lines))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for read in (Result.from_journal, read_journal,
                         lambda p: Study.load(p, ToyTask(d=2), RandomSampler()).close()):
                try:
                    read(path)
                    event(f"{how}: read")
                except LamooError as exc:
                    event(f"{how}: {type(exc).__name__}")
                    assert str(exc)
