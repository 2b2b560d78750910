"""Front ensembles: the vote, the released code's grid AUROC, and ensembles of a task's heads."""
import numpy as np
import pytest

from lamoo.exceptions import InvalidInputError
from nas_tasks.objectives.robustness import auroc, odin_scores_from_logits
from nas_tasks.pruning.ensemble import (FrontEnsemble, grid_auroc, grid_decisions, softmax, summary_table, vote,
                                      window_members, window_table)


def test_the_vote_takes_the_majority_and_the_lowest_class_on_ties():
    predictions = np.array([[0, 1, 2, 2], [1, 1, 0, 3], [1, 2, 1, 3]])
    assert vote(predictions, 4).tolist() == [1, 1, 0, 3]  # column 2: one vote each, the lowest class wins


def test_the_grid_auroc_follows_the_exact_auroc():
    rng = np.random.default_rng(0)
    ids = rng.normal(1.0, 1.0, 400)
    separated = grid_auroc(*grid_decisions(ids, ids - 10))
    mixed = grid_auroc(*grid_decisions(ids, rng.normal(1.0, 1.0, 400)))
    shifted_ood = rng.normal(0.0, 1.0, 400)
    shifted = grid_auroc(*grid_decisions(ids, shifted_ood))
    assert separated == pytest.approx(1.0, abs=0.01) and mixed == pytest.approx(0.5, abs=0.05)
    assert shifted == pytest.approx(auroc(ids, shifted_ood), abs=0.02)


def test_a_model_whose_score_never_varies_gets_a_grid_auroc_of_one_half():
    constant = np.full(50, 0.2)  # a head with no active input: the same softmax for every image
    assert grid_auroc(*grid_decisions(constant, np.full(40, 0.2))) == pytest.approx(0.5)
    assert auroc(constant, np.full(40, 0.2)) == pytest.approx(0.5)


def test_an_ensemble_of_the_task_heads(task):
    G = np.zeros((3, 12))
    G[0, :6], G[1, 4:], G[2, ::2] = 1, 1, 1
    recorded = task.evaluate(G)
    ens = FrontEnsemble(task, G, recorded)
    report = ens.evaluate()
    assert report["recorded_accuracy_matches"] and report["memory"] == recorded[:, 1].tolist()
    val, test = report["parts"]["val"], report["parts"]["test"]
    np.testing.assert_allclose(val["single"]["accuracy"], recorded[:, 0], atol=1e-6)
    np.testing.assert_allclose(val["single"]["auroc"], recorded[:, 2], atol=1e-9)  # the same ODIN as the objective
    details = task.details().iloc[:3]
    np.testing.assert_allclose(test["single"]["accuracy"], details["test_accuracy"], atol=1e-6)
    # the mean-probability ensemble, recomputed from the heads' logits
    x, y = task.features["test"]
    logits = task.heads(G).logits(x).numpy()
    assert test["mean_probability"]["accuracy"] == pytest.approx(
        (softmax(logits).mean(axis=0).argmax(axis=1) == y.numpy()).mean() * 100)
    best = int(np.argmax(recorded[:, 0]))
    assert test["best_accuracy_model"]["member"] == best
    assert test["best_accuracy_model"]["accuracy"] == test["single"]["accuracy"][best]
    assert test["max_accuracy"] == max(test["single"]["accuracy"])
    rows, ood = task._ood[(2, "test")]
    T = task.objective_plugins[2].temperature
    single = auroc(odin_scores_from_logits(logits[0][rows.numpy()], T),
                   odin_scores_from_logits(task.heads(G[:1]).logits(ood).numpy()[0], T))
    assert test["single"]["auroc"][0] == pytest.approx(single)
    table = summary_table(report, "test")
    assert "| mean probability |" in table and "(3 members)" in table
    with pytest.raises(InvalidInputError, match="at least 2 members"):
        FrontEnsemble(task, G[:1])
    with pytest.raises(InvalidInputError, match="12 bits per row"):
        FrontEnsemble(task, np.ones((2, 11)))


def test_window_members_takes_the_values_between_two_percentiles():
    values = np.arange(11.0)  # percentiles 50 and 60 of 0..10 are 5 and 6
    assert np.flatnonzero(window_members(values, (50, 60))).tolist() == [5, 6]
    assert window_members(values, (0, 100)).all()
    for bad in [(60, 50), (-1, 10), (5,), "50,60"]:
        with pytest.raises(InvalidInputError, match="percentile window"):
            window_members(values, bad)


def test_ensembles_of_percentile_windows_select_by_the_recorded_values(task):
    G = np.zeros((4, 12))
    G[0, :6], G[1, 4:], G[2, ::2], G[3, 1::3] = 1, 1, 1, 1
    recorded = task.evaluate(G)
    ens = FrontEnsemble(task, G, recorded)
    whole = ens.evaluate()["parts"]["test"]
    rows = ens.windows(windows=((0, 100), (50, 100)))
    assert [(r["by"], r["window"]) for r in rows] == [("accuracy", [0, 100]), ("accuracy", [50, 100]),
                                                      ("robustness", [0, 100]), ("robustness", [50, 100])]
    everything = rows[0]
    assert everything["members"] == [0, 1, 2, 3]
    assert everything["vote_accuracy"] == whole["majority_vote"]["accuracy"]
    assert everything["mean_auroc"] == whole["mean_probability"]["auroc"]
    assert everything["best_accuracy"] == whole["best_accuracy_model"]["accuracy"]
    upper = rows[3]
    assert upper["members"] == np.flatnonzero(recorded[:, 2] >= np.median(recorded[:, 2])).tolist()
    assert upper["max_auroc"] == max(whole["single"]["auroc"][i] for i in upper["members"])
    assert "| robustness | 50-100 |" in window_table(rows)
    with pytest.raises(InvalidInputError, match="recorded values"):
        FrontEnsemble(task, G).windows()
