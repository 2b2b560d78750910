"""What LaMOO's partitions mean on a binary genome, read back from a real run's journal."""
import numpy as np
import pytest

from lamoo import LaMOO, ObjectiveSpec, Result, optimize
from lamoo.exceptions import InvalidInputError
from lamoo.task import Task
from nas_tasks.pruning.genome import BinarySpace
from nas_tasks.pruning.partitions import cv_accuracy, front_yield, partition_analysis, replay, summarize
from samplers import NSGA2Sampler, RandomSampler


class SparseTask(Task):
    """Two minimized counts of active bits (all bits, and the first quarter's): sparser genomes
    dominate, so LaMOO's good side should mean fewer active bits."""

    def __init__(self, d: int = 24):
        self.space = BinarySpace(d)
        self.objectives = (ObjectiveSpec("bits", "minimize"), ObjectiveSpec("head", "minimize"))
        self.ref_point = np.array([d + 1.0, d / 4 + 1.0])

    def evaluate(self, X):
        X = np.asarray(X)
        return np.column_stack([X.sum(axis=1), X[:, : X.shape[1] // 4].sum(axis=1)])


def lamoo():
    return LaMOO(NSGA2Sampler(operators="binary", pop_size=10))


@pytest.fixture(scope="module")
def journal(tmp_path_factory):
    path = tmp_path_factory.mktemp("runs") / "lamoo.jsonl"
    optimize(SparseTask(), lamoo(), budget=60, n_init=20, batch_size=10, seed=3, journal=path)
    return path


def test_replayed_trees_select_what_the_run_selected_and_split_by_density(journal):
    analysis = partition_analysis(journal, lamoo())
    batches = analysis["batches"]
    assert [b["batch"] for b in batches] == [1, 2, 3, 4]
    assert all(b["tree_matches"] for b in batches)
    roots = [s for b in batches for s in b["splits"] if s["id"] == 0]
    assert roots, "no batch split its root"
    for root in roots:
        assert 0.5 <= root["train_accuracy"] <= 1.0
        assert root["good_density"] < root["bad_density"]
        assert root["label_density_corr"] < -0.5  # the good label goes with fewer active bits
    summary = summarize(analysis)
    assert summary["n_batches"] == 4 and summary["selected_found"] == 4
    assert summary["root_density_corr"] < -0.5
    assert 0 <= summary["selected_share_of_front"] <= 1


def test_front_yield_counts_the_non_dominated_share_of_each_batch(journal):
    result = Result.from_journal(journal)
    yields = front_yield(result)
    assert [y["batch"] for y in yields] == [1, 2, 3, 4]
    for y in yields:
        rows = np.flatnonzero(result.batches <= y["batch"])
        F = result.F[rows]
        mine = result.batches[rows] == y["batch"]
        dominated = [(F <= f).all(axis=1).__and__((F < f).any(axis=1)).any() for f in F[mine]]
        assert y["yield"] == pytest.approx(1 - np.mean(dominated))


def test_cv_accuracy_is_chance_on_labels_unrelated_to_the_features():
    from lamoo.partition import SVMClassifier

    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, size=(80, 30)).astype(float)
    informative = (X[:, 0] > 0).astype(int)
    noise = rng.permutation(informative)
    assert cv_accuracy(SVMClassifier(kernel="linear"), X, informative) > 0.9
    assert cv_accuracy(SVMClassifier(kernel="linear"), X, noise) < 0.75
    assert np.isnan(cv_accuracy(SVMClassifier(), X, np.r_[1, np.zeros(79, dtype=int)]))


def test_replay_keeps_the_rows_given_and_a_plain_sampler_is_refused(journal):
    result = Result.from_journal(journal)
    archive = replay(result, BinarySpace(24), np.arange(30))
    assert archive.n == 30 and np.array_equal(archive.X, result.X[:30])
    with pytest.raises(InvalidInputError, match="LaMOO"):
        partition_analysis(journal, RandomSampler())
