"""COMPATIBILITY SHIM, issue 13 (bench branch only): remove at merge with core.

Core gives ``Sampler.propose(...) -> Proposal`` and ``Study.last_proposal``; until then LaMOO
reports through the fitted attributes ``proposal_info_``, ``tree_`` and ``region_``. These two
functions return what the new API returns, built from those attributes when it is absent, so
that :mod:`lamoo.bench.probe` and ``benchmarks/overhead.py`` are written against the new API
only. At merge: replace ``last_proposal(study)`` by ``study.last_proposal`` and
``as_proposal(sampler, returned)`` by ``returned``, and delete this file.
"""
from __future__ import annotations

from types import SimpleNamespace


def as_proposal(sampler, returned):
    """``returned`` when ``propose`` returned a Proposal (``X``, ``region``, ``info``); else a
    stand-in built from LaMOO's fitted attributes, None for a sampler without them."""
    if hasattr(returned, "info"):
        return returned
    info = getattr(sampler, "proposal_info_", None)
    if info is None or not hasattr(sampler, "tree_"):
        return None
    cached = getattr(sampler, "_bench_compat_proposal", None)
    if cached is not None and cached.source is info:  # the same proposal: the same object, as Study gives
        return cached
    tree, region = sampler.tree_, sampler.region_
    full = {**info, "depth": len(info["path"]) - 1 - int(info["relaxed"]), "n_members": int(len(region.members)),
            "n_nodes": len(tree.nodes), "n_leaves": sum(node.is_leaf for node in tree.nodes)}
    sampler._bench_compat_proposal = SimpleNamespace(X=returned, region=region, info=full, source=info)
    return sampler._bench_compat_proposal


def last_proposal(study):
    """``study.last_proposal``, or the stand-in of :func:`as_proposal` for the sampler's latest
    proposal (it is None before the sampler first proposed)."""
    if hasattr(study, "last_proposal"):
        return study.last_proposal
    return as_proposal(study.sampler, None)
