"""The partition tree LaMOO built before a batch, rebuilt from the journal alone.

The tree of batch ``b`` is :meth:`lamoo.LaMOO.fit_tree` on the archive of the evaluations told
before the batch was asked (the archive it was proposed from), with
the LaMOO settings the journal header records. Tree building is deterministic (SVMs without
randomness), so the rebuilt tree is the run's own: the path it selects is checked against the
journaled one (``path_matches``). For a two-dimensional space the snapshot also holds the tree's
leaf at each point of a grid over the space, which draws the SVM boundaries.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict

import numpy as np

from lamoo.archive import NO_LEAF, Archive
from lamoo.exceptions import InvalidInputError
from lamoo.records import header_objectives
from lamoo.meta import LaMOO
from lamoo.policy import RegionPolicy
from lamoo.region import Region
from lamoo.sampler import Sampler
from lamoo.space import SearchSpace

GRID = 80  # points per axis of the boundary map


class _NoInner(Sampler):
    """Stands in for the inner sampler: rebuilding a tree never asks it to propose."""

    name = "none"

    def propose(self, region, archive, n, rng):
        raise RuntimeError("the dashboard only rebuilds trees")


def lamoo_from_header(header: dict) -> LaMOO:
    """A LaMOO with the settings of the journal's header (its inner sampler is not needed)."""
    config = header.get("sampler")
    if not isinstance(config, dict) or config.get("name") != "lamoo":
        raise InvalidInputError("this run's sampler is not LaMOO: it has no partition tree")
    params = {k: v for k, v in config.get("params", {}).items() if k != "sampler"}
    if params.get("classifier") is not None:
        raise InvalidInputError(f"this run used its own classifier ({params['classifier']}), which the journal does "
                                f"not record in full: its tree cannot be rebuilt")
    params.pop("classifier", None)
    if isinstance(config.get("policy_"), dict):  # the policy the run resolved from its inner sampler
        params["policy"] = RegionPolicy(**config["policy_"])
    return LaMOO(_NoInner(), **params)


def space_from_header(header: dict) -> SearchSpace:
    s = header["space"]
    return SearchSpace(s["bounds"], kinds=s["kinds"], names=s["names"], choices=s.get("choices"))


def snapshot(header: dict, evals, batch: dict) -> dict:
    """The tree before ``batch`` (an entry of :meth:`WatchedRun.batches`), rebuilt from the first
    ``batch["start"]`` of ``evals`` (a run's :class:`lamoo.runlog.Evaluations`): its nodes (``id``,
    ``parent``, ``depth``, ``side``, ``n``, ``hv``, ``ucb``, ``leaf``, ``on_path``,
    ``searched``), the selected path and whether it matches the journal's, and for a 2-D space
    the boundary map."""
    lamoo = lamoo_from_header(header)
    space, objectives = space_from_header(header), header_objectives(header)
    k = batch["start"]
    archive = Archive(space, objectives, header["ref_point"])
    if k:
        archive.append(evals.X[:k], evals.Y[:k], errors=evals.errors[:k], leaf_ids=evals.leaf_ids[:k],
                       sources=evals.sources[:k], batch=evals.batches[:k])
    tree = lamoo.fit_tree(Region.whole(archive), archive)
    selected = tree.select(lamoo.policy_.selection)
    path = [node.id for node in selected.path()]
    searched = batch.get("leaf_id")
    searched = 0 if searched == NO_LEAF else searched  # the whole space is the root's region
    nodes = [{"id": n.id, "parent": None if n.parent is None else n.parent.id, "depth": n.depth, "side": n.side,
              "n": n.n, "hv": n.hypervolume, "ucb": None if math.isinf(n.ucb) else n.ucb, "leaf": n.is_leaf,
              "on_path": n.id in path, "searched": n.id == searched} for n in tree.nodes]
    out = {"batch": batch["batch"], "n_samples": k, "nodes": nodes, "path": path,
           "journal_path": batch.get("path"), "path_matches": path == batch.get("path"), "searched": searched,
           "relaxed": batch.get("relaxed"), "cp": tree.cp, "selection": lamoo.policy_.selection}
    if space.n_dims == 2:
        out["boundaries"] = boundary_map(tree, lamoo, space, archive, searched)
    return out


def _axis(space: SearchSpace, j: int) -> np.ndarray:
    lo, hi = space.lower[j], space.upper[j]
    if space.kinds[j] != "continuous" and hi - lo + 1 <= GRID:
        return np.arange(lo, hi + 1)
    return np.linspace(lo, hi, GRID)


def boundary_map(tree, lamoo: LaMOO, space: SearchSpace, archive: Archive, searched) -> dict:
    """The leaf of ``tree`` at each point of a grid over a 2-D ``space`` (``leaf``: rows follow
    the second dimension), and which grid points lie in the node ``searched`` (the region the
    inner sampler searched)."""
    xs, ys = _axis(space, 0), _axis(space, 1)
    grid = np.array([[x, y] for y in ys for x in xs])
    leaves = tree.leaf_of(lamoo.feature_map(space)(grid))
    below = {}  # leaf id -> ids of the leaf and its ancestors
    for node in tree.leaves:
        below[node.id] = {n.id for n in node.path()}
    inside = np.array([searched in below[leaf] for leaf in leaves]) if searched is not None else np.zeros(len(grid), bool)
    shape = (len(ys), len(xs))
    return {"x": xs.tolist(), "y": ys.tolist(), "names": list(space.names),
            "leaf": leaves.reshape(shape).tolist(), "inside": inside.reshape(shape).astype(int).tolist(),
            "points": archive.X.tolist()}


_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 128
_CACHE_LOCK = threading.Lock()


def cached_snapshot(path: str, header: dict, evals, batch: dict) -> dict:
    """:func:`snapshot`, computed once per journal and batch (a journal only grows, so the
    evaluations before a batch never change)."""
    key = (path, header.get("created"), batch["batch"], batch["start"])
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    out = snapshot(header, evals, batch)
    with _CACHE_LOCK:
        _CACHE[key] = out
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return out
