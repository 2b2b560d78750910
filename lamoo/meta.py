"""LaMOO: the meta-optimizer that learns space partitions (Zhao et al., ICLR 2022).

One iteration: build the partition tree from the archive samples inside the given region, select
a node by UCB, turn its path into a :class:`~lamoo.region.Region` (relaxed to its parent while it
holds fewer new candidates than requested on a finite space, or a smaller share of the samples
than the region policy asks), and ask the inner sampler to propose inside it; as the policy says,
part of the batch, or every few batches the whole batch, is proposed in the whole given region.
"""
from __future__ import annotations

import math

import numpy as np

from lamoo.archive import Archive
from lamoo.checks import check_choice, check_int, check_number, check_sampler
from lamoo.exceptions import InvalidInputError
from lamoo.partition import BAD, GOOD, SVMConfig
from lamoo.mixing import REPORT_KEY as GLOBAL_X
from lamoo.mixing import global_share
from lamoo.policy import AUTO, YIELD_SHARE, RegionPolicy, resolve_policy
from lamoo.proposal import Proposal, as_proposal
from lamoo.region import Region
from lamoo.sampler import Sampler
from lamoo.tree import PartitionTree

FEATURES = ("auto", "raw", "onehot")
POLICY_ARGS = ("score", "selection", "cp_fraction", "leaf_size", "min_share", "global_fraction", "global_every",
               "mixing")


class LaMOO(Sampler):
    """Wrap ``sampler`` so that it proposes inside the most promising learned region.

    The arguments marked *policy* default to ``"auto"``: the value of the inner sampler's
    :class:`~lamoo.policy.RegionPolicy` (its class's ``region_policy``), chosen per sampler from
    the measurements in ``benchmarks/results/lamoo-policy``, or of the ``policy`` given. An
    explicit value always wins. The resolved policy is :attr:`policy_` and is recorded in
    :meth:`config` (so in the journal and in benchmark records).

    Policies of the built-in samplers (chosen from 10-seed grids of a research prototype on the
    four NAS-Bench-201 tasks and three synthetic problems, then re-measured with this class;
    ``benchmarks/results/lamoo-policy/README.md`` gives both, mixed results included):

    - random: small regions scored by exclusive hypervolume, leaf selection, Cp 1% of the
      hypervolume;
    - NSGA-II: a region of at least 25% of the samples, and a share of each batch from the whole
      space of at least 20% that follows the recent success of whole-space and regional points
      (``mixing="yield"``, :mod:`lamoo.mixing`);
    - CMA-ES: every other batch from the whole space; in the others, at least half of the points
      from the whole space (``mixing="yield"``) and the rest from a region of at least 25% of
      the samples;
    - qEHVI, regularized evolution and local search declare none, so they get LaMOO as published
      (``"classic"``); the local search is best used alone (in LaMOO it lost final hypervolume in
      the research grids).

    Args:
        sampler: the inner sampler (any :class:`~lamoo.sampler.Sampler`).
        cp: UCB exploration constant, or ``"auto"``: ``cp_fraction`` times the hypervolume of
            the region's samples.
        cp_fraction: *policy*; see ``cp`` (LaMOO uses about 10% of the maximum hypervolume).
        leaf_size: *policy*; nodes with at most this many samples are not split.
        max_depth: maximum tree depth (``None``: unlimited).
        kernel, C, gamma, degree: parameters of the default SVM classifier
            (:class:`~lamoo.partition.SVMClassifier`: ``sklearn.svm.SVC`` on standardized
            features, predicting with numpy).
        selection: *policy*; ``"path"`` (descend by UCB from the root, as MCTS) or ``"leaf"``
            (the leaf with the largest UCB).
        features: classifier inputs: ``"raw"`` (unit-scaled coordinates), ``"onehot"``
            (categorical dimensions one-hot encoded) or ``"auto"``: one-hot when the space has
            categorical dimensions (an SVM on ordinal codes imposes an order that does not exist;
            on NAS-Bench-201 one-hot partitions reached higher hypervolume, see
            ``benchmarks/results/tuning-nb201``), raw otherwise.
        classifier: a scikit-learn classifier to use instead of the SVM (cloned at each split).
        min_samples: below this many successful evaluations in the region no split is made and
            the inner sampler searches the whole given region (default: ``2 * leaf_size``). No
            split is made either while no sample dominates the reference point.
        score: *policy*; node score for UCB: ``"hv"`` (the node's hypervolume, as LaMOO) or
            ``"exclusive"`` (what the front loses without the node's samples).
        min_share: *policy*; relax the selected region to its parent while it holds fewer than
            this fraction of the samples.
        global_fraction: *policy*; expected fraction of each batch proposed in the whole given
            region (stochastic rounding: the inner sampler is then called twice).
        global_every: *policy*; every ``k``-th batch (by batch number in the archive) is
            proposed in the whole given region.
        mixing: *policy*; ``"fixed"`` (``global_fraction`` of each batch from the whole given
            region) or ``"yield"`` (a share that follows the recent success rates of whole-space
            and regional points: :mod:`lamoo.mixing`).
        policy: where the *policy* arguments left at ``"auto"`` come from: ``"auto"`` (the inner
            sampler's ``region_policy``), ``"classic"`` (LaMOO as published:
            :data:`lamoo.policy.CLASSIC`) or a :class:`~lamoo.policy.RegionPolicy`.
        max_fit: a node with more samples labels and fits its classifier on a subsample of this
            many (seeded from the archive size and the node, so a run stays reproducible and
            resumable, and no node at or under it changes); ``None``: never subsample. At 500,
            one LaMOO(random) iteration at 30,000 samples takes about 1 s instead of 20 s
            (``python -m benchmarks.overhead --sizes 2000 10000 30000``).

    :meth:`propose` returns a :class:`~lamoo.proposal.Proposal` whose ``region`` is the region
    searched (the given region when part of the batch came from it) and whose ``info`` holds:
    ``leaf_id`` (the selected region's node id, after relaxation), ``selected_id`` (the node UCB
    selected), ``path`` (node ids from the root to the selected node), ``relaxed`` (levels moved
    up from it), ``n_global`` (points proposed in the whole given region), ``n_outside`` (inner
    proposals outside the region they were asked in), ``depth`` and ``n_members`` (splits above
    the selected region and the valid samples in it), ``n_nodes`` and ``n_leaves`` (of the tree),
    ``inner`` (the inner sampler's report) and, when part of the batch was global,
    ``inner_global`` (its report for that part). The last tree is kept in ``tree_`` for
    inspection only.
    """

    name = "lamoo"

    def __init__(self, sampler: Sampler, *, cp: float | str = "auto", cp_fraction: float | str = AUTO,
                 leaf_size: int | str = AUTO, max_depth: int | None = 6, kernel: str = "rbf", C: float = 1.0,
                 gamma: str | float = "scale", degree: int = 3, selection: str = AUTO, features: str = "auto",
                 classifier=None, min_samples: int | None = None, score: str = AUTO, min_share: float | str = AUTO,
                 global_fraction: float | str = AUTO, global_every: int | str = AUTO, mixing: str = AUTO,
                 policy: str | RegionPolicy = AUTO, max_fit: int | None = 500):
        check_sampler(sampler)
        if isinstance(cp, str) and cp != "auto":
            raise InvalidInputError(f"cp must be 'auto' or a finite number >= 0, got {cp!r}")
        if cp != "auto":
            check_number(cp, "cp", low=0)
        check_int(max_depth, "max_depth", 0, allow_none=True)
        check_choice(kernel, "kernel", ("rbf", "poly", "linear", "sigmoid"))
        check_number(C, "C", low=0, low_open=True)
        if isinstance(gamma, str) and gamma not in ("scale", "auto"):
            raise InvalidInputError(f"gamma must be 'scale', 'auto' or a finite number > 0, got {gamma!r}")
        if gamma not in ("scale", "auto"):
            check_number(gamma, "gamma", low=0, low_open=True)
        check_int(degree, "degree", 0)
        _check_classifier(classifier)
        check_choice(features, "features", FEATURES)
        check_int(min_samples, "min_samples", 2, allow_none=True)
        check_int(max_fit, "max_fit", 10, allow_none=True)
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
        self.score = score
        self.min_share = min_share
        self.global_fraction = global_fraction
        self.global_every = global_every
        self.mixing = mixing
        self.policy = policy
        self.max_fit = max_fit
        #: the resolved :class:`RegionPolicy`
        self.policy_: RegionPolicy = resolve_policy(sampler, policy, **{k: getattr(self, k) for k in POLICY_ARGS})

    def config(self) -> dict:
        """:meth:`Sampler.config` plus ``"policy_"``: the resolved :class:`RegionPolicy`."""
        out = super().config()
        out["policy_"] = self.policy_.to_dict()
        return out

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
        violation = archive.violation[members] if archive.constraints else None
        ref = archive.reference_F()
        policy = self.policy_
        min_samples = self.min_samples or max(2 * policy.leaf_size, 2)
        # Until a sample dominates the reference point there is no hypervolume to learn from:
        # the tree stays a single root and the inner sampler searches the whole region. Scoring
        # nodes against the samples' own nadir instead drove LaMOO(CMA-ES) onto local fronts
        # outside the reference box for whole runs (branin-currin, seeds 0-9: final HV 0 and 8.8
        # in two of them, against a median of 56).
        # With constraints the same holds for feasible samples, but while none is feasible the
        # tree splits by violation (constraint-domination) to lead the search towards feasibility.
        feasible = np.ones(len(members), dtype=bool) if violation is None else violation == 0
        split = len(members) >= min_samples and (bool((F[feasible] < ref).all(axis=1).any()) or not feasible.any())
        return PartitionTree.build(
            members, feats(archive.X[members]), F, ref, make_classifier=self._make_classifier,
            leaf_size=policy.leaf_size if split else len(members), max_depth=self.max_depth, cp=self.cp,
            cp_fraction=policy.cp_fraction, score=policy.score, max_fit=self.max_fit, subsample_seed=archive.n,
            violation=violation)

    def propose(self, region: Region, archive: Archive, n: int, rng: np.random.Generator) -> Proposal:
        """Select a region with the tree fitted to ``archive`` and let the inner sampler propose
        ``n`` points in it (some or all of them in ``region`` itself when the policy mixes);
        returns the inner proposals' points with the region searched (see the class docstring
        for :attr:`Proposal.info`)."""
        tree = self.fit_tree(region, archive)
        selected = tree.select(self.policy_.selection)
        target, relaxed = self._selected_region(tree, selected, region, n)
        n_global = self._n_global(region, target, archive, n, rng)
        local = glob = None
        if n_global < n:
            local = as_proposal(self.sampler.propose(target, archive, n - n_global, rng), target, self.sampler)
        if n_global > 0:
            where = region if local is None else region.with_pending(local.X)
            glob = as_proposal(self.sampler.propose(where, archive, n_global, rng), where, self.sampler)
        self.tree_ = tree
        info = {
            "leaf_id": int(target.leaf_id), "selected_id": int(selected.id),
            "path": [int(node.id) for node in selected.path()], "relaxed": relaxed, "n_global": n_global,
            "n_outside": sum(int((~r.contains(p.X)).sum()) for p, r in ((local, target), (glob, region))
                             if p is not None and len(p.X)),
            "depth": int(target.depth), "n_members": int(len(target.members)),
            "n_nodes": len(tree.nodes), "n_leaves": len(tree.leaves),
            "inner": dict((local if local is not None else glob).info),
        }
        if self.policy_.mixing == "yield" and target is not region:
            info[GLOBAL_X] = [] if glob is None else glob.X.tolist()
        if local is None:
            return Proposal(glob.X, region, info)
        if glob is None:
            return Proposal(local.X, target, info)
        info["inner_global"] = dict(glob.info)
        return Proposal(np.vstack([local.X, glob.X]), region, info)

    def _selected_region(self, tree: PartitionTree, selected, region: Region, n: int) -> tuple[Region, int]:
        """The region of ``selected`` (refined from ``region`` along its path), relaxed to its
        parent while it is known to hold fewer than ``n`` new points (finite spaces: elsewhere
        only drawing tells, and the driver's top-up moves up on a real shortfall) or fewer than
        ``min_share`` of the samples; returns it with the number of levels relaxed."""
        feats = self._features(region.space)
        target = region
        for node in selected.path()[1:]:
            label = GOOD if node.side == "good" else BAD
            target = target.refine(node.parent.classifier, label, node.members, node.id, feats)
        relaxed = 0
        least = self.policy_.min_share * len(region.members)
        while target is not region and (len(target.members) < least or _holds_fewer(target, n)):
            target, relaxed = target.parent, relaxed + 1
        return target, relaxed

    def _n_global(self, region: Region, target: Region, archive: Archive, n: int, rng: np.random.Generator) -> int:
        """How many of the ``n`` points to propose in the whole given ``region`` (0 when the
        selected region is that region). Draws from ``rng`` only for a fractional count."""
        policy = self.policy_
        if target is region:
            return 0
        every = policy.global_every
        if every and _next_batch(archive) % every == every - 1:
            return n
        share = policy.global_fraction
        if policy.mixing == "yield":
            share = global_share(archive, policy.mixing_window, max(policy.global_fraction, YIELD_SHARE[0]),
                                 YIELD_SHARE[1])
        expected = share * n
        k = math.floor(expected)
        if expected > k and rng.random() < expected - k:
            k += 1
        return min(k, n)


def _next_batch(archive: Archive) -> int:
    """The number of the batch being proposed, as the archive knows it: one more than the
    largest batch number told (0 for an empty archive)."""
    return int(archive.batches.max()) + 1 if len(archive) else 0


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
