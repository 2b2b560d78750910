"""LaMOO: the meta-optimizer that learns space partitions (Zhao et al., ICLR 2022).

One iteration: build the partition tree from the archive samples inside the given region, select
a node by UCB on hypervolume, turn its path into a :class:`~lamoo.region.Region` (on finite spaces
relaxed to its parent while it holds fewer new candidates than requested), and ask the inner
sampler to propose inside it.
"""
from __future__ import annotations

import numpy as np

from lamoo.archive import Archive
from lamoo.checks import check_choice, check_int, check_number, check_sampler
from lamoo.exceptions import InvalidInputError
from lamoo.partition import BAD, GOOD, SVMConfig
from lamoo.proposal import Proposal, as_proposal
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

    :meth:`propose` returns a :class:`~lamoo.proposal.Proposal` whose ``region`` is the region
    searched and whose ``info`` holds: ``leaf_id`` (that region's node id), ``selected_id`` (the
    node UCB selected), ``path`` (node ids from the root to the selected node), ``relaxed``
    (levels moved up from it because it held too few new candidates), ``n_outside`` (inner
    proposals outside the region), ``depth`` and ``n_members`` (splits above the region searched
    and the valid samples in it), ``n_nodes`` and ``n_leaves`` (of the tree) and ``inner`` (the
    inner sampler's report). The last tree is kept in ``tree_`` for inspection only.
    """

    name = "lamoo"

    def __init__(self, sampler: Sampler, *, cp: float | str = "auto", cp_fraction: float = 0.1,
                 leaf_size: int = 10, max_depth: int | None = 6, kernel: str = "rbf", C: float = 1.0,
                 gamma: str | float = "scale", degree: int = 3, selection: str = "path",
                 features: str = "auto", classifier=None, min_samples: int | None = None):
        check_sampler(sampler)
        if isinstance(cp, str) and cp != "auto":
            raise InvalidInputError(f"cp must be 'auto' or a finite number >= 0, got {cp!r}")
        if cp != "auto":
            check_number(cp, "cp", low=0)
        check_number(cp_fraction, "cp_fraction", low=0)
        check_int(leaf_size, "leaf_size", 1)
        check_int(max_depth, "max_depth", 0, allow_none=True)
        check_choice(kernel, "kernel", ("rbf", "poly", "linear", "sigmoid"))
        check_number(C, "C", low=0, low_open=True)
        if isinstance(gamma, str) and gamma not in ("scale", "auto"):
            raise InvalidInputError(f"gamma must be 'scale', 'auto' or a finite number > 0, got {gamma!r}")
        if gamma not in ("scale", "auto"):
            check_number(gamma, "gamma", low=0, low_open=True)
        check_int(degree, "degree", 0)
        _check_classifier(classifier)
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

    def feature_map(self, space):
        """The classifiers' inputs for points of ``space``: a function from ``(n x d)`` points to
        ``(n x p)`` features (see ``features``), e.g. for ``PartitionTree.leaf_of`` on new points."""
        return self._features(space)

    def fit_tree(self, region: Region, archive: Archive) -> PartitionTree:
        """Build the partition tree over the successful samples inside ``region``."""
        members = region.members
        feats = self._features(archive.space)
        F = archive.F[members]
        ref = archive.reference_F()
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

    def propose(self, region: Region, archive: Archive, n: int, rng: np.random.Generator) -> Proposal:
        """Select a region with the tree fitted to ``archive`` and let the inner sampler propose
        ``n`` points in it; returns the inner proposal's points with the selected region (see
        the class docstring for :attr:`Proposal.info`)."""
        tree = self.fit_tree(region, archive)
        selected = tree.select(self.selection)
        feats = self._features(archive.space)
        target = region
        for node in selected.path()[1:]:
            label = GOOD if node.side == "good" else BAD
            target = target.refine(node.parent.classifier, label, node.members, node.id, feats)
        relaxed = 0
        # On finite spaces the count of new candidates is exact: a region that holds fewer than
        # n moves up before proposing. Elsewhere only drawing tells, and the driver's top-up
        # moves up on a real shortfall (lamoo.proposal.complete).
        while target is not region and _holds_fewer(target, n):
            target, relaxed = target.parent, relaxed + 1
        inner = as_proposal(self.sampler.propose(target, archive, n, rng), target, self.sampler)
        self.tree_ = tree
        info = {
            "leaf_id": int(target.leaf_id), "selected_id": int(selected.id),
            "path": [int(node.id) for node in selected.path()], "relaxed": relaxed,
            "n_outside": int((~target.contains(inner.X)).sum()) if len(inner.X) else 0,
            "depth": int(target.depth), "n_members": int(len(target.members)),
            "n_nodes": len(tree.nodes), "n_leaves": len(tree.leaves), "inner": dict(inner.info),
        }
        return Proposal(inner.X, target, info)


def _check_classifier(classifier) -> None:
    """None, or a scikit-learn classifier instance that :func:`sklearn.base.clone` can copy."""
    if classifier is None:
        return
    if isinstance(classifier, type):
        raise InvalidInputError(f"classifier must be a classifier object, got the class {classifier.__name__}: "
                                f"pass an instance, e.g. {classifier.__name__}()")
    missing = [m for m in ("fit", "predict") if not callable(getattr(classifier, m, None))]
    if missing:
        raise InvalidInputError(f"classifier must be a scikit-learn classifier with fit(X, y) and predict(X); "
                                f"{classifier!r} has no {' or '.join(missing)}")
    from sklearn.base import clone

    try:
        clone(classifier)
    except Exception as exc:  # noqa: BLE001 - clone raises TypeError/RuntimeError for non-estimators
        raise InvalidInputError(f"classifier {classifier!r} cannot be cloned by sklearn.base.clone (it is cloned at "
                                f"every split): {exc}") from None


def _holds_fewer(region: Region, n: int) -> bool:
    """Whether ``region`` is known to hold fewer than ``n`` new points (finite spaces only)."""
    available = region.n_available()
    return available is not None and available < n
