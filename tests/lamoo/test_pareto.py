import numpy as np
import pytest

from lamoo.pareto import (dominance_number, hypervolume, hypervolume_contributions, hypervolume_gradient,
                          hypervolume_trace, non_dominated_mask)


def random_F(n, m, seed=0):
    return np.random.default_rng(seed).random((n, m))


def test_non_dominated_mask_small_example():
    F = np.array([[1, 2], [2, 1], [2, 2], [1, 2], [np.nan, 0]], dtype=float)
    assert non_dominated_mask(F).tolist() == [True, True, False, True, False]


def test_dominance_number_matches_brute_force():
    F = random_F(60, 3, seed=1)
    F[5] = F[7]  # duplicates do not dominate each other
    brute = [sum(bool((g <= f).all() and (g < f).any()) for g in F) for f in F]
    assert dominance_number(F, chunk=7).tolist() == brute
    assert (dominance_number(F)[non_dominated_mask(F)] == 0).all()


def test_failed_rows_get_the_worst_dominance_number():
    F = np.array([[0.0, 1.0], [np.nan, np.nan], [1.0, 0.0]])
    assert dominance_number(F).tolist() == [0, 3, 0]


def test_hypervolume_of_one_objective_is_a_length():
    assert hypervolume(np.array([[-11.5], [-10.25], [np.nan], [3.0]]), [-10.0]) == pytest.approx(1.5)
    assert hypervolume(np.array([[2.0]]), [1.0]) == 0.0


def test_hypervolume_of_a_staircase():
    F = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [5.0, 0.0]])  # the last is outside the reference
    assert hypervolume(F, [4.0, 4.0]) == pytest.approx(3 + 2 + 1)
    assert hypervolume(np.empty((0, 2)), [1.0, 1.0]) == 0.0


@pytest.mark.parametrize("m", [2, 3, 4])
def test_hypervolume_agrees_with_botorch_and_pymoo(m):
    torch = pytest.importorskip("torch")
    from botorch.utils.multi_objective.hypervolume import Hypervolume
    from botorch.utils.multi_objective.pareto import is_non_dominated
    from pymoo.indicators.hv import HV

    F = random_F(40, m, seed=m)
    ref = np.full(m, 1.1)
    ours = hypervolume(F, ref)
    Y = -torch.tensor(F)  # BoTorch maximizes
    theirs = Hypervolume(-torch.tensor(ref)).compute(Y[is_non_dominated(Y)])
    assert ours == pytest.approx(theirs, rel=1e-10)
    assert ours == pytest.approx(HV(ref_point=ref)(F), rel=1e-10)


def test_hypervolume_trace_is_the_running_hypervolume():
    F = random_F(50, 2, seed=3)
    F[10] = np.nan
    trace = hypervolume_trace(F, [1.0, 1.0])
    expected = [hypervolume(F[: i + 1], [1.0, 1.0]) for i in range(len(F))]
    np.testing.assert_allclose(trace, expected, rtol=1e-12)
    assert (np.diff(trace) >= 0).all()


def test_contributions_are_exclusive_volumes():
    F = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [3.0, 3.0]])
    c = hypervolume_contributions(F, [4.0, 4.0])
    assert c.tolist() == [1.0, 1.0, 1.0, 0.0]


def test_hypervolume_rejects_a_reference_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        hypervolume(np.zeros((3, 2)), [1.0, 1.0, 1.0])


def test_gradient_of_a_two_objective_front_is_each_steps_height_and_width():
    F = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [3.0, 3.0], [np.nan, 0.0]])
    g = hypervolume_gradient(F, [5.0, 4.0])
    assert g.tolist() == [[1.0, 1.0], [1.0, 1.0], [1.0, 2.0], [0.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_gradient_matches_one_sided_differences(m):
    F = np.round(random_F(12, m, seed=m), 3)  # values on a 0.001 grid: steps of 1e-4 cross nothing
    F[3] = F[4]  # a duplicate
    F[5] = F[6] + 0.01  # strictly dominated
    ref = np.full(m, 1.1)
    g = hypervolume_gradient(F, ref)
    eps = 1e-4
    base = hypervolume(F, ref)
    for i in range(len(F)):
        for j in range(m):
            G = F.copy()
            G[i, j] -= eps
            assert g[i, j] == pytest.approx((hypervolume(G, ref) - base) / eps, rel=1e-6, abs=1e-8), (i, j)
    assert (g[5] == 0).all() and (g >= 0).all()
