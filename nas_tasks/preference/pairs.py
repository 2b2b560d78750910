"""Which two candidates to show next: random pairs (as Kulbach and Thoma) or active ones.

**Random** draws a pair uniformly among the pairs not judged yet.

**Active** asks about the pair whose outcome the current ranker is least sure of. The ranker is a
bootstrap ensemble (:class:`~nas_tasks.preference.ranker.RankNet`), so "least sure" is measured on
its members' probabilities ``p_1 .. p_K`` that ``a`` beats ``b``:

- ``"bald"`` (default): the mutual information between the outcome and the ensemble member,
  ``H(mean p) - mean H(p_k)`` (Houlsby et al., 2011): high where the members *disagree*, not where
  they agree that the pair is a coin flip (two near-identical candidates), so no judgment is spent
  on pairs no answer would teach anything;
- ``"entropy"``: ``H(mean p)``, plain uncertainty sampling;
- ``"disagreement"``: the standard deviation of the ``p_k``.

Because the user cares about the *best* candidates, ``focus`` (default 0.5) restricts active pairs
to those with at least one candidate in the current top ``focus`` fraction by predicted score
(``focus=1`` considers every pair). Until the first judgment there is no ranker and the pair is
random. On pools larger than ``max_candidates`` each call considers a random subset of that size.

The next pair depends only on the pool, the judgments so far and the seed (the generator keeps no
state), so a reloaded page or a resumed session is asked the same question again.
"""
from __future__ import annotations

import numpy as np

from lamoo.checks import check_choice, check_int, check_number
from lamoo.exceptions import InvalidInputError

MODES = ("random", "active")
STRATEGIES = ("bald", "entropy", "disagreement")


class PairGenerator:
    """Forms comparison pairs from a :class:`~nas_tasks.preference.candidates.CandidatePool`.

    Args:
        pool: the candidates.
        mode: ``"random"`` or ``"active"``.
        strategy: the active uncertainty measure (see the module docstring).
        focus: fraction of the pool, best predicted first, that an active pair must touch.
        ranker: an unfitted :class:`~nas_tasks.preference.ranker.RankNet` to copy the settings of
            (default: ``RankNet(pool.metrics)``); only the active mode fits it.
        max_candidates: at most this many candidates are considered per call.
        seed: the generator's seed.

    After :meth:`next_pair`, ``ranker_`` is the ranker fitted on the judgments (active mode,
    after the first judgment) and ``info_`` says how the pair was chosen.
    """

    def __init__(self, pool, mode: str = "random", *, strategy: str = "bald", focus: float = 0.5, ranker=None,
                 max_candidates: int = 300, seed: int = 0):
        if len(pool) < 2:
            raise InvalidInputError(f"pairs need at least 2 candidates, the pool has {len(pool)}")
        self.pool = pool
        self.mode = check_choice(mode, "mode", MODES)
        self.strategy = check_choice(strategy, "strategy", STRATEGIES)
        self.focus = check_number(focus, "focus", low=0, high=1, low_open=True)
        self.ranker = ranker
        self.max_candidates = check_int(max_candidates, "max_candidates", 2)
        self.seed = check_int(seed, "seed", 0)
        self.ranker_ = None
        self.info_: dict = {}

    def _rng(self, n_judged: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(n_judged,)))

    def _fitted_ranker(self, judgments):
        from nas_tasks.preference.ranker import RankNet

        template = self.ranker if self.ranker is not None else RankNet(self.pool.metrics)
        return RankNet(template.metrics, **template.settings()).fit_judgments(judgments, self.pool)

    def next_pair(self, judgments, ranker=None) -> tuple[int, int]:
        """The ids ``(a, b)`` of the next pair to judge, given the ``judgments`` so far. In active
        mode ``ranker`` (fitted on exactly these judgments) saves refitting one. Raises
        :class:`InvalidInputError` when every pair has been judged."""
        judgments = list(judgments)
        rng = self._rng(len(judgments))
        ids = self.pool.ids
        done = {j.pair for j in judgments}
        n = len(ids)
        if len(done) >= n * (n - 1) // 2:
            raise InvalidInputError(f"all {n * (n - 1) // 2} pairs of the {n} candidates have been judged")
        rows = np.arange(n) if n <= self.max_candidates else np.sort(rng.choice(n, self.max_candidates, replace=False))
        if self.mode == "random" or not judgments:
            self.info_ = {"mode": "random" if self.mode == "random" else "active (no judgment yet: random)"}
            return self._random_pair(ids, done, rng)
        ranker = ranker if ranker is not None else self._fitted_ranker(judgments)
        self.ranker_ = ranker
        S = ranker.member_scores(self.pool.M[rows])  # K x r
        P = _sigmoid(S[:, :, None] - S[:, None, :])  # K x r x r
        u = _uncertainty(P, self.strategy)
        mean = S.mean(axis=0)
        top = np.zeros(len(rows), dtype=bool)
        top[np.argsort(-mean, kind="stable")[:max(2, int(np.ceil(self.focus * len(rows))))]] = True
        allowed = np.triu(top[:, None] | top[None, :], k=1)
        position = {int(ids[r]): k for k, r in enumerate(rows)}
        for pair in done:  # judged pairs are never asked again
            a, b = (position.get(c) for c in pair)
            if a is not None and b is not None:
                allowed[min(a, b), max(a, b)] = False
        if not allowed.any():
            self.info_ = {"mode": "active (every focused pair judged: random)"}
            return self._random_pair(ids, done, rng)
        u = np.where(allowed, u, -np.inf)
        best = np.flatnonzero(u.ravel() == u.max())
        i, j = np.unravel_index(best[rng.integers(len(best))], u.shape)
        self.info_ = {"mode": "active", "strategy": self.strategy, "uncertainty": float(u[i, j]),
                      "p_a_beats_b": float(P[:, i, j].mean())}
        a, b = int(ids[rows[i]]), int(ids[rows[j]])
        return (a, b) if rng.random() < 0.5 else (b, a)  # which side is shown first carries no signal

    @staticmethod
    def _random_pair(ids: np.ndarray, done: set, rng: np.random.Generator) -> tuple[int, int]:
        n = len(ids)
        for _ in range(1000):
            i, j = rng.choice(n, 2, replace=False)
            if frozenset((int(ids[i]), int(ids[j]))) not in done:
                return int(ids[i]), int(ids[j])
        free = [(a, b) for a in range(n) for b in range(a + 1, n) if frozenset((int(ids[a]), int(ids[b]))) not in done]
        i, j = free[rng.integers(len(free))]
        return int(ids[i]), int(ids[j])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _entropy(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -(p * np.log(p) + (1 - p) * np.log(1 - p))


def _uncertainty(P: np.ndarray, strategy: str) -> np.ndarray:
    """``(r x r)`` uncertainty of each pair from the members' probabilities ``P`` (``K x r x r``)."""
    if strategy == "entropy":
        return _entropy(P.mean(axis=0))
    if strategy == "disagreement":
        return P.std(axis=0)
    return _entropy(P.mean(axis=0)) - _entropy(P).mean(axis=0)


__all__ = ["MODES", "PairGenerator", "STRATEGIES"]
