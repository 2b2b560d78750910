"""The partition tree: built from the archive at every iteration, scored by hypervolume, and
searched by UCB.

A node holds archive samples; an internal node also holds the classifier that split them into a
*good* and a *bad* child. Each node has a *score*, and its UCB is
``score + 2 * cp * sqrt(2 * ln(n_parent) / n_node)`` with ``n`` the number of samples (the tree
is rebuilt from all samples every iteration, so sample counts are the visit counts). Two scores:

- ``"hv"`` (LaMOO's): the hypervolume of the node's own samples;
- ``"exclusive"``: the hypervolume the whole front loses without the node's samples (0 for a
  node holding no sample of the front). A node's own hypervolume undervalues a region that holds
  a small part of the front that nothing else covers, such as the cheap corner cell of
  NAS-Bench-201's accuracy/FPGA-latency front, worth 6.3% of the maximum hypervolume on its own.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lamoo.partition import BAD, GOOD, ClassifierFactory, fit_split
from lamoo.pareto import hypervolume, non_dominated_mask

SELECTIONS = ("path", "leaf")
SCORES = ("hv", "exclusive")


@dataclass(eq=False)
class Node:
    """One node of a :class:`PartitionTree`.

    Attributes:
        id: position in breadth-first order (the root is 0).
        depth: 0 for the root.
        side: ``"root"``, ``"good"`` or ``"bad"``.
        members: ``(k,)`` archive indices of the node's samples.
        hypervolume: hypervolume of the members' objective values.
        score: what UCB ranks the node by (``hypervolume``, or the exclusive hypervolume).
        classifier: the fitted split of an internal node (``None`` for a leaf).
        ucb: upper confidence bound (``inf`` for the root).
    """

    id: int
    depth: int
    side: str
    members: np.ndarray
    hypervolume: float
    parent: "Node | None" = None
    classifier: object = None
    children: tuple = field(default_factory=tuple)
    ucb: float = math.inf
    score: float = 0.0

    @property
    def n(self) -> int:
        return len(self.members)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def path(self) -> list["Node"]:
        """Nodes from the root down to this node."""
        nodes, node = [], self
        while node is not None:
            nodes.append(node)
            node = node.parent
        return nodes[::-1]


class PartitionTree:
    """A tree of good/bad splits of the archive samples.

    Build it with :meth:`build`; inspect ``nodes``, ``leaves`` and :meth:`summary`; pick a node to
    sample from with :meth:`select`.
    """

    def __init__(self, root: Node, nodes: list[Node], cp: float):
        self.root = root
        self.nodes = nodes
        self.cp = cp

    @classmethod
    def build(cls, members: np.ndarray, features: np.ndarray, F: np.ndarray, ref_point: np.ndarray, *,
              make_classifier: ClassifierFactory, leaf_size: int, max_depth: int | None,
              cp: float | str = "auto", cp_fraction: float = 0.1, score: str = "hv",
              max_fit: int | None = None, subsample_seed: int = 0) -> "PartitionTree":
        """Split recursively until nodes hold at most ``leaf_size`` samples, reach
        ``max_depth``, or split degenerately.

        Args:
            members: ``(n,)`` archive indices of the samples (successful evaluations).
            features: ``(n x p)`` classifier inputs of those samples.
            F: ``(n x m)`` their canonical (minimized) objective values.
            ref_point: ``(m,)`` canonical reference point for node hypervolumes.
            cp: exploration constant, or ``"auto"`` for ``cp_fraction`` times the root's
                hypervolume (LaMOO sets Cp to about 10% of the maximum hypervolume; 1.0 while
                the root's hypervolume is still 0).
            score: ``"hv"`` or ``"exclusive"`` (see the module docstring).
            max_fit: nodes with more samples label and fit their classifier on a subsample of
                this many (:func:`lamoo.partition.fit_split`); ``None``: never subsample.
            subsample_seed: seeds those subsamples, with the node id (no draw is made while no
                node exceeds ``max_fit``).
        """
        if score not in SCORES:
            raise ValueError(f"score must be one of {SCORES}, got {score!r}")
        hv = lambda rows: hypervolume(F[rows], ref_point)  # noqa: E731
        all_rows = np.arange(len(members))
        root = Node(0, 0, "root", members, hv(all_rows))
        nodes, queue, rows_of = [root], [(root, all_rows)], {0: all_rows}
        while queue:
            node, rows = queue.pop(0)
            if len(rows) <= leaf_size or (max_depth is not None and node.depth >= max_depth):
                continue
            rng = np.random.default_rng((subsample_seed, node.id)) if max_fit and len(rows) > max_fit else None
            clf, predicted = fit_split(features[rows], F[rows], make_classifier, max_fit=max_fit, rng=rng)
            if clf is None:
                continue
            node.classifier = clf
            kids = []
            for side, label in (("good", GOOD), ("bad", BAD)):
                sub = rows[predicted == label]
                kid = Node(len(nodes), node.depth + 1, side, members[sub], hv(sub), parent=node)
                nodes.append(kid)
                kids.append(kid)
                queue.append((kid, sub))
                rows_of[kid.id] = sub
            node.children = tuple(kids)
        if cp == "auto":
            # with no hypervolume yet, any positive constant makes UCB explore by sample count
            cp = cp_fraction * root.hypervolume if root.hypervolume > 0 else 1.0
        tree = cls(root, nodes, float(cp))
        if score == "exclusive":
            _set_exclusive_scores(nodes, rows_of, F, ref_point)
        else:
            for node in nodes:
                node.score = node.hypervolume
        for node in nodes[1:]:
            node.ucb = tree.ucb(node)
        return tree

    def ucb(self, node: Node) -> float:
        if node.parent is None:
            return math.inf
        return node.score + 2 * self.cp * math.sqrt(2 * math.log(node.parent.n) / node.n)

    @property
    def leaves(self) -> list[Node]:
        return [node for node in self.nodes if node.is_leaf]

    def select(self, selection: str = "path") -> Node:
        """The node to sample from. ``"path"``: descend from the root, taking the child with the
        larger UCB (the good child on ties). ``"leaf"``: the leaf with the largest UCB (the
        smallest id on ties)."""
        if selection == "path":
            node = self.root
            while not node.is_leaf:
                good, bad = node.children
                node = good if good.ucb >= bad.ucb else bad
            return node
        if selection == "leaf":
            return max(self.leaves, key=lambda leaf: (leaf.ucb, -leaf.id))
        raise ValueError(f"selection must be one of {SELECTIONS}, got {selection!r}")

    def leaf_of(self, features: np.ndarray) -> np.ndarray:
        """``(k,)`` id of the leaf each row of ``features`` (``k x p``) falls into."""
        out = np.empty(len(features), dtype=np.int64)
        stack = [(self.root, np.arange(len(features)))]
        while stack:
            node, rows = stack.pop()
            if node.is_leaf or len(rows) == 0:
                out[rows] = node.id
                continue
            pred = np.asarray(node.classifier.predict(features[rows]))
            good, bad = node.children
            stack += [(good, rows[pred == GOOD]), (bad, rows[pred != GOOD])]
        return out

    def summary(self):
        """A pandas DataFrame with one row per node: id, parent, depth, side, leaf, n,
        hypervolume, score, ucb."""
        import pandas as pd

        return pd.DataFrame([{
            "id": n.id, "parent": None if n.parent is None else n.parent.id, "depth": n.depth,
            "side": n.side, "leaf": n.is_leaf, "n": n.n, "hypervolume": n.hypervolume, "score": n.score,
            "ucb": n.ucb,
        } for n in self.nodes]).set_index("id")

    def __repr__(self) -> str:
        return f"PartitionTree(nodes={len(self.nodes)}, leaves={len(self.leaves)}, cp={self.cp:.4g})"


def _set_exclusive_scores(nodes: list[Node], rows_of: dict, F: np.ndarray, ref_point: np.ndarray) -> None:
    """Score each node by the hypervolume of all samples minus that of the samples outside it.

    Only the samples inside the reference box can add hypervolume, and a node without a sample
    of the front loses nothing, so it scores 0 without a hypervolume computation."""
    root = nodes[0]
    inside = ~np.isnan(F).any(axis=1) & (F < ref_point).all(axis=1)
    on_front = np.zeros(len(F), dtype=bool)
    on_front[inside] = non_dominated_mask(F[inside])
    root.score = root.hypervolume
    for node in nodes[1:]:
        rows = rows_of[node.id]
        if not on_front[rows].any():
            node.score = 0.0
            continue
        keep = inside.copy()
        keep[rows] = False
        node.score = root.hypervolume - hypervolume(F[keep], ref_point)
