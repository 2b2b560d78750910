import json

import numpy as np
import pytest

import benchmarks.preference as bp
from nas_tasks.preference.synthetic import SyntheticPreference
from tests.nas_tasks.preference.helpers import ROLES, table_task

FAST = {"hidden": 4, "n_members": 3, "epochs": 60}


@pytest.fixture()
def fast_ranker(monkeypatch):
    monkeypatch.setattr(bp, "RANKER", FAST)


@pytest.fixture(scope="module")
def task():
    return table_task(260)


def test_table1_run_scores_each_budget(task, fast_ranker):
    pref = SyntheticPreference("accuracy", bp.frame(task), ROLES)
    for mode in ("random", "active"):
        out = bp.table1_run(task, pref, mode, seed=0, budgets=(1, 3))
        assert len(out["precision"]) == 2 and all(0 <= p <= 1 for p in out["precision"])
        assert out == bp.table1_run(task, pref, mode, seed=0, budgets=(1, 3))  # seeded


def test_search_run_returns_normalized_utilities(task, fast_ranker):
    pref = SyntheticPreference("latency", bp.frame(task), ROLES)
    out = bp.search_run(task, pref, seed=1, budget=20, n_comparisons=3,
                        methods=("evolution", "evolution-true", "lamoo-evolution"))
    assert set(out) == {"evolution", "evolution-true", "lamoo-evolution"}
    for v in out.values():
        assert 0 <= v["utility"] <= v["best_evaluated"] + 1e-12 <= 1 + 1e-12 and 0 < v["h_accuracy"] <= 1
    assert out["evolution-true"]["utility"] == out["evolution-true"]["best_evaluated"]


def test_the_report_compares_with_the_paper_and_says_where_it_does_not_beat_it(tmp_path):
    cells = {}
    for pref in ("accuracy", "latency", "flops_constraint", "accuracy_constraint"):
        for mode in ("random", "active"):
            P = np.full((2, len(bp.BUDGETS)), 0.5)
            P[:, bp.BUDGETS.index(25)] = 0.9 if mode == "active" else 0.1
            cells[f"cifar10/{pref}/{mode}"] = {"seeds": [0, 1], "precision": P.tolist()}
    (tmp_path / "table1.json").write_text(json.dumps({"protocol": {"command": "x", "ranker": {}, "budgets": list(bp.BUDGETS)},
                                                    "cells": cells}))
    text = bp.write_report(tmp_path).read_text()
    assert "| cifar10 | accuracy | 25 | random | 0.69 | 0.10 | does NOT beat |" in text
    assert "| cifar10 | accuracy | 25 | active | 0.69 | 0.90 | beats |" in text
    assert "| cifar10 | accuracy | 25 (vs. the paper's 100) | active | 0.83 | 0.90 | reaches |" in text
    assert "could not be retrieved" in text


def test_seed_lists():
    assert bp.parse_seeds("0-2,5") == [0, 1, 2, 5]
