"""Front ensembles: the vote, the released code's grid AUROC, and ensembles of a task's heads."""
import numpy as np
import pytest

from lamoo.exceptions import InvalidInputError
from nas_tasks.objectives.robustness import auroc, odin_scores_from_logits
from nas_tasks.pruning.ensemble import FrontEnsemble, grid_auroc, grid_decisions, softmax, summary_table, vote


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
