import json

import numpy as np
import pytest

from lamoo.exceptions import InvalidInputError, JournalError
from nas_tasks.preference.candidates import UnknownCandidateError
from nas_tasks.preference.judgments import Judgment, JudgmentJournal, read_judgments, training_arrays
from tests.nas_tasks.preference.helpers import small_pool


def test_judgments_are_durable_and_resumable(tmp_path):
    pool = small_pool(10)
    path = tmp_path / "judgments.jsonl"
    journal = JudgmentJournal.open(path, pool)
    journal.record(1, 2, "a", source="web")
    journal.record(3, 4, "none")
    header, judgments = read_judgments(path)  # on disk before record returned
    assert [m["name"] for m in header["metrics"]] == list(pool.metric_names)
    assert [(j.a, j.b, j.choice) for j in judgments] == [(1, 2, "a"), (3, 4, "none")]
    assert judgments[0].metrics_a == tuple(pool.metrics_of([1])[0]) and judgments[0].source == "web"
    resumed = JudgmentJournal.open(path, pool)
    assert len(resumed) == 2 and resumed.judged_pairs() == {frozenset((1, 2)), frozenset((3, 4))}
    resumed.record(5, 6, "b")
    assert len(read_judgments(path)[1]) == 3


def test_a_truncated_last_line_is_dropped_on_resume(tmp_path):
    pool = small_pool(10)
    path = tmp_path / "j.jsonl"
    JudgmentJournal.open(path, pool).record(1, 2, "a")
    with open(path, "a") as fh:
        fh.write('{"type": "judgment", "i": 1, "a": 3')  # a crash mid-write
    with pytest.warns(RuntimeWarning, match="truncated last line"):
        journal = JudgmentJournal.open(path, pool)
    assert len(journal) == 1
    journal.record(3, 4, "b")
    assert len(read_judgments(path)[1]) == 2


def test_judgments_on_unknown_candidates_are_refused(tmp_path):
    pool = small_pool(10)
    journal = JudgmentJournal.open(tmp_path / "j.jsonl", pool)
    with pytest.raises(UnknownCandidateError, match="there is no candidate 99"):
        journal.record(1, 99, "a")
    with pytest.raises(InvalidInputError, match="choice must be one of"):
        journal.record(1, 2, "left")
    with pytest.raises(InvalidInputError, match="two different candidates"):
        journal.record(2, 2, "a")
    assert len(read_judgments(tmp_path / "j.jsonl")[1]) == 0


def test_a_journal_of_another_pool_is_refused(tmp_path):
    pool = small_pool(10)
    path = tmp_path / "j.jsonl"
    JudgmentJournal.open(path, pool).record(8, 9, "a")
    with pytest.raises(JournalError, match="names a candidate this pool does not hold"):
        JudgmentJournal.open(path, small_pool(5))
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])
    header["metrics"] = header["metrics"][:2]
    path.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    with pytest.raises(JournalError, match="holds judgments on metrics"):
        JudgmentJournal.open(path, pool)


def test_an_evaluation_journal_is_not_a_judgments_journal(tmp_path):
    from lamoo import Study
    from samplers import RandomSampler
    from tests.toys import ToyTask

    Study(ToyTask(), RandomSampler(), seed=0, journal=tmp_path / "run.jsonl")
    with pytest.raises(JournalError, match="is not a lamoo-judgments file .*it is a lamoo-journal file"):
        read_judgments(tmp_path / "run.jsonl")


def test_training_arrays_from_records_or_pool():
    pool = small_pool(6)
    js = [Judgment(0, 1, "a", tuple(pool.M[0]), tuple(pool.M[1])), Judgment(2, 3, "none", tuple(pool.M[2]),
                                                                          tuple(pool.M[3]))]
    A, B, y = training_arrays(js)
    np.testing.assert_array_equal(A, pool.M[[0, 2]])
    assert y.tolist() == [1.0, 0.5]
    np.testing.assert_array_equal(training_arrays(js, pool)[1], pool.M[[1, 3]])
    with pytest.raises(InvalidInputError, match="no judgments yet"):
        training_arrays([])
    with pytest.raises(InvalidInputError, match="do not carry their candidates' metrics"):
        training_arrays([Judgment(0, 1, "b")])
