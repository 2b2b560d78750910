import io

import pytest

from lamoo.exceptions import InvalidInputError
from nas_tasks.preference.candidates import UnknownCandidateError
from nas_tasks.preference.judgments import read_judgments
from nas_tasks.preference.prompt import run_prompt
from nas_tasks.preference.ranker import RankNet
from nas_tasks.preference.session import AlreadyJudgedError, PreferenceSession, pool_from_run
from tests.nas_tasks.preference.helpers import small_pool

FAST = {"hidden": 4, "n_members": 3, "epochs": 60}


def session(tmp_path, mode="active", **kwargs):
    return PreferenceSession(small_pool(12), tmp_path / "judgments.jsonl", mode=mode, ranker_path=tmp_path / "r.json",
                             ranker_params=FAST, **kwargs)


def test_a_session_shows_a_pair_records_answers_and_saves_the_ranker(tmp_path):
    s = session(tmp_path)
    state = s.state()
    assert state["n_judgments"] == 0 and state["ranker"] is None and state["is_nb201"]
    a, b = state["pair"]["a"]["id"], state["pair"]["b"]["id"]
    assert state["pair"]["a"]["cell"] and len(state["scatter"]["points"]) == 12
    assert set(state["ranges"]) == set(s.pool.metric_names)
    state = s.judge(a, b, "a", source="test")
    assert state["n_judgments"] == 1 and state["last"] == {"a": a, "b": b, "choice": "a"}
    assert "learned_score" in state["pair"]["a"] and 0 <= state["ranker"]["p_a_preferred"] <= 1
    assert RankNet.load(tmp_path / "r.json").n_judgments_ == 1
    assert read_judgments(tmp_path / "judgments.jsonl")[1][0].source == "test"
    assert list(s.ranking(3).columns)[-3:] == ["score", "score_std", "pareto_rank"]


def test_a_resumed_session_asks_the_same_question(tmp_path):
    s = session(tmp_path)
    first = s.state()["pair"]
    s.judge(first["a"]["id"], first["b"]["id"], "b")
    pending = s.state()["pair"]
    again = session(tmp_path)  # a crash, a restart: same judgments, same next pair
    assert again.n_judgments == 1
    assert (again.state()["pair"]["a"]["id"], again.state()["pair"]["b"]["id"]) == (pending["a"]["id"],
                                                                                     pending["b"]["id"])


def test_bad_answers_are_refused_and_nothing_is_written(tmp_path):
    s = session(tmp_path, mode="random")
    s.judge(0, 1, "none")
    with pytest.raises(AlreadyJudgedError, match="already been compared"):
        s.judge(1, 0, "a")
    with pytest.raises(UnknownCandidateError, match="no candidate 77"):
        s.judge(0, 77, "a")
    with pytest.raises(InvalidInputError, match="choice must be one of"):
        s.judge(0, 2, "A")
    with pytest.raises(InvalidInputError, match="two different candidates"):
        s.judge(2, 2, "a")
    assert len(read_judgments(tmp_path / "judgments.jsonl")[1]) == 1


def test_sample_predictions_appear_and_their_failures_do_not_break_the_view(tmp_path):
    calls = []

    def predictions(point):
        calls.append(point)
        if point[0] == 0:
            raise LookupError("no cached weights")
        return [{"image": "data:image/png;base64,", "label": "3", "predicted": "3", "confidence": 0.9}]

    state = session(tmp_path, predictions=predictions).state()
    for side in ("a", "b"):
        c = state["pair"][side]
        assert ("predictions" in c) != ("predictions_error" in c)
    assert len(calls) == 2 and len(calls[0]) == 6
    from nas_tasks.preference.prompt import format_pair

    text = format_pair(state)
    assert "sample predictions" in text and ("1/1 right" in text or "none cached" in text)


def test_the_terminal_prompt(tmp_path):
    s = session(tmp_path, mode="random")
    out = io.StringIO()
    assert run_prompt(s, stdin=io.StringIO("a\nwhat\nn\nb\nq\n"), stdout=out) == 3
    text = out.getvalue()
    assert "A: candidate" in text and "cifar10_test_acc (higher better)" in text and "%" in text
    assert "please answer a, b, n or q (got 'what')" in text and "Pareto position" in text
    assert [j.choice for j in s.journal.judgments] == ["a", "none", "b"]
    assert [j.source for j in s.journal.judgments] == ["terminal"] * 3
    assert run_prompt(s, stdin=io.StringIO(""), stdout=io.StringIO()) == 0  # end of input stops
    assert run_prompt(s, stdin=io.StringIO("a\n" * 5), stdout=io.StringIO(), max_judgments=2) == 2


def test_a_folder_without_a_run_is_a_clear_error(tmp_path):
    with pytest.raises(InvalidInputError, match="is not a run folder: it has no journal.jsonl"):
        pool_from_run(tmp_path)
