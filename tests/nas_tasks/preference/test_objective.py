import numpy as np
import pytest

from lamoo import LaMOO, optimize
from lamoo.exceptions import InvalidInputError
from nas_tasks.preference.objective import PreferenceTask
from nas_tasks.preference.ranker import RankNet
from samplers import EvolutionSampler
from tests.nas_tasks.preference.helpers import METRICS, table_task

FAST = {"hidden": 8, "n_members": 3, "epochs": 150, "lr": 0.05, "weight_decay": 0.0}


@pytest.fixture(scope="module")
def task_and_ranker():
    task = table_task(300)
    acc = task.Y[:, 0]
    rng = np.random.default_rng(0)
    pairs = rng.choice(len(acc), (30, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    ranker = RankNet(METRICS, **FAST).fit(task.Y[pairs[:, 0]], task.Y[pairs[:, 1]],
                                          (acc[pairs[:, 0]] > acc[pairs[:, 1]]).astype(float), pool=task.Y)
    return task, ranker


def test_the_learned_score_as_the_single_objective(task_and_ranker):
    task, ranker = task_and_ranker
    pt = PreferenceTask(task, ranker)
    assert [(o.name, o.direction) for o in pt.objectives] == [("preference", "maximize")]
    scores = ranker.score(task.Y)
    assert pt.ref_point[0] < scores.min() and pt.max_hypervolume == pytest.approx(scores.max() - pt.ref_point[0])
    np.testing.assert_allclose(pt.evaluate(task.codes[:5])[:, 0], scores[:5])
    result = optimize(pt, EvolutionSampler(), budget=40, n_init=10, batch_size=1, seed=0)
    best = task.rows(result.X[[int(np.argmax(result.Y[:, 0]))]])[0]
    assert scores[best] >= np.quantile(scores, 0.9)  # 40 evaluations of 300 cells reach the top decile


def test_the_learned_score_next_to_the_tasks_objectives_inside_lamoo(task_and_ranker):
    task, ranker = task_and_ranker
    pt = PreferenceTask(task, ranker, mode="extra", name="taste")
    assert [o.name for o in pt.objectives] == [o.name for o in task.objectives] + ["taste"]
    assert len(pt.ref_point) == 5 and np.allclose(pt.ref_point[:4], task.ref_point)
    result = optimize(pt, LaMOO(EvolutionSampler(), leaf_size=8), budget=30, n_init=10, batch_size=5, seed=1)
    assert result.Y.shape == (30, 5)
    np.testing.assert_allclose(result.Y[:, :4], task.evaluate(result.X))


def test_without_a_table_the_reference_comes_from_the_rankers_pool(task_and_ranker):
    task, ranker = task_and_ranker

    class NoTable:  # a task whose whole table is unknown (e.g. trained cells)
        space, objectives, ref_point, max_hypervolume = task.space, task.objectives, task.ref_point, None

        def evaluate(self, X):
            return task.evaluate(X)

    pt = PreferenceTask(NoTable(), ranker)
    assert pt.ref_point[0] < ranker.score(task.Y).min() and pt.max_hypervolume is None


def test_failed_evaluations_stay_failed(task_and_ranker):
    task, ranker = task_and_ranker
    pt = PreferenceTask(task, ranker, mode="extra")
    Y = task.Y[:3].copy()
    Y[1] = np.nan
    assert np.isnan(pt.scores(Y)[1]) and np.isfinite(pt.scores(Y)[[0, 2]]).all()


def test_mismatched_tasks_are_refused(task_and_ranker):
    task, ranker = task_and_ranker
    with pytest.raises(InvalidInputError, match=r"the ranker scores .* \['flops'\] missing"):
        PreferenceTask(table_task_without_flops(), ranker)
    with pytest.raises(InvalidInputError, match="already an objective of the task"):
        PreferenceTask(task, ranker, name="params")
    with pytest.raises(InvalidInputError, match="mode must be one of"):
        PreferenceTask(task, ranker, mode="constraint")
    with pytest.raises(InvalidInputError, match="not fitted yet"):
        PreferenceTask(task, RankNet(METRICS))


def table_task_without_flops():
    from nas_tasks import NB201TableTask
    from tests.nas_tasks.preference.helpers import synthetic_table

    return NB201TableTask(synthetic_table(60), ["cifar10_test_acc", "latency_ms_raspi4", "params"], cache=False)
