import io
import json

import pytest

from lamoo.cli import main
from nas_tasks.preference.judgments import read_judgments
from nas_tasks.preference.ranker import RankNet
from tests.nas_tasks.preference.helpers import synthetic_table

OBJECTIVES = "cifar10_test_acc,latency_ms_raspi4,params,flops"


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("table") / "table.csv"
    synthetic_table(200).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def run_dir(table, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "nb201"
    assert main(["optimize", "--task", "nb201", "--table", str(table), "--objectives", OBJECTIVES, "--sampler",
                 "evolution", "--budget", "20", "--batch-size", "5", "--out", str(out), "--no-progress"]) == 0
    return out


def test_prefer_a_runs_candidates_in_the_terminal(run_dir, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("a\nn\nq\n"))
    assert main(["prefer", str(run_dir), "--ui", "terminal", "--mode", "random"]) == 0
    out = capsys.readouterr().out
    assert "20 candidates, metrics ['cifar10_test_acc', 'latency_ms_raspi4', 'params', 'flops']" in out
    assert "2 judgments in" in out and "top 10 candidates by learned score" in out
    judgments = read_judgments(run_dir / "judgments.jsonl")[1]
    assert [j.choice for j in judgments] == ["a", "none"]
    assert RankNet.load(run_dir / "ranker.json").n_judgments_ == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("b\n"))  # resumed: the journal grows
    assert main(["prefer", str(run_dir), "--ui", "terminal", "--max-judgments", "1"]) == 0
    assert "2 judgments so far" in capsys.readouterr().out
    assert len(read_judgments(run_dir / "judgments.jsonl")[1]) == 3


def test_prefer_cells_drawn_from_a_table(table, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("b\n"))
    out = tmp_path / "mine"
    assert main(["prefer", str(out), "--table", str(table), "--objectives", OBJECTIVES, "--n-candidates", "30",
                 "--ui", "terminal", "--max-judgments", "1", "--seed", "2"]) == 0
    header = json.loads((out / "judgments.jsonl").read_text().splitlines()[0])
    assert header["n_candidates"] == 30 and header["source"]["kind"] == "task" and header["mode"] == "active"
    assert "30 candidates" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["prefer", "{tmp}"], "is not a run folder: it has no journal.jsonl"),
    (["prefer", "{run}", "--host", "0.0.0.0", "--no-browser"], "binds to a loopback address only"),
    (["prefer", "{tmp}", "--table", "{table}"], "--table needs --objectives"),
])
def test_bad_invocations_are_clear_errors(argv, message, run_dir, table, tmp_path, capsys):
    argv = [a.format(tmp=tmp_path, run=run_dir, table=table) for a in argv]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
