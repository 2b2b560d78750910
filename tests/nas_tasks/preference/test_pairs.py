import numpy as np
import pytest

from lamoo.exceptions import InvalidInputError
from nas_tasks.preference.judgments import Judgment
from nas_tasks.preference.pairs import PairGenerator
from nas_tasks.preference.ranker import RankNet
from tests.nas_tasks.preference.helpers import small_pool

FAST = {"hidden": 8, "n_members": 4, "epochs": 100, "lr": 0.05, "weight_decay": 0.0}


def judge_by_accuracy(pool, a, b):
    acc = dict(zip(pool.ids.tolist(), pool.M[:, 0]))
    return Judgment(a, b, "a" if acc[a] > acc[b] else "b")


def test_random_pairs_never_repeat_and_exhaust_cleanly():
    pool = small_pool(5)
    gen = PairGenerator(pool, "random", seed=1)
    judgments = []
    for _ in range(10):
        a, b = gen.next_pair(judgments)
        judgments.append(judge_by_accuracy(pool, a, b))
    assert len({j.pair for j in judgments}) == 10
    with pytest.raises(InvalidInputError, match="all 10 pairs of the 5 candidates have been judged"):
        gen.next_pair(judgments)


def test_the_next_pair_depends_only_on_the_judgments_and_the_seed():
    pool = small_pool(20)
    judgments = [Judgment(0, 1, "a"), Judgment(2, 3, "b")]
    for mode in ("random", "active"):
        first = PairGenerator(pool, mode, ranker=RankNet(pool.metrics, **FAST), seed=4).next_pair(judgments)
        again = PairGenerator(pool, mode, ranker=RankNet(pool.metrics, **FAST), seed=4).next_pair(judgments)
        assert first == again


def test_active_pairs_are_where_the_ensemble_disagrees():
    pool = small_pool(25)
    judgments = []
    gen = PairGenerator(pool, "random", seed=0)
    for _ in range(6):
        judgments.append(judge_by_accuracy(pool, *gen.next_pair(judgments)))
    active = PairGenerator(pool, "active", ranker=RankNet(pool.metrics, **FAST), seed=0, focus=1.0)
    a, b = active.next_pair(judgments)
    assert active.info_["mode"] == "active" and frozenset((a, b)) not in {j.pair for j in judgments}
    ranker = active.ranker_
    P = ranker.pair_probabilities(pool.M, pool.M[:1].repeat(len(pool), 0))  # a sanity check of shapes
    assert P.shape == (4, 25)
    chosen = active.info_["uncertainty"]
    rng = np.random.default_rng(0)
    for _ in range(30):  # no random unjudged pair is more uncertain than the chosen one
        i, j = rng.choice(25, 2, replace=False)
        p = ranker.pair_probabilities(pool.M[[i]], pool.M[[j]])[:, 0]
        h = lambda q: -(q * np.log(q) + (1 - q) * np.log(1 - q))  # noqa: E731
        bald = h(np.clip(p.mean(), 1e-12, 1 - 1e-12)) - h(np.clip(p, 1e-12, 1 - 1e-12)).mean()
        assert bald <= chosen + 1e-9 or frozenset((int(pool.ids[i]), int(pool.ids[j]))) in {x.pair for x in judgments}


def test_the_first_active_pair_is_random_and_bad_settings_are_rejected():
    pool = small_pool(8)
    gen = PairGenerator(pool, "active", seed=0)
    gen.next_pair([])
    assert gen.info_["mode"].startswith("active (no judgment yet")
    with pytest.raises(InvalidInputError, match="mode must be one of"):
        PairGenerator(pool, "smart")
    with pytest.raises(InvalidInputError, match="strategy must be one of"):
        PairGenerator(pool, "active", strategy="maxvar")
    with pytest.raises(InvalidInputError, match="at least 2 candidates"):
        PairGenerator(small_pool(1), "random")
