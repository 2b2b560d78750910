"""LaMOO's per-iteration diagnostics in a benchmark run, read from ``Study.last_proposal``."""
from __future__ import annotations


class LamooProbe:
    """A :meth:`lamoo.Study.optimize` callback recording what LaMOO did for each batch it
    proposed, from the proposal's ``info`` (see :class:`lamoo.meta.LaMOO`).

    ``records`` holds one dict per LaMOO proposal: ``n_evaluated`` (samples after the batch),
    ``n_valid`` (successful samples when LaMOO proposed, before this batch was told),
    ``region_members`` (valid samples in the region searched), ``selected_depth`` (depth of the
    node the tree selected), ``depth`` (of the region searched, after relaxation), ``relaxed``
    (levels moved up to a parent region), ``n_outside`` (proposals outside the region),
    ``tree_nodes`` and ``tree_leaves``.
    """

    def __init__(self):
        self.records: list[dict] = []
        self._last = None

    def __call__(self, study, X, Y) -> None:
        proposal = study.last_proposal
        if proposal is None or proposal is self._last:  # the initial design: LaMOO proposed nothing
            return
        self._last = proposal
        info = proposal.info
        self.records.append({
            "n_evaluated": study.n_told, "n_valid": int((~study.archive.failed[:study.n_told - len(X)]).sum()),
            "region_members": int(info["n_members"]), "selected_depth": len(info["path"]) - 1,
            "depth": int(info["depth"]), "relaxed": int(info["relaxed"]), "n_outside": int(info["n_outside"]),
            "tree_nodes": int(info["n_nodes"]), "tree_leaves": int(info["n_leaves"])})
