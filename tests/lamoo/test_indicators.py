"""IGD, IGD+ and the additive epsilon indicator, against a known front."""
import numpy as np
import pytest

from lamoo import optimize
from lamoo.exceptions import InvalidInputError
from lamoo.indicators import epsilon_additive, igd, igd_plus, indicators, known_front
from lamoo.result import Result
from samplers import RandomSampler
from tests.toys import FiniteToyTask, MixedToyTask

FRONT = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])


def test_values_by_hand_and_zero_on_the_front():
    A = np.array([[0.5, 1.0], [1.0, 0.5], [2.0, 2.0], [np.nan, np.nan]])  # the last two: dominated, failed
    raw = dict(normalize=False)
    # IGD: distances from each front point to its nearest point of A: 0.5, 0.5, 0.5
    assert igd(A, FRONT, **raw) == pytest.approx(0.5)
    # IGD+: only where A is worse: (0.5, 0), (0, 0.5)->0.5, (0, 0.5)
    assert igd_plus(A, FRONT, **raw) == pytest.approx(0.5)
    assert epsilon_additive(A, FRONT, **raw) == pytest.approx(0.5)
    assert indicators(FRONT, FRONT) == {"igd": 0.0, "igd_plus": 0.0, "epsilon_additive": 0.0}
    assert epsilon_additive(FRONT - 0.25, FRONT, **raw) == pytest.approx(-0.25)  # dominates the front


def test_agrees_with_pymoo():
    pytest.importorskip("pymoo")
    from pymoo.indicators.igd import IGD
    from pymoo.indicators.igd_plus import IGDPlus

    rng = np.random.default_rng(0)
    t = np.linspace(0, 1, 30)
    front = np.column_stack([t, 1 - np.sqrt(t)])
    A = front[::3] + rng.uniform(0, 0.2, size=(10, 2))
    A = A[_non_dominated(A)]
    assert igd(A, front, normalize=False) == pytest.approx(IGD(front)(A))
    assert igd_plus(A, front, normalize=False) == pytest.approx(IGDPlus(front)(A))


def _non_dominated(F):
    return ~np.array([((F <= f).all(1) & (F < f).any(1)).any() for f in F])


def test_normalize_scales_each_objective_by_the_fronts_range():
    scaled = FRONT * np.array([1.0, 1000.0])  # the second objective in other units
    A = np.array([[0.6, 600.0]])
    assert igd(A, scaled) == pytest.approx(igd(np.array([[0.6, 0.6]]), FRONT))
    assert igd(A, scaled, normalize=False) > 100


def test_no_success_gives_nan_and_bad_fronts_are_errors():
    assert np.isnan(igd(np.full((3, 2), np.nan), FRONT))
    with pytest.raises(InvalidInputError, match="3 objectives and the points 2"):
        igd(FRONT, np.ones((2, 3)))
    with pytest.raises(InvalidInputError, match="at least one point"):
        igd(FRONT, np.full((1, 2), np.nan))
    with pytest.raises(InvalidInputError, match="infinite"):
        igd(FRONT, np.array([[np.inf, 0.0]]))


class KnownFront(FiniteToyTask):
    """The finite toy task with its exact front (every candidate is evaluated once to find it)."""

    def exact_pareto_front(self):
        import pandas as pd

        Y = self.evaluate(self.space.candidates)
        F = Y * np.array([o.sign for o in self.objectives])
        return pd.DataFrame(Y[_non_dominated(F)], columns=[o.name for o in self.objectives])


def test_result_indicators_use_the_tasks_front_in_raw_units(tmp_path):
    task = KnownFront()
    res = optimize(task, RandomSampler(), budget=30, n_init=8, seed=0, journal=tmp_path / "run.jsonl")
    front = known_front(task, task.objectives)
    assert res.front is not None and res.front.shape == front.shape
    signs = np.array([o.sign for o in task.objectives])
    assert res.igd() == pytest.approx(igd(res.Y * signs, front * signs)) and res.igd() >= 0
    assert set(res.summary()) >= {"igd", "igd_plus", "epsilon_additive"}
    everything = optimize(task, RandomSampler(), budget=81, n_init=8, seed=0)  # the whole finite space
    assert everything.indicators() == {"igd": 0.0, "igd_plus": 0.0, "epsilon_additive": 0.0}
    back = Result.from_journal(tmp_path / "run.jsonl")  # the front is kept in the journal
    assert back.indicators() == res.indicators()


def test_a_result_without_a_front_asks_for_one():
    res = optimize(MixedToyTask(), RandomSampler(), budget=10, seed=0)
    assert res.front is None and "igd" not in res.summary()
    with pytest.raises(InvalidInputError, match="knows no exact Pareto front: pass front="):
        res.igd()
    front = res.Y[res.pareto_mask()]
    assert res.igd(front=front) == 0.0
    with pytest.raises(InvalidInputError, match=r"front \(k x 2, raw units\)"):
        res.igd(front=np.ones((2, 3)))


def test_known_front_checks_what_a_task_returns():
    class Bad:
        objectives = MixedToyTask().objectives

        def exact_pareto_front(self):
            import pandas as pd

            return pd.DataFrame({"other": [1.0]})

    with pytest.raises(InvalidInputError, match="no column for objectives"):
        known_front(Bad(), Bad.objectives)
    assert known_front(MixedToyTask(), Bad.objectives) is None
