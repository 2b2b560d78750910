"""The dashboard's data: runs read from journals, trees rebuilt before every batch, the server's answers."""
import json
import urllib.error
import urllib.request

import numpy as np
import pytest

from lamoo import Result, Study
from lamoo.dashboard import serve
from lamoo.dashboard.runs import WatchedRun, collect
from lamoo.dashboard.trees import snapshot
from lamoo.exceptions import InvalidInputError
from lamoo.testing import ToyTask
from samplers import RandomSampler
from tests.dashboard.runs import CellToyTask, grow, lamoo_study


def test_a_run_as_the_page_sees_it_and_every_tree_rebuilt_as_lamoo_built_it(tmp_path):
    study = lamoo_study(tmp_path / "run" / "journal.jsonl")
    grow(study, 40)
    run = WatchedRun(tmp_path / "run")
    data = run.data()
    res = Result.from_journal(tmp_path / "run" / "journal.jsonl")
    assert data["n"] == 40 and data["lamoo"] and data["sampler"] == "LaMOO(random)"
    np.testing.assert_allclose(data["hv"], res.hypervolume_trace)
    assert data["pareto"] == res.pareto_mask().tolist() and data["leaf"] == res.leaf_ids.tolist()
    batches = data["batches"]
    assert [b["batch"] for b in batches] == list(range(1, 9)) and all(b["size"] == 4 for b in batches)
    deep = 0
    for b in batches:
        tree = snapshot(run.header, run.evals, b)
        assert tree["path_matches"], (b, tree["path"])  # the rebuilt tree selects what LaMOO selected
        assert tree["n_samples"] == b["start"] and sum(n["searched"] for n in tree["nodes"]) == 1
        root = tree["nodes"][0]
        assert root["n"] == b["n_valid"] and root["ucb"] is None
        grid = np.array(tree["boundaries"]["inside"])
        assert grid.shape == (80, 80) and grid.any()
        deep = max(deep, b["depth"])
        assert 0 < b["share"] <= 1 and b["n_members"] <= b["n_valid"]
    assert deep >= 2  # the region searched was refined


def test_the_run_is_read_again_when_its_journal_grows(tmp_path):
    study = lamoo_study(tmp_path / "j.jsonl")
    grow(study, 12)
    run = WatchedRun(tmp_path / "j.jsonl")
    assert run.data()["n"] == 12 and not run.refresh()
    grow(study, 4)
    assert run.refresh() and run.data()["n"] == 16 and run.version == 2


def test_an_asked_batch_shows_before_its_points_are_told_and_a_cut_off_line_is_skipped(tmp_path):
    study = lamoo_study(tmp_path / "j.jsonl")
    grow(study, 16)
    X = study.ask(4)  # journaled before evaluation: the page shows the batch and its tree already
    with open(tmp_path / "j.jsonl", "ab") as f:
        f.write(b'{"type": "eval", "i": 16, "ba')  # a writer caught mid-line
    run = WatchedRun(tmp_path / "j.jsonl")
    last = run.batches()[-1]
    assert run.data()["n"] == 16 and run.data()["n_pending"] == 4
    assert (last["size"], last["n_pending"], last["start"]) == (0, 4, 16)
    assert snapshot(run.header, run.evals, last)["path_matches"]
    (tmp_path / "j.jsonl").write_bytes((tmp_path / "j.jsonl").read_bytes().rsplit(b"\n", 1)[0] + b"\n")
    study.tell(X, study.task.evaluate(X))
    assert run.refresh() and run.data()["n"] == 20 and run.data()["n_pending"] == 0
    last = run.batches()[-1]
    assert (last["size"], last["n_pending"], last["start"]) == (4, 0, 16)


def test_hypervolume_normalization_and_a_run_without_lamoo(tmp_path):
    task = ToyTask(2)
    task.max_hypervolume = None
    for name, sampler in (("a", RandomSampler()), ("b", RandomSampler())):
        Study(task, sampler, seed=ord(name), n_init=6, journal=tmp_path / name / "journal.jsonl").optimize(20, 4)
    runs = [WatchedRun(tmp_path / "a"), WatchedRun(tmp_path / "b")]
    data = collect(runs)["runs"]
    assert max(d["hv_norm"][-1] for d in data) == 1.0  # one scale: the best run of the problem
    assert data[0]["hv_norm_by"].startswith("the best final hypervolume") and not data[0]["lamoo"]
    assert data[0]["batches"] == []
    with pytest.raises(InvalidInputError, match="not LaMOO"):
        snapshot(runs[0].header, runs[0].evals, {"batch": 1, "start": 6})


def test_a_categorical_space_gets_its_tree_without_a_boundary_map(tmp_path):
    study = lamoo_study(tmp_path / "cells.jsonl", task=CellToyTask(), n_init=10)
    grow(study, 34)
    run = WatchedRun(tmp_path / "cells.jsonl")
    trees = [snapshot(run.header, run.evals, b) for b in run.batches()]
    assert all(t["path_matches"] for t in trees) and "boundaries" not in trees[-1]


def _get(url, token=None, host=None):
    request = urllib.request.Request(url, headers={k: v for k, v in (("X-Lamoo-Token", token), ("Host", host)) if v})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_the_server_needs_its_token_and_its_own_host(tmp_path):
    study = lamoo_study(tmp_path / "run" / "journal.jsonl")
    grow(study, 20)
    with serve([tmp_path / "run"]) as server:
        base = server.origin
        assert _get(server.url)[0] == 200 and b"lamoo dashboard" in _get(server.url)[1]
        assert _get(base + "/")[0] == 403 and _get(base + "/api/runs")[0] == 403
        assert _get(server.url, host="evil.example:80")[0] == 403
        status, body = _get(base + "/api/runs", server.token)
        data = json.loads(body)
        assert status == 200 and data["runs"][0]["n"] == 20
        assert json.loads(_get(f"{base}/api/runs?since={data['version']}", server.token)[1]) == \
            {"version": data["version"], "changed": False}
        status, body = _get(f"{base}/api/tree?run=0&batch=2", server.token)
        assert status == 200 and json.loads(body)["path_matches"]
        assert _get(f"{base}/api/tree?run=3&batch=2", server.token)[0] == 404
        status, body = _get(base + "/static/plotly.min.js")
        assert status == 200 and len(body) > 1_000_000
        assert _get(base + "/static/../server.py")[0] == 404
    with pytest.raises(InvalidInputError, match="loopback address only"):
        serve([tmp_path / "run"], host="0.0.0.0")
    with pytest.raises(InvalidInputError, match="no lamoo journal"):
        serve([tmp_path / "nothing"])
