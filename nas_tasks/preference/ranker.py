"""RankNet: a siamese scorer of candidates learned from pairwise judgments, with uncertainty.

Each candidate is scored from its normalized metrics by the same network ``s(z)``; the probability
that ``a`` beats ``b`` is ``sigmoid(s(z_a) - s(z_b))`` (Burges et al., 2005), trained by binary
cross-entropy on the judgments (target 1 when ``a`` won, 0 when ``b`` won, 0.5 for "no
preference"). The network is a linear term plus a one-hidden-layer tanh MLP, so that a handful of
judgments already gives a sensible (near-linear) ranking while more judgments can express
thresholds and trade-offs.

**Monotonicity.** By default every weight is kept non-negative (projected after each step) on
features where larger is better, so the score is non-decreasing in every metric's own direction:
the ranker can never prefer a network that is worse in every metric. With tanh units this is a sum
of soft steps, which can still express thresholds ("FLOPs below X, then accuracy"). On the
synthetic preferences this prior is what makes 1 to 25 judgments useful (see the benchmark
report); set ``monotone=False`` for a user whose taste really is non-monotone in a metric.

**Normalization.** Every metric is first oriented so that larger is better (a minimized metric is
negated: the direction is part of the metric, not something to learn), then mapped to ``[0, 1]`` by
the empirical distribution of a reference pool (``scaling="quantile"``, the default: the mid-rank of
a value among the pool's, interpolated linearly between the pool's values and extended beyond them
with the min-max slope, so it stays strictly increasing; robust to the long tails of latencies and
FLOPs, and a median threshold sits at 0.5) or by the pool's min and max (``scaling="minmax"``). The
pool is the candidate pool the judgments were made on.

**Uncertainty.** The ranker is a bootstrap ensemble of ``n_members`` networks, each trained on a
resample (with replacement) of the judgments from its own initialization, all at once (the members
are batched). :meth:`pair_probabilities` returns every member's probability; their disagreement
is what the active pair generator queries.

torch is imported only to fit; scoring a fitted or loaded ranker is numpy alone (saved rankers are JSON).
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from lamoo.checks import check_choice, check_int, check_number
from lamoo.exceptions import InvalidInputError, require
from lamoo.task import ObjectiveSpec
from nas_tasks.objectives.specs import parse_objectives, resolve_direction

SCALINGS = ("quantile", "minmax")
ACTIVATIONS = ("relu", "tanh")
MAX_KNOTS = 257  # at most this many pool values per metric are kept for the quantile scaling


class UnknownMetricsError(InvalidInputError):
    """A ranker was asked to score metrics other than those it was trained on."""


def metric_specs(metrics) -> tuple[ObjectiveSpec, ...]:
    """``ObjectiveSpec`` items, or names with optional ``:max`` / ``:min`` (directions inferred
    from the name otherwise, as for table tasks)."""
    return tuple(ObjectiveSpec(name, resolve_direction(name, direction)) for name, direction in parse_objectives(metrics))


class RankNet:
    """A bootstrap ensemble of siamese scoring networks trained on pairwise judgments.

    Args:
        metrics: the metrics a candidate is scored from (``ObjectiveSpec`` items or names,
            optionally suffixed ``:max`` / ``:min``).
        hidden: hidden units of each member's MLP (0: a linear scorer).
        n_members: ensemble size (1: no bootstrap, no uncertainty).
        epochs: full-batch Adam steps.
        lr: Adam learning rate.
        weight_decay: L2 penalty on every weight (default 0: the monotone constraint is the prior,
            and a penalty blunts the sharp steps that constraint-like preferences need).
        scaling: ``"quantile"`` or ``"minmax"`` (see the module docstring).
        activation: ``"tanh"`` (bounded: with ``monotone`` a sum of soft steps) or ``"relu"``.
        monotone: keep every weight non-negative, so the score never decreases when a metric
            improves: a candidate that Pareto-dominates another is never ranked below it. This
            is the prior that makes a handful of judgments enough (see the module docstring).
        seed: initialization and bootstrap seed.

    The defaults were chosen on the synthetic preferences of
    :mod:`~nas_tasks.preference.synthetic` (``benchmarks/results/preference/REPORT.md``); one fit
    of 100 judgments takes about 0.3 s on one CPU core.

    Fitted attributes: ``lo_`` / ``hi_`` (each metric's pool range), ``knots_`` / ``levels_``
    (per metric, pool values and their mid-ranks: the quantile scaling), ``params_`` (the
    members' weights), ``offsets_`` (each member's mean score on the pool, subtracted so members
    share a zero), ``n_judgments_``.
    """

    def __init__(self, metrics, *, hidden: int = 32, n_members: int = 8, epochs: int = 600, lr: float = 0.05,
                 weight_decay: float = 0.0, scaling: str = "quantile", activation: str = "tanh", monotone: bool = True,
                 seed: int = 0):
        self.metrics = metric_specs(metrics)
        self.hidden = check_int(hidden, "hidden", 0)
        self.n_members = check_int(n_members, "n_members", 1)
        self.epochs = check_int(epochs, "epochs", 1)
        self.lr = check_number(lr, "lr", low=0, low_open=True)
        self.weight_decay = check_number(weight_decay, "weight_decay", low=0)
        self.scaling = check_choice(scaling, "scaling", SCALINGS)
        self.activation = check_choice(activation, "activation", ACTIVATIONS)
        if not isinstance(monotone, bool):
            raise InvalidInputError(f"monotone must be True or False, got {monotone!r}")
        self.monotone = monotone
        self.seed = check_int(seed, "seed", 0)
        self.params_: dict[str, np.ndarray] | None = None

    # ------------------------------------------------------------------ inputs
    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics)

    def _matrix(self, M, what: str = "metrics") -> np.ndarray:
        """``M`` as ``(n x k)`` floats in this ranker's metric order: a DataFrame or dict is
        matched by name, an array must have exactly ``k`` columns."""
        names = list(self.metric_names)
        if hasattr(M, "columns") or isinstance(M, dict):
            given = list(M.columns) if hasattr(M, "columns") else list(M)
            missing = [n for n in names if n not in given]
            if missing:
                raise UnknownMetricsError(f"this ranker scores {names}; the {what} given lack {missing} "
                                          f"(they have {given})")
            M = np.column_stack([np.asarray(M[n], dtype=float).ravel() for n in names])
        try:
            M = np.asarray(M, dtype=float)
        except (TypeError, ValueError):
            raise InvalidInputError(f"{what} must be numbers, shape (n x {len(names)}) for {names}") from None
        if M.ndim == 1 and M.shape[0] == len(names):
            M = M[None, :]
        if M.ndim != 2 or M.shape[1] != len(names):
            raise UnknownMetricsError(f"this ranker scores {len(names)} metrics {names}; the {what} given have shape "
                                      f"{M.shape}")
        if not np.isfinite(M).all():
            raise InvalidInputError(f"{what} must be finite; rows {np.flatnonzero(~np.isfinite(M).all(1))[:10].tolist()} "
                                    f"are not")
        return M

    def _orient(self, M: np.ndarray) -> np.ndarray:
        return M * np.array([1.0 if m.direction == "maximize" else -1.0 for m in self.metrics])

    def _fit_scaling(self, G: np.ndarray) -> None:
        self.lo_, self.hi_ = G.min(axis=0), G.max(axis=0)
        self.knots_, self.levels_ = [], []
        for j in range(G.shape[1]):
            values, counts = np.unique(G[:, j], return_counts=True)
            cum = np.cumsum(counts)
            levels = (cum - counts / 2.0) / cum[-1]
            keep = np.unique(np.linspace(0, len(values) - 1, min(len(values), MAX_KNOTS)).round().astype(int))
            self.knots_.append(values[keep])
            self.levels_.append(levels[keep])

    def normalize(self, M) -> np.ndarray:
        """``(n x k)`` metrics -> the ``(n x k)`` features in ``[0, 1]`` the network sees (larger is
        better in every column)."""
        if getattr(self, "lo_", None) is None:
            self._check_fitted()
        G = self._orient(self._matrix(M))
        width = np.where(self.hi_ > self.lo_, self.hi_ - self.lo_, 1.0)
        if self.scaling == "minmax":
            return (G - self.lo_) / width
        Z = np.empty_like(G)
        for j in range(G.shape[1]):
            knots, levels = np.asarray(self.knots_[j]), np.asarray(self.levels_[j])
            if len(knots) == 1:  # a metric constant on the pool: only its distance from that value tells
                Z[:, j] = 0.5 + (G[:, j] - knots[0]) / width[j]
                continue
            z = np.interp(G[:, j], knots, levels)
            below, above = G[:, j] < knots[0], G[:, j] > knots[-1]
            z[below] = levels[0] + (G[below, j] - knots[0]) / width[j]
            z[above] = levels[-1] + (G[above, j] - knots[-1]) / width[j]
            Z[:, j] = z
        return Z

    # ------------------------------------------------------------------ fit
    def fit(self, A, B, y, *, pool=None) -> "RankNet":
        """Train on ``n`` judgments: ``A``, ``B`` (``n x k`` metrics of each judgment's two
        candidates) and ``y`` (``n,``: 1 when A was preferred, 0 when B was, 0.5 for no
        preference). ``pool`` (``N x k``, default the judged candidates) defines the scaling."""
        torch = require("torch", "nas")
        A, B = self._matrix(A, "A"), self._matrix(B, "B")
        y = np.asarray(y, dtype=float).ravel()
        if len(A) == 0 or A.shape != B.shape or y.shape != (len(A),):
            raise InvalidInputError(f"fit needs A and B of the same shape (n x {len(self.metrics)}) and y of shape "
                                    f"(n,), with n >= 1; got {A.shape}, {B.shape} and {y.shape}")
        if ((y < 0) | (y > 1)).any():
            raise InvalidInputError(f"targets y must lie in [0, 1] (1: A preferred, 0: B, 0.5: none), got {y}")
        P = np.vstack([A, B]) if pool is None else self._matrix(pool, "pool")
        self._fit_scaling(self._orient(P))
        # score each distinct candidate once per step, then compare the pairs by index
        U, inverse = np.unique(np.vstack([A, B]), axis=0, return_inverse=True)
        inverse = inverse.ravel()
        ia, ib = torch.as_tensor(inverse[:len(A)]), torch.as_tensor(inverse[len(A):])
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(len(y),)))
        n, K = len(y), self.n_members
        if K > 1:
            counts = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(K)]).astype(float)
        else:
            counts = np.ones((1, n))
        gen = torch.Generator().manual_seed(int(rng.integers(2 ** 31)))
        k, h = A.shape[1], self.hidden
        params = {"wl": torch.zeros(K, k)}
        if h:
            # each hidden unit's hyperplane passes through a random point of the unit cube, so the
            # units' kinks are spread over the region the features live in
            params["W1"] = torch.randn(K, k, h, generator=gen) * np.sqrt(2.0 / k)
            params["w2"] = torch.randn(K, h, generator=gen) * (0.1 / np.sqrt(h))
            if self.monotone:
                params["W1"], params["w2"] = params["W1"].abs(), params["w2"].abs()
            anchor = torch.rand(K, k, h, generator=gen)
            params["b1"] = -(params["W1"] * anchor).sum(dim=1)
        for p in params.values():
            p.requires_grad_(True)
        zu = torch.as_tensor(self.normalize(U), dtype=torch.float32)
        target = torch.as_tensor(y, dtype=torch.float32).expand(K, n)
        weight = torch.as_tensor(counts / n, dtype=torch.float32)
        opt = torch.optim.Adam(list(params.values()), lr=self.lr)
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        with _one_thread(torch):
            for _ in range(self.epochs):
                opt.zero_grad()
                su = _scores(torch, params, zu, self.activation)
                d = su[:, ia] - su[:, ib]
                loss = (weight * bce(d, target, reduction="none")).sum()
                loss = loss + self.weight_decay * sum((p ** 2).sum() for name, p in params.items() if name != "b1")
                loss.backward()
                opt.step()
                if self.monotone:  # projected onto non-negative weights: the score never decreases in a metric
                    with torch.no_grad():
                        for name, p in params.items():
                            if name != "b1":
                                p.clamp_(min=0.0)
        self.params_ = {name: p.detach().numpy().astype(float) for name, p in params.items()}
        self.offsets_ = np.zeros(K)
        self.offsets_ = self.member_scores(P).mean(axis=1)
        self.n_judgments_ = int(n)
        return self

    def fit_judgments(self, judgments, pool=None) -> "RankNet":
        """:meth:`fit` on :class:`~nas_tasks.preference.judgments.Judgment` objects; ``pool`` (a
        :class:`~nas_tasks.preference.candidates.CandidatePool`) supplies the metrics and the
        scaling (else the judgments' recorded metrics do)."""
        from nas_tasks.preference.judgments import training_arrays

        if pool is not None and list(pool.metric_names) != list(self.metric_names):
            raise UnknownMetricsError(f"this ranker scores {list(self.metric_names)}, the pool has "
                                      f"{list(pool.metric_names)}")
        A, B, y = training_arrays(judgments, pool)
        return self.fit(A, B, y, pool=None if pool is None else pool.M)

    # ------------------------------------------------------------------ predict
    def _check_fitted(self) -> None:
        if self.params_ is None:
            raise InvalidInputError("this RankNet is not fitted yet: call fit (or fit_judgments) first")

    def member_scores(self, M) -> np.ndarray:
        """``(n_members x n)`` every member's score of each candidate (centred on the pool)."""
        Z = self.normalize(M)
        p = self.params_
        s = Z @ p["wl"].T  # (n x K)
        if "W1" in p:
            pre = np.einsum("nd,kdh->knh", Z, p["W1"]) + p["b1"][:, None, :]
            H = np.tanh(pre) if self.activation == "tanh" else np.maximum(pre, 0.0)
            s = s + np.einsum("knh,kh->nk", H, p["w2"])
        return s.T - self.offsets_[:, None]

    def score(self, M) -> np.ndarray:
        """``(n,)`` the learned utility of each candidate (ensemble mean; larger is preferred)."""
        return self.member_scores(M).mean(axis=0)

    def score_std(self, M) -> np.ndarray:
        """``(n,)`` the members' disagreement about each candidate's score."""
        return self.member_scores(M).std(axis=0)

    def pair_probabilities(self, A, B) -> np.ndarray:
        """``(n_members x n)`` each member's probability that ``A[i]`` beats ``B[i]``."""
        return _sigmoid(self.member_scores(A) - self.member_scores(B))

    def predict_proba(self, A, B) -> np.ndarray:
        """``(n,)`` the ensemble's probability that ``A[i]`` beats ``B[i]``."""
        return self.pair_probabilities(A, B).mean(axis=0)

    # ------------------------------------------------------------------ persistence
    def settings(self) -> dict:
        """The constructor settings (without the metrics), JSON-serialisable."""
        return {"hidden": self.hidden, "n_members": self.n_members, "epochs": self.epochs, "lr": self.lr,
                "weight_decay": self.weight_decay, "scaling": self.scaling, "activation": self.activation,
                "monotone": self.monotone, "seed": self.seed}

    def to_dict(self) -> dict:
        self._check_fitted()
        scaling = {"lo": self.lo_.tolist(), "hi": self.hi_.tolist(), "knots": [k.tolist() for k in self.knots_],
                   "levels": [v.tolist() for v in self.levels_]}
        return {"format": "lamoo-ranknet", "version": 1,
                "metrics": [{"name": m.name, "direction": m.direction} for m in self.metrics],
                "config": self.settings(),
                "fitted": {**scaling, "offsets": self.offsets_.tolist(), "n_judgments": self.n_judgments_,
                           "params": {k: v.tolist() for k, v in self.params_.items()}}}

    @classmethod
    def from_dict(cls, d: dict) -> "RankNet":
        if not isinstance(d, dict) or d.get("format") != "lamoo-ranknet":
            raise InvalidInputError("not a saved lamoo RankNet (expected format 'lamoo-ranknet')")
        ranker = cls([ObjectiveSpec(m["name"], m["direction"]) for m in d["metrics"]], **d["config"])
        f = d["fitted"]
        ranker.lo_, ranker.hi_ = np.asarray(f["lo"], dtype=float), np.asarray(f["hi"], dtype=float)
        ranker.knots_ = [np.asarray(k, dtype=float) for k in f["knots"]]
        ranker.levels_ = [np.asarray(v, dtype=float) for v in f["levels"]]
        ranker.params_ = {k: np.asarray(v, dtype=float) for k, v in f["params"].items()}
        ranker.offsets_ = np.asarray(f["offsets"], dtype=float)
        ranker.n_judgments_ = int(f["n_judgments"])
        return ranker

    def save(self, path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict()) + "\n")
        tmp.replace(path)  # atomic: a reader never sees half a ranker
        return path

    @classmethod
    def load(cls, path) -> "RankNet":
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except (OSError, json.JSONDecodeError) as exc:
            raise InvalidInputError(f"cannot read a RankNet from {path}: {exc}") from None

    def __repr__(self) -> str:
        fitted = f", fitted on {self.n_judgments_} judgments" if self.params_ is not None else ""
        return f"RankNet(metrics={list(self.metric_names)}, hidden={self.hidden}, n_members={self.n_members}{fitted})"


def _scores(torch, params: dict, Z, activation: str):
    """``(K x n)`` member scores of features ``Z`` (``n x k``) in torch."""
    s = params["wl"] @ Z.T
    if "W1" in params:
        pre = torch.matmul(Z, params["W1"]) + params["b1"][:, None, :]  # K x n x h
        H = torch.tanh(pre) if activation == "tanh" else torch.relu(pre)
        s = s + torch.matmul(H, params["w2"][:, :, None])[:, :, 0]
    return s


@contextmanager
def _one_thread(torch):
    """Run torch on one thread for the duration (restored after): these tensors are tiny, and on a
    busy machine a second thread makes each step many times slower, not faster."""
    before = torch.get_num_threads()
    if before != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before != 1:
            torch.set_num_threads(before)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


__all__ = ["RankNet", "SCALINGS", "UnknownMetricsError", "metric_specs"]
