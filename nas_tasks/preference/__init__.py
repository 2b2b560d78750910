"""Personalized NAS (Kulbach and Thoma): learn what a user wants from pairwise choices, and search for it.

Modules (numpy only until a ranker is fitted; torch then):

- :mod:`~nas_tasks.preference.candidates`: :class:`CandidatePool`, the candidates to compare (from
  a run, a table task or new samples), with units and Pareto ranks;
- :mod:`~nas_tasks.preference.judgments`: :class:`Judgment` and the append-only
  :class:`JudgmentJournal`;
- :mod:`~nas_tasks.preference.pairs`: :class:`PairGenerator`, random or active pairs;
- :mod:`~nas_tasks.preference.ranker`: :class:`RankNet`, a bootstrap ensemble of siamese scorers;
- :mod:`~nas_tasks.preference.objective`: :class:`PreferenceTask`, the learned score as an
  objective of any search;
- :mod:`~nas_tasks.preference.synthetic`: the six synthetic users and top-k precision;
- :mod:`~nas_tasks.preference.session`, :mod:`~nas_tasks.preference.server`,
  :mod:`~nas_tasks.preference.prompt`: a judging session, its local web page and its terminal
  prompt; :mod:`~nas_tasks.preference.command`: ``lamoo prefer``.
"""

_LAZY = {
    "CandidatePool": "nas_tasks.preference.candidates", "UnknownCandidateError": "nas_tasks.preference.candidates",
    "Judgment": "nas_tasks.preference.judgments", "JudgmentJournal": "nas_tasks.preference.judgments",
    "read_judgments": "nas_tasks.preference.judgments",
    "PairGenerator": "nas_tasks.preference.pairs",
    "RankNet": "nas_tasks.preference.ranker", "UnknownMetricsError": "nas_tasks.preference.ranker",
    "PreferenceTask": "nas_tasks.preference.objective",
    "SyntheticPreference": "nas_tasks.preference.synthetic", "top_k_precision": "nas_tasks.preference.synthetic",
    "PreferenceSession": "nas_tasks.preference.session", "AlreadyJudgedError": "nas_tasks.preference.session",
    "pool_from_run": "nas_tasks.preference.session",
    "PreferenceServer": "nas_tasks.preference.server",
    "TrainedPredictions": "nas_tasks.preference.predictions",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nas_tasks.preference' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
