"""Labelling, splitting and the partition tree."""
import math

import numpy as np
import pytest

from lamoo.partition import BAD, GOOD, SVMClassifier, SVMConfig, dominance_labels, fit_rows, fit_split, n_good
from lamoo.pareto import hypervolume
from lamoo.tree import PartitionTree
from tests.toys import ToyTask, filled_archive


def test_labels_take_floor_half_plus_one_by_dominance_number_as_the_lamoo_reference():
    F = np.array([[0, 0], [1, 1], [2, 2], [3, 3], [4, 4], [5, 5]], dtype=float)  # a chain
    assert dominance_labels(F).tolist() == [GOOD, GOOD, GOOD, GOOD, BAD, BAD]  # 6 // 2 + 1
    assert dominance_labels(F[:5]).tolist() == [GOOD, GOOD, GOOD, BAD, BAD]  # 5 // 2 + 1
    assert [n_good(n) for n in range(1, 7)] == [1, 2, 2, 3, 3, 4]


def test_labels_break_ties_by_archive_order():
    F = np.array([[0, 1], [1, 0], [0.5, 0.5], [0.2, 0.9], [2, 2]], dtype=float)  # four non-dominated
    assert dominance_labels(F).tolist() == [GOOD, GOOD, GOOD, BAD, BAD]


def test_a_split_with_one_label_class_is_degenerate():
    clf, pred = fit_split(np.zeros((1, 2)), np.zeros((1, 2)), SVMConfig().make)
    assert clf is None and pred is None


def test_a_split_the_classifier_cannot_separate_is_degenerate():
    # identical inputs with different labels: the SVM predicts one class for all
    X = np.zeros((6, 2))
    F = np.arange(12, dtype=float).reshape(6, 2)
    clf, pred = fit_split(X, F, SVMConfig().make)
    assert clf is None


def build(n=80, leaf_size=10, max_depth=None, cp="auto", seed=0, **kwargs):
    task = ToyTask(d=2)
    archive = filled_archive(task, n, seed=seed)
    members = archive.valid_indices
    return archive, PartitionTree.build(members, task.space.to_unit(archive.X[members]), archive.F[members],
                                        archive.ref_F, make_classifier=SVMConfig().make, leaf_size=leaf_size,
                                        max_depth=max_depth, cp=cp, **kwargs)


def test_tree_partitions_the_samples_exactly():
    archive, tree = build()
    for node in tree.nodes:
        if not node.is_leaf:
            good, bad = node.children
            assert sorted(np.concatenate([good.members, bad.members]).tolist()) == sorted(node.members.tolist())
            assert good.side == "good" and bad.side == "bad" and good.depth == node.depth + 1
    leaves = np.concatenate([leaf.members for leaf in tree.leaves])
    assert sorted(leaves.tolist()) == list(range(archive.n))


def test_tree_respects_leaf_size_and_max_depth():
    _, tree = build(leaf_size=10)
    assert all(node.n > 10 for node in tree.nodes if not node.is_leaf)
    _, shallow = build(leaf_size=2, max_depth=2)
    assert max(node.depth for node in shallow.nodes) <= 2
    _, single = build(leaf_size=1000)
    assert len(single.nodes) == 1 and single.select("path") is single.root


def test_the_good_child_holds_the_better_samples():
    archive, tree = build()
    good, bad = tree.root.children
    assert good.hypervolume > bad.hypervolume


def test_ucb_formula_and_auto_cp():
    _, tree = build(cp="auto")
    assert tree.cp == pytest.approx(0.1 * tree.root.hypervolume)
    for node in tree.nodes[1:]:
        expected = node.hypervolume + 2 * tree.cp * math.sqrt(2 * math.log(node.parent.n) / node.n)
        assert node.ucb == pytest.approx(expected)
    assert tree.root.ucb == math.inf


def test_path_selection_descends_by_ucb_and_leaf_selection_takes_the_best_leaf():
    _, tree = build(cp=0.0)
    node = tree.select("path")
    assert node.is_leaf
    for parent, child in zip(node.path()[:-1], node.path()[1:]):
        assert child.ucb == max(kid.ucb for kid in parent.children)
    leaf = tree.select("leaf")
    assert leaf.ucb == max(n.ucb for n in tree.leaves)
    with pytest.raises(ValueError, match="selection"):
        tree.select("random")


def test_large_cp_explores_the_bad_side():
    _, tree = build(cp=1e6)
    # with a huge exploration constant the smaller child (fewer samples) wins at the root
    good, bad = tree.root.children
    chosen = tree.select("path").path()[1]
    assert chosen is (good if good.n < bad.n else bad)


def test_leaf_of_routes_points_like_the_tree_split_its_samples():
    archive, tree = build()
    feats = archive.space.to_unit(archive.X)
    ids = tree.leaf_of(feats)
    for leaf in tree.leaves:
        assert (ids[leaf.members] == leaf.id).all()


def test_summary_lists_every_node():
    _, tree = build()
    df = tree.summary()
    assert len(df) == len(tree.nodes) and {"n", "hypervolume", "ucb", "leaf"} <= set(df.columns)
    assert "PartitionTree(" in repr(tree)


@pytest.mark.parametrize("kernel", ["rbf", "poly", "linear", "sigmoid"])
def test_the_numpy_svm_predicts_as_the_scikit_learn_pipeline(kernel):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    rng = np.random.default_rng(1)
    X = rng.random((150, 3))
    X[:, 2] = 0.5  # a constant feature is centred, not scaled
    y = (X[:, 0] + 0.2 * rng.standard_normal(150) > 0.5).astype(int)
    T = rng.random((3000, 3))
    reference = make_pipeline(StandardScaler(), SVC(kernel=kernel)).fit(X, y)
    ours = SVMClassifier(kernel=kernel).fit(X, y)
    np.testing.assert_allclose(ours.decision_function(T), reference.decision_function(T), atol=1e-9)
    assert (ours.predict(T) == reference.predict(T)).all()
    assert ours.predict(T[:0]).shape == (0,)


def test_large_nodes_fit_on_a_subsample_and_route_every_sample():
    rng = np.random.default_rng(2)
    F, X = rng.random((300, 2)), rng.random((300, 2))
    fitted = []

    class Recording(SVMClassifier):
        def fit(self, X, y):
            fitted.append(len(X))
            return super().fit(X, y)

    clf, predicted = fit_split(X, F, Recording, max_fit=100, rng=np.random.default_rng(0))
    assert fitted == [100] and predicted.shape == (300,)
    again = fit_split(X, F, SVMClassifier, max_fit=100, rng=np.random.default_rng(0))[1]
    assert (again == predicted).all()  # the subsample comes from the generator only
    # at or under max_fit nothing is drawn: the split is the exact one
    exact = fit_split(X[:100], F[:100], SVMClassifier)[1]
    assert (fit_split(X[:100], F[:100], SVMClassifier, max_fit=100, rng=None)[1] == exact).all()


def test_the_fit_subsample_keeps_the_front_of_the_node():
    from lamoo.pareto import non_dominated_mask

    rng = np.random.default_rng(3)
    F = rng.random((2000, 2))
    front = np.flatnonzero(non_dominated_mask(F))
    rows = fit_rows(F, 100, np.random.default_rng(0))
    assert len(rows) == 100 and len(np.unique(rows)) == 100 and (np.diff(rows) > 0).all()
    assert set(front) <= set(rows)  # a uniform draw of 100 of 2,000 keeps 5% of the front
    # a front larger than the subsample: a draw of the front only
    line = np.column_stack([np.linspace(0, 1, 300), np.linspace(1, 0, 300)])
    rows = fit_rows(np.vstack([line, line + 0.5]), 50, np.random.default_rng(0))
    assert len(rows) == 50 and (rows < 300).all()
    # with constraints: the feasible front, or the least violating sample while none is feasible
    violation = (F[:, 0] < 0.5).astype(float)
    feasible = np.flatnonzero(violation == 0)
    rows = fit_rows(F, 100, np.random.default_rng(0), violation)
    assert set(feasible[non_dominated_mask(F[feasible])]) <= set(rows)
    violation = 1.0 + F[:, 1]
    assert int(np.argmin(violation)) in fit_rows(F, 100, np.random.default_rng(0), violation)


def test_trees_under_max_fit_are_exact_and_subsampled_trees_are_reproducible():
    _, exact = build(n=120)
    _, same = build(n=120, max_fit=500, subsample_seed=7)
    assert [n.members.tolist() for n in exact.nodes] == [n.members.tolist() for n in same.nodes]
    _, small = build(n=120, max_fit=40, subsample_seed=7)
    _, again = build(n=120, max_fit=40, subsample_seed=7)
    assert [n.members.tolist() for n in small.nodes] == [n.members.tolist() for n in again.nodes]
    assert [n.members.tolist() for n in small.nodes] != [n.members.tolist() for n in exact.nodes]


def test_exclusive_scores_are_what_the_front_loses_without_the_node():
    archive, tree = build(score="exclusive", cp=0.0)
    F, ref = archive.F, archive.ref_F
    total = hypervolume(F, ref)
    for node in tree.nodes[1:]:
        outside = np.setdiff1d(np.arange(archive.n), node.members)
        assert node.score == pytest.approx(total - hypervolume(F[outside], ref), abs=1e-12)
        assert node.ucb == pytest.approx(node.score)
    assert any(node.score == 0 for node in tree.nodes[1:]) and tree.root.children[0].score > 0
    assert "score" in tree.summary().columns
    with pytest.raises(ValueError, match="score"):
        build(score="best")
