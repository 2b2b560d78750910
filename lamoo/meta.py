"""LaMOO: the meta-optimizer that learns space partitions (Zhao et al., ICLR 2022).

One iteration: build the partition tree from the archive samples inside the given region, select
a node by UCB on hypervolume, turn its path into a :class:`~lamoo.region.Region`, relax to the
parent while the region cannot supply the requested points, and ask the inner sampler to propose
inside it.
"""
from __future__ import annotations

import numpy as np

from lamoo.archive import Archive
from lamoo.checks import check_choice, check_int, check_number
from lamoo.exceptions import InvalidInputError
from lamoo.pareto import nadir_reference
from lamoo.partition import BAD, GOOD, SVMConfig
from lamoo.region import Region
from lamoo.sampler import Sampler
from lamoo.tree import SELECTIONS, PartitionTree

FEATURES = ("auto", "raw", "onehot")


class LaMOO(Sampler):
    """Wrap ``sampler`` so that it proposes inside the most promising learned region.

    Args:
        sampler: the inner sampler (any :class:`~lamoo.sampler.Sampler`).
        cp: UCB exploration constant, or ``"auto"``: ``cp_fraction`` times the hypervolume of
            the region's samples (LaMOO uses about 10% of the maximum hypervolume).
        cp_fraction: see ``cp``.
        leaf_size: nodes with at most this many samples are not split. Population-based inner
            samplers (NSGA-II, CMA-ES) do better with larger leaves, about 30: a leaf of ~15% of
            the samples gives them too few parents or too short a history (see
            ``benchmarks/results/diagnostics``).
        max_depth: maximum tree depth (``None``: unlimited).
        kernel, C, gamma, degree: parameters of the default SVM classifier (``sklearn.svm.SVC``
            on standardized features).
        selection: ``"path"`` (descend by UCB from the root, as MCTS) or ``"leaf"`` (the leaf
            with the largest UCB).
        features: classifier inputs: ``"raw"`` (unit-scaled coordinates), ``"onehot"``
            (categorical dimensions one-hot encoded) or ``"auto"``: one-hot when the space has
            categorical dimensions (an SVM on ordinal codes imposes an order that does not exist;
            on NAS-Bench-201 one-hot partitions reached higher hypervolume, see
            ``benchmarks/results/tuning-nb201``), raw otherwise.
        classifier: a scikit-learn classifier to use instead of the SVM (cloned at each split).
        min_samples: below this many successful evaluations in the region no split is made and
            the inner sampler searches the whole given region (default: ``2 * leaf_size``). No
            split is made either while no sample dominates the reference point.

    Fitted attributes after :meth:`propose`: ``tree_`` (the :class:`~lamoo.tree.PartitionTree`),
    ``region_`` (the region given to the inner sampler) and ``proposal_info_`` (``leaf_id``,
    ``selected_id``, ``path``, ``relaxed`` levels, ``n_outside`` proposals outside the region).
    """

    name = "lamoo"

    def __init__(self, sampler: Sampler, *, cp: float | str = "auto", cp_fraction: float = 0.1,
                 leaf_size: int = 10, max_depth: int | None = 6, kernel: str = "rbf", C: float = 1.0,
                 gamma: str | float = "scale", degree: int = 3, selection: str = "path",
                 features: str = "auto", classifier=None, min_samples: int | None = None):
        if not hasattr(sampler, "propose"):
            raise InvalidInputError(f"sampler must implement propose(region, archive, n, rng), got {sampler!r}")
        if cp != "auto":
            check_number(cp, "cp", low=0)  # or 'auto'
        check_number(cp_fraction, "cp_fraction", low=0)
        check_int(leaf_size, "leaf_size", 1)
        check_int(max_depth, "max_depth", 0, allow_none=True)
        check_choice(kernel, "kernel", ("rbf", "poly", "linear", "sigmoid"))
        check_number(C, "C", low=0, low_open=True)
        if gamma not in ("scale", "auto"):
            check_number(gamma, "gamma", low=0, low_open=True)  # or 'scale', 'auto'
        check_choice(selection, "selection", SELECTIONS)
        check_choice(features, "features", FEATURES)
        check_int(min_samples, "min_samples", 2, allow_none=True)
        self.sampler = sampler
        self.cp = cp
        self.cp_fraction = cp_fraction
        self.leaf_size = leaf_size
        self.max_depth = max_depth
        self.kernel = kernel
        self.C = C
        self.gamma = gamma
        self.degree = degree
        self.selection = selection
        self.features = features
        self.classifier = classifier
        self.min_samples = min_samples

    def _make_classifier(self):
        if self.classifier is not None:
            from sklearn.base import clone

            return clone(self.classifier)
        return SVMConfig(self.kernel, self.C, self.gamma, self.degree).make()

    def _features(self, space):
        one_hot = self.features == "onehot" or (self.features == "auto" and "categorical" in space.kinds)
        return lambda X: space.features(X, one_hot=one_hot)

    def fit_tree(self, region: Region, archive: Archive) -> PartitionTree:
        """Build the partition tree over the successful samples inside ``region``."""
        members = region.members
        feats = self._features(archive.space)
        F = archive.F[members]
        ref = archive.ref_F if archive.ref_F is not None else nadir_reference(F)
        min_samples = self.min_samples or max(2 * self.leaf_size, 2)
        # Until a sample dominates the reference point there is no hypervolume to learn from:
        # the tree stays a single root and the inner sampler searches the whole region. Scoring
        # nodes against the samples' own nadir instead drove LaMOO(CMA-ES) onto local fronts
        # outside the reference box for whole runs (branin-currin, seeds 0-9: final HV 0 and 8.8
        # in two of them, against a median of 56).
        split = len(members) >= min_samples and bool((F < ref).all(axis=1).any())
        return PartitionTree.build(
            members, feats(archive.X[members]), F, ref, make_classifier=self._make_classifier,
            leaf_size=self.leaf_size if split else len(members),
            max_depth=self.max_depth, cp=self.cp, cp_fraction=self.cp_fraction)

    def propose(self, region: Region, archive: Archive, n: int, rng: np.random.Generator) -> np.ndarray:
        tree = self.fit_tree(region, archive)
        selected = tree.select(self.selection)
        feats = self._features(archive.space)
        leaf = region
        for node in selected.path()[1:]:
            label = GOOD if node.side == "good" else BAD
            leaf = leaf.refine(node.parent.classifier, label, node.members, node.id, feats)
        target, relaxed = leaf, 0
        probe_rng = np.random.default_rng(rng.integers(2 ** 63))
        while target is not region and not _can_supply(target, n, probe_rng):
            target, relaxed = target.parent, relaxed + 1
        X = np.asarray(self.sampler.propose(target, archive, n, rng), dtype=float)
        self.tree_ = tree
        self.region_ = target
        n_outside = int((~target.contains(archive.space.repair(X))).sum()) if len(X) else 0
        self.proposal_info_ = {
            "leaf_id": int(target.leaf_id), "selected_id": int(selected.id),
            "path": [int(node.id) for node in selected.path()], "relaxed": relaxed,
            "n_outside": n_outside, "inner": getattr(self.sampler, "proposal_info_", None),
        }
        return X


def _can_supply(region: Region, n: int, rng: np.random.Generator) -> bool:
    if region.space.is_finite:
        return len(region.candidates()) >= n
    return len(region.sample(n, rng)) >= n
