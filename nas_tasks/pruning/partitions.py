"""What LaMOO's SVM partitions mean on a binary pruning genome, read back from a finished run.

LaMOO splits the evaluated genomes of each tree node into *good* and *bad* halves by dominance
number and fits an SVM (by default RBF, on standardized bits) to separate them; the tree's UCB
then picks the region the inner sampler searches. On hundreds of binary dimensions with a few
dozen samples an SVM can separate almost any labelling, so what its boundary means is an
empirical question. :func:`partition_analysis` answers it for a run's journal: it replays the
run's evaluations batch by batch into a :class:`lamoo.archive.Archive`, rebuilds the tree each
batch was proposed from with the run's own sampler (:meth:`lamoo.LaMOO.fit_tree`, lamoo's
labelling and classifier, nothing reimplemented), and reports for every split node:

- ``n``, ``n_good``: samples, and how many of them the dominance labels call good;
- ``train_accuracy``: how often the fitted SVM reproduces those labels on its own samples, and
  ``cv_accuracy``: the same classifier's 5-fold cross-validated accuracy (0.5 is chance);
- ``density_corr``: the correlation of the SVM's decision value (positive: good side) with the
  number of active bits; ``label_density_corr``: that of the good/bad labels themselves;
  ``density_r2``: the share of the decision value's variance the active-bit count explains;
- ``top_bits``: the genome bits whose value correlates most with the decision value
  (``[bit, correlation]``, largest ``|correlation|`` first; RBF kernels have no per-bit weight);
- ``good_density``, ``bad_density``: mean active-bit fraction of the two children;

and, for the region the batch was actually proposed in (the leaf id the run's ask record holds), its
samples, its share of the current Pareto front and the hypervolume of its samples against that
of the samples outside it. :func:`front_yield` measures whether the proposals paid off, for any
run (LaMOO or not): per batch, the share of its points that no point evaluated up to then
dominates.

Objective directions are the run's own; hypervolumes are in lamoo's canonical (minimized) form
against the run's reference point, as the tree computes them.
"""
from __future__ import annotations

import numpy as np

from lamoo.exceptions import InvalidInputError

TOP_BITS = 5


def replay(result, space, rows) -> "object":
    """An :class:`lamoo.archive.Archive` over ``space`` holding the rows ``rows`` (indices into
    ``result``, in order) of a :class:`lamoo.Result`, with their batches, sources and leaf ids."""
    from lamoo.archive import Archive

    rows = np.asarray(rows, dtype=np.int64)
    archive = Archive(space, result.objectives, result.ref_point, result.constraints)
    if len(rows):
        errors = [result.errors[i] for i in rows]
        archive.append(result.X[rows], result.Y[rows], errors=errors, leaf_ids=result.leaf_ids[rows],
                       sources=[result.sources[i] for i in rows], batch=result.batches[rows],
                       C=result.C[rows] if result.constraints else None)
    return archive


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation, 0 when either side is constant."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    sa, sb = a.std(), b.std()
    return 0.0 if sa == 0 or sb == 0 else float(((a - a.mean()) * (b - b.mean())).mean() / (sa * sb))


def cv_accuracy(classifier, features: np.ndarray, labels: np.ndarray, folds: int = 5) -> float:
    """Stratified ``folds``-fold cross-validated accuracy of a fresh copy of ``classifier`` on
    ``features`` (``n x p``) and ``labels`` (``n,``): how well the split generalizes to genomes
    the SVM was not fitted on (NaN when a class has fewer than 2 samples). Folds are fixed
    (seed 0), so the value is deterministic."""
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold

    k = min(folds, int(np.bincount(labels).min()) if len(np.unique(labels)) == 2 else 0)
    if k < 2:
        return float("nan")
    hits = 0
    for fit, held in StratifiedKFold(n_splits=k, shuffle=True, random_state=0).split(features, labels):
        model = clone(classifier).fit(features[fit], labels[fit])
        hits += int((np.asarray(model.predict(features[held])) == labels[held]).sum())
    return hits / len(labels)


def describe_split(node, archive, feature_map, top: int = TOP_BITS) -> dict:
    """The entry of one split ``node`` of a :class:`lamoo.tree.PartitionTree` fitted to
    ``archive`` (see the module docstring); ``feature_map`` is the sampler's classifier inputs."""
    from lamoo.partition import GOOD, dominance_labels

    X, F = archive.X[node.members], archive.F[node.members]
    features = feature_map(X)
    labels = dominance_labels(F)
    clf = node.classifier
    predicted = np.asarray(clf.predict(features))
    density = X.sum(axis=1)
    entry = {"n_good": int((labels == GOOD).sum()), "train_accuracy": float((predicted == labels).mean()),
             "cv_accuracy": cv_accuracy(clf, features, labels), "label_density_corr": _corr(labels == GOOD, density)}
    if hasattr(clf, "decision_function"):
        decision = np.asarray(clf.decision_function(features), dtype=float)
        if list(getattr(clf, "classes_", [0, GOOD]))[-1] != GOOD:  # positive decision means classes_[1]
            decision = -decision
        corr = np.array([_corr(decision, X[:, j]) for j in range(X.shape[1])])
        order = np.argsort(-np.abs(corr), kind="stable")[:top]
        density_corr = _corr(decision, density)
        entry.update(density_corr=density_corr, density_r2=density_corr ** 2,
                     top_bits=[[int(j), float(corr[j])] for j in order])
    good, bad = node.children
    d = X.shape[1]
    entry["good_density"] = float(archive.X[good.members].sum(axis=1).mean() / d) if good.n else float("nan")
    entry["bad_density"] = float(archive.X[bad.members].sum(axis=1).mean() / d) if bad.n else float("nan")
    return entry


def describe_region(tree, node_id: int, archive) -> dict:
    """The selected region (tree node ``node_id``) against the rest of the archive: samples,
    share of the current Pareto front, hypervolume of its samples and of the others'."""
    from lamoo.pareto import hypervolume, non_dominated_mask

    node = next((n for n in tree.nodes if n.id == node_id), None)
    if node is None:
        return {"node": int(node_id), "found": False}
    valid = archive.valid_indices
    inside = np.isin(valid, node.members)
    F, ref = archive.F[valid], archive.reference_F()
    front = non_dominated_mask(F)
    return {"node": int(node_id), "found": True, "depth": int(node.depth), "n": int(node.n),
            "share_of_samples": float(inside.mean()),
            "share_of_front": float(front[inside].sum() / max(front.sum(), 1)),
            "hv_inside": float(hypervolume(F[inside], ref)), "hv_outside": float(hypervolume(F[~inside], ref)),
            "density": float(archive.X[node.members].sum(axis=1).mean() / archive.space.n_dims)}


def partition_analysis(journal, sampler, space=None, top: int = TOP_BITS) -> dict:
    """Rebuild the tree of every sampler batch of a LaMOO run and describe it.

    Args:
        journal: the run's journal (read with :meth:`lamoo.Result.from_journal` and
            :func:`lamoo.journal.read_run`, whose ask records name the region searched).
        sampler: the run's :class:`lamoo.LaMOO` (same configuration: its trees are rebuilt).
        space: the run's search space (default: a binary space of the run's dimensions).
        top: bits listed per split.

    Returns:
        ``{"batches": [{"batch", "n_samples", "n_nodes", "n_leaves", "tree_matches", "n_global",
        "splits": [{"id", "depth", "side", "n", ...describe_split}], "selected":
        describe_region}]}``; ``tree_matches`` says whether the rebuilt tree selects the node the
        run recorded (a check that the replay is faithful).
    """
    from lamoo import LaMOO, Result
    from lamoo.journal import read_run
    from lamoo.region import Region

    if not isinstance(sampler, LaMOO):
        raise InvalidInputError(f"sampler must be the run's lamoo.LaMOO, got {sampler!r}")
    result, log = Result.from_journal(journal), read_run(journal)
    if space is None:
        from nas_tasks.pruning.genome import BinarySpace

        space = BinarySpace(result.X.shape[1], names=result.names)
    sources, batches = np.array(result.sources), np.asarray(result.batches)
    feature_map = sampler.feature_map(space)
    out = []
    for b in np.unique(batches[sources == "sampler"]):
        report = log.proposal(int(b)) or {}
        archive = replay(result, space, np.flatnonzero(batches < b))
        tree = sampler.fit_tree(Region.whole(archive), archive)
        selected = tree.select(sampler.policy_.selection)
        splits = [{"id": n.id, "depth": n.depth, "side": n.side, "n": n.n,
                   **describe_split(n, archive, feature_map, top)} for n in tree.nodes if not n.is_leaf]
        out.append({"batch": int(b), "n_samples": int(archive.n), "n_nodes": len(tree.nodes),
                    "n_leaves": len(tree.leaves), "n_global": int(report.get("n_global", 0)),
                    "tree_matches": report.get("selected_id") == selected.id, "splits": splits,
                    "selected": describe_region(tree, max(int(report.get("leaf_id", 0)), 0), archive)})
    return {"batches": out}


def front_yield(result) -> list[dict]:
    """Per sampler batch of any run: ``{"batch", "n", "yield"}``, the share of the batch's
    successful points that no point evaluated up to the batch's end dominates."""
    from lamoo.pareto import non_dominated_mask

    F, ok = np.asarray(result.F), ~np.asarray(result.failed)
    sources, batches = np.array(result.sources), np.asarray(result.batches)
    out = []
    for b in np.unique(batches[sources == "sampler"]):
        upto = np.flatnonzero(ok & (batches <= b))
        mine = batches[upto] == b
        if mine.any():
            out.append({"batch": int(b), "n": int(mine.sum()),
                        "yield": float(non_dominated_mask(F[upto])[mine].mean())})
    return out


def summarize(analysis: dict) -> dict:
    """Means over a :func:`partition_analysis`'s batches: of its root splits (``root_*``), of all
    its splits (``all_*``) and of its selected regions (``selected_*``)."""
    def mean(values):
        values = [v for v in values if v is not None and np.isfinite(v)]
        return float(np.mean(values)) if values else float("nan")

    batches = analysis["batches"]
    roots = [s for b in batches for s in b["splits"] if s["id"] == 0]
    splits = [s for b in batches for s in b["splits"]]
    chosen = [b["selected"] for b in batches if b["selected"].get("found")]
    out = {"n_batches": len(batches), "n_split_batches": len(roots), "n_splits": len(splits),
           "selected_found": len(chosen)}
    for prefix, group in (("root", roots), ("all", splits)):
        for key in ("n", "train_accuracy", "cv_accuracy", "density_corr", "density_r2", "label_density_corr", "good_density",
                    "bad_density"):
            out[f"{prefix}_{key}"] = mean([s.get(key) for s in group])
    for key in ("depth", "n", "share_of_samples", "share_of_front", "hv_inside", "hv_outside", "density"):
        out[f"selected_{key}"] = mean([c[key] for c in chosen])
    return out


__all__ = ["cv_accuracy", "describe_region", "describe_split", "front_yield", "partition_analysis", "replay", "summarize"]
