import numpy as np
import pandas as pd
import pytest

from lamoo.exceptions import InvalidInputError
from nas_tasks.preference.judgments import Judgment
from nas_tasks.preference.ranker import RankNet, UnknownMetricsError
from nas_tasks.preference.synthetic import SyntheticPreference, top_k_precision
from tests.nas_tasks.preference.helpers import METRICS, ROLES, table_task

FAST = {"hidden": 8, "n_members": 4, "epochs": 150, "lr": 0.05, "weight_decay": 0.0}


def judged(task, preference, n, seed=0):
    rng = np.random.default_rng(seed)
    frame = {o.name: task.Y[:, j] for j, o in enumerate(task.objectives)}
    u = preference.utility(frame)
    A, B, y = [], [], []
    for _ in range(n):
        a, b = rng.choice(len(u), 2, replace=False)
        A.append(task.Y[a]), B.append(task.Y[b]), y.append(0.5 if u[a] == u[b] else float(u[a] > u[b]))
    return np.array(A), np.array(B), np.array(y)


def test_learns_an_accuracy_preference_from_a_few_dozen_judgments():
    task = table_task(300)
    frame = {o.name: task.Y[:, j] for j, o in enumerate(task.objectives)}
    pref = SyntheticPreference("accuracy", frame, ROLES)
    A, B, y = judged(task, pref, 40)
    ranker = RankNet(METRICS, **FAST).fit(A, B, y, pool=task.Y)
    assert top_k_precision(pref.utility(frame), ranker.score(task.Y), 10) >= 0.5
    p = ranker.predict_proba(A, B)
    assert np.mean((p > 0.5) == (y > 0.5)) > 0.8  # fits its own judgments


def test_scores_are_monotone_in_every_metric_direction():
    task = table_task(200)
    A, B, y = judged(task, SyntheticPreference("sum", {o.name: task.Y[:, j] for j, o in enumerate(task.objectives)},
                                               ROLES), 30)
    ranker = RankNet(METRICS, **FAST).fit(A, B, y, pool=task.Y)
    base = task.Y[:50]
    better = base.copy()
    better[:, 0] += 1.0  # more accurate
    better[:, 1] -= 0.5  # and faster
    assert (ranker.member_scores(better) >= ranker.member_scores(base) - 1e-9).all()


def test_one_judgment_is_enough_to_rank_and_members_disagree():
    ranker = RankNet(METRICS, **FAST).fit([[90, 10, 0.3, 40]], [[80, 12, 0.4, 60]], [1.0])
    s = ranker.score([[95, 9, 0.2, 30], [70, 20, 0.5, 90]])
    assert s[0] > s[1]
    assert ranker.score_std([[85, 11, 0.35, 50]])[0] >= 0
    assert ranker.pair_probabilities([[90, 10, 0.3, 40]], [[80, 12, 0.4, 60]]).shape == (4, 1)


def test_no_preference_judgments_pull_probabilities_to_one_half():
    A, B = [[90, 10, 0.3, 40]] * 3, [[80, 12, 0.4, 60]] * 3
    ranker = RankNet(METRICS, **FAST).fit(A, B, [0.5, 0.5, 0.5])
    assert abs(ranker.predict_proba(A[:1], B[:1])[0] - 0.5) < 0.1


def test_save_and_load_give_the_same_scores(tmp_path):
    task = table_task(100)
    A, B, y = judged(task, SyntheticPreference("latency", {o.name: task.Y[:, j] for j, o in enumerate(task.objectives)},
                                               ROLES), 10)
    for scaling in ("quantile", "minmax"):
        ranker = RankNet(METRICS, **FAST, scaling=scaling).fit(A, B, y, pool=task.Y)
        loaded = RankNet.load(ranker.save(tmp_path / f"{scaling}.json"))
        np.testing.assert_allclose(loaded.score(task.Y), ranker.score(task.Y))
        assert loaded.metric_names == ranker.metric_names and loaded.n_judgments_ == 10


def test_same_seed_same_ranker():
    A, B, y = [[90, 10, 0.3, 40], [85, 5, 0.2, 30]], [[80, 12, 0.4, 60], [91, 20, 0.5, 80]], [1.0, 1.0]
    s1 = RankNet(METRICS, **FAST, seed=3).fit(A, B, y).score(A)
    s2 = RankNet(METRICS, **FAST, seed=3).fit(A, B, y).score(A)
    np.testing.assert_array_equal(s1, s2)


def test_scoring_other_metrics_is_a_clear_error():
    ranker = RankNet(METRICS, **FAST).fit([[90, 10, 0.3, 40]], [[80, 12, 0.4, 60]], [1.0])
    with pytest.raises(UnknownMetricsError, match=r"the metrics given lack \['flops'\]"):
        ranker.score(pd.DataFrame({"cifar10_test_acc": [90], "latency_ms_raspi4": [3], "params": [0.1]}))
    with pytest.raises(UnknownMetricsError, match="scores 4 metrics .* have shape \\(1, 3\\)"):
        ranker.score([[90, 3, 0.1]])
    with pytest.raises(InvalidInputError, match="must be finite"):
        ranker.score([[90, np.nan, 0.1, 3]])
    # matched by name, in any column order, extra columns ignored
    frame = pd.DataFrame({"flops": [40], "params": [0.3], "latency_ms_raspi4": [10], "cifar10_test_acc": [90], "x": [1]})
    assert ranker.score(frame)[0] == pytest.approx(ranker.score([[90, 10, 0.3, 40]])[0])


def test_an_unfitted_ranker_and_bad_arguments_are_rejected():
    with pytest.raises(InvalidInputError, match="not fitted yet"):
        RankNet(METRICS).score([[1, 2, 3, 4]])
    with pytest.raises(InvalidInputError, match="n_members must be an integer >= 1"):
        RankNet(METRICS, n_members=0)
    with pytest.raises(InvalidInputError, match="scaling must be one of"):
        RankNet(METRICS, scaling="log")
    with pytest.raises(InvalidInputError, match="cannot tell whether objective 'blub'"):
        RankNet(["blub"])
    with pytest.raises(InvalidInputError, match=r"targets y must lie in \[0, 1\]"):
        RankNet(METRICS, **FAST).fit([[1, 2, 3, 4]], [[2, 3, 4, 5]], [2.0])
    with pytest.raises(InvalidInputError, match="not a saved lamoo RankNet"):
        RankNet.from_dict({"format": "other"})


def test_fit_judgments_checks_the_pool_metrics():
    from tests.nas_tasks.preference.helpers import small_pool

    pool = small_pool(10)
    ranker = RankNet(METRICS[:2], **FAST)
    with pytest.raises(UnknownMetricsError, match="the pool has"):
        ranker.fit_judgments([Judgment(0, 1, "a")], pool)
