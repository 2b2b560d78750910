"""Labelling, splitting and the partition tree."""
import math

import numpy as np
import pytest

from lamoo.partition import BAD, GOOD, SVMConfig, dominance_labels, fit_split
from lamoo.tree import PartitionTree
from tests.toys import ToyTask, filled_archive


def test_labels_take_the_better_half_by_dominance_number():
    F = np.array([[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]], dtype=float)  # a chain
    assert dominance_labels(F).tolist() == [GOOD, GOOD, GOOD, BAD, BAD]


def test_labels_break_ties_by_archive_order():
    F = np.array([[0, 1], [1, 0], [0.5, 0.5], [2, 2]], dtype=float)  # three non-dominated
    assert dominance_labels(F).tolist() == [GOOD, GOOD, BAD, BAD]


def test_a_split_with_one_label_class_is_degenerate():
    clf, pred = fit_split(np.zeros((1, 2)), np.zeros((1, 2)), SVMConfig().make)
    assert clf is None and pred is None


def test_a_split_the_classifier_cannot_separate_is_degenerate():
    # identical inputs with different labels: the SVM predicts one class for all
    X = np.zeros((6, 2))
    F = np.arange(12, dtype=float).reshape(6, 2)
    clf, pred = fit_split(X, F, SVMConfig().make)
    assert clf is None


def build(n=80, leaf_size=10, max_depth=None, cp="auto", seed=0):
    task = ToyTask(d=2)
    archive = filled_archive(task, n, seed=seed)
    members = archive.valid_indices
    return archive, PartitionTree.build(members, task.space.to_unit(archive.X[members]), archive.F[members],
                                        archive.ref_F, make_classifier=SVMConfig().make, leaf_size=leaf_size,
                                        max_depth=max_depth, cp=cp)


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
