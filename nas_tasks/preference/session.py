"""A judging session: the pool, its judgments journal, the pair generator and the ranker.

The web page and the terminal prompt are two views of the same :class:`PreferenceSession`:
:meth:`~PreferenceSession.state` says what to show (the current pair and everything about it),
:meth:`~PreferenceSession.judge` records an answer. After every judgment the ranker is refitted on
all judgments and saved (atomically), so a crash loses nothing and the learned preference is always
on disk next to the journal.

The current pair is a function of the pool, the judgments and the seed: a reloaded page, a second
tab or a resumed session shows the same question.
"""
from __future__ import annotations

import threading
from pathlib import Path

from lamoo.checks import check_choice, check_int
from lamoo.exceptions import InvalidInputError
from nas_tasks.preference.judgments import CHOICES, JudgmentJournal
from nas_tasks.preference.pairs import MODES, PairGenerator


class AlreadyJudgedError(InvalidInputError):
    """The pair was judged before (a second click, or a stale tab)."""


class PreferenceSession:
    """Judgments of ``pool``, recorded in ``journal`` (created or resumed).

    Args:
        pool: a :class:`~nas_tasks.preference.candidates.CandidatePool`.
        journal: path of the judgments journal.
        mode: ``"random"`` or ``"active"`` pairs (see :mod:`~nas_tasks.preference.pairs`).
        ranker_path: where the ranker fitted on all judgments is saved after each one (None: not saved).
        ranker_params: :class:`~nas_tasks.preference.ranker.RankNet` keyword arguments.
        predictions: optional ``callable(point) -> list of dicts`` with ``image`` (a data URL),
            ``label``, ``predicted``, ``confidence``: sample predictions of a trained network,
            shown next to its metrics (see :mod:`~nas_tasks.preference.predictions`), or None.
        seed: the pair generator's seed.
    """

    def __init__(self, pool, journal, *, mode: str = "random", ranker_path=None, ranker_params: dict | None = None,
                 predictions=None, seed: int = 0):
        from nas_tasks.preference.ranker import RankNet

        self.pool = pool
        self.mode = check_choice(mode, "mode", MODES)
        self.seed = check_int(seed, "seed", 0)
        self.journal = JudgmentJournal.open(journal, pool, extra_header={"mode": mode, "seed": seed})
        self.ranker_path = None if ranker_path is None else Path(ranker_path)
        self.ranker_params = dict(ranker_params or {})
        self._template = RankNet(pool.metrics, **self.ranker_params)  # validates the parameters now
        self.generator = PairGenerator(pool, mode, ranker=self._template, seed=seed)
        self.predictions = predictions
        self.ranker = None
        self._lock = threading.Lock()
        self._pair: tuple[int, int] | None = None
        if len(self.journal):
            self._refit()

    # ------------------------------------------------------------------ state
    @property
    def n_judgments(self) -> int:
        return len(self.journal)

    @property
    def n_pairs(self) -> int:
        n = len(self.pool)
        return n * (n - 1) // 2

    def current_pair(self) -> tuple[int, int] | None:
        """The ids of the pair to judge now, or None when every pair has been judged."""
        if self._pair is None and self.n_judgments < self.n_pairs:
            self._pair = self.generator.next_pair(self.journal.judgments, ranker=self.ranker)
        return self._pair

    def state(self) -> dict:
        """Everything a view shows, JSON-serialisable: the pair (each candidate described, with
        its sample predictions), the pool's metrics and Pareto scatter, progress and the ranker."""
        with self._lock:
            pair = self.current_pair()
            out = {"n_judgments": self.n_judgments, "n_pairs": self.n_pairs, "mode": self.mode,
                   "metrics": self.pool.header()["metrics"], "n_candidates": len(self.pool),
                   "is_nb201": self.pool.is_nb201, "pair": None, "scatter": self.scatter(),
                   "ranges": {m.name: [float(self.pool.M[:, j].min()), float(self.pool.M[:, j].max())]
                              for j, m in enumerate(self.pool.metrics)},
                   "last": self._last(), "ranker": None}
            if pair is not None:
                out["pair"] = {"a": self._describe(pair[0]), "b": self._describe(pair[1])}
                if self.ranker is not None:
                    p = float(self.ranker.predict_proba(*self.pool.metrics_of(list(pair))[:, None, :])[0])
                    out["ranker"] = {"n_judgments": self.ranker.n_judgments_, "p_a_preferred": p}
            return out

    def _describe(self, candidate_id: int) -> dict:
        d = self.pool.describe(candidate_id)
        if self.predictions is not None:
            try:
                d["predictions"] = self.predictions(self.pool.X[self.pool.row(candidate_id)])
            except Exception as exc:  # noqa: BLE001 - the comparison stays usable without them
                d["predictions_error"] = f"{type(exc).__name__}: {exc}"
        if self.ranker is not None:
            d["learned_score"] = float(self.ranker.score(self.pool.metrics_of([candidate_id]))[0])
        return d

    def _last(self) -> dict | None:
        if not self.journal.judgments:
            return None
        j = self.journal.judgments[-1]
        return {"a": j.a, "b": j.b, "choice": j.choice}

    def scatter(self) -> dict:
        """The first two metrics of every candidate, with Pareto ranks (for the page's plot)."""
        cols = [0, 1] if len(self.pool.metrics) > 1 else [0, 0]
        return {"x": self.pool.metrics[cols[0]].name, "y": self.pool.metrics[cols[1]].name,
                "points": [[int(i), float(self.pool.M[r, cols[0]]), float(self.pool.M[r, cols[1]]),
                            int(self.pool.pareto_rank[r])] for r, i in enumerate(self.pool.ids)]}

    # ------------------------------------------------------------------ answers
    def judge(self, a, b, choice: str, *, source: str = "api") -> dict:
        """Record that the user prefers ``a``, ``b`` or neither (``choice``) and return the new
        :meth:`state`. Raises :class:`~nas_tasks.preference.candidates.UnknownCandidateError` for
        an id not in the pool, :class:`AlreadyJudgedError` for a pair judged before and
        :class:`InvalidInputError` for a bad choice."""
        if choice not in CHOICES:
            raise InvalidInputError(f"choice must be one of {list(CHOICES)}, got {choice!r}")
        with self._lock:
            self.pool.rows([a, b])  # unknown ids raise here, before anything is written
            if int(a) == int(b):
                raise InvalidInputError(f"a judgment compares two different candidates, got {a} twice")
            if frozenset((int(a), int(b))) in self.journal.judged_pairs():
                raise AlreadyJudgedError(f"candidates {a} and {b} have already been compared")
            self.journal.record(a, b, choice, source=source, mode=self.mode)
            self._pair = None
            self._refit()
        return self.state()

    def _refit(self) -> None:
        from nas_tasks.preference.ranker import RankNet

        self.ranker = RankNet(self.pool.metrics, **self.ranker_params).fit_judgments(self.journal.judgments, self.pool)
        if self.ranker_path is not None:
            self.ranker.save(self.ranker_path)

    def ranking(self, top: int | None = None):
        """The pool sorted by learned score (a DataFrame with ``score`` and ``score_std``)."""
        if self.ranker is None:
            raise InvalidInputError("no judgments yet: there is no learned preference to rank by")
        frame = self.pool.frame()
        frame["score"] = self.ranker.score(self.pool.M)
        frame["score_std"] = self.ranker.score_std(self.pool.M)
        frame["pareto_rank"] = self.pool.pareto_rank
        frame = frame.sort_values("score", ascending=False)
        return frame if top is None else frame.head(int(top))


def pool_from_run(run_dir):
    """The candidate pool of a ``lamoo optimize`` run folder (its ``journal.jsonl``)."""
    from nas_tasks.preference.candidates import CandidatePool

    path = Path(run_dir) / "journal.jsonl"
    if not path.is_file():
        raise InvalidInputError(f"{run_dir} is not a run folder: it has no journal.jsonl (write one with "
                                f"'lamoo optimize ... --out {run_dir}')")
    return CandidatePool.from_journal(path)


__all__ = ["AlreadyJudgedError", "PreferenceSession", "pool_from_run"]
