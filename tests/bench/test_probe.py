"""LaMOO's diagnostics are read from the study's last proposal (``Study.last_proposal``)."""
from types import SimpleNamespace

import numpy as np

from lamoo.bench.probe import LamooProbe


def proposal(**info):
    base = {"leaf_id": 4, "selected_id": 4, "path": [0, 1, 4], "relaxed": 1, "n_outside": 2, "depth": 1,
            "n_members": 7, "n_nodes": 5, "n_leaves": 3, "inner": None}
    return SimpleNamespace(X=np.zeros((3, 2)), region=None, info={**base, **info})


class FakeStudy:
    """What the probe reads of a Study: ``n_told``, ``archive.failed`` and ``last_proposal``."""

    def __init__(self, failed):
        self.archive = SimpleNamespace(failed=np.asarray(failed, dtype=bool))
        self.n_told = len(failed)
        self.last_proposal = None


def test_one_record_per_proposal_from_its_info():
    probe = LamooProbe()
    study = FakeStudy([False] * 10)
    probe(study, np.zeros((10, 2)), None)  # the initial design: no proposal yet
    assert probe.records == []
    study.last_proposal = proposal()
    study.archive.failed = np.array([False] * 9 + [True] + [False] * 3)
    study.n_told = 13
    probe(study, np.zeros((3, 2)), None)
    assert probe.records == [{"n_evaluated": 13, "n_valid": 9, "region_members": 7, "selected_depth": 2, "depth": 1,
                              "relaxed": 1, "n_outside": 2, "tree_nodes": 5, "tree_leaves": 3}]
    probe(study, np.zeros((0, 2)), None)  # the same proposal again (a callback without a new ask)
    assert len(probe.records) == 1
    study.last_proposal = proposal(path=[0], relaxed=0, depth=0, n_nodes=1, n_leaves=1)
    study.n_told = 16
    study.archive.failed = np.zeros(16, dtype=bool)
    probe(study, np.zeros((3, 2)), None)
    assert probe.records[-1] == {"n_evaluated": 16, "n_valid": 13, "region_members": 7, "selected_depth": 0,
                                 "depth": 0, "relaxed": 0, "n_outside": 2, "tree_nodes": 1, "tree_leaves": 1}
