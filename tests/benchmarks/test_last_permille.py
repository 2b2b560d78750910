"""The last-permille analysis: necessary sets against brute force, random search's odds, the
descent landscape, and the whole script on a small made-up NB201 table."""
import numpy as np
import pytest
from scipy.stats import hypergeom

from benchmarks import last_permille
from lamoo.exceptions import InvalidInputError
from lamoo.pareto import hypervolume
from lamoo.testing import FiniteToyTask, ToyTask


@pytest.mark.parametrize("threshold", [0.9, 0.99, 0.999])
@pytest.mark.parametrize("objective", [0, 1])
def test_the_necessary_set_is_the_smallest_whose_absence_keeps_the_rest_below_the_threshold(threshold, objective):
    _, F, ref = last_permille.canonical_table(FiniteToyTask(seed=3))
    target = threshold * hypervolume(F, ref)
    needed = last_permille.necessary_set(F, ref, threshold, objective)
    short = [v for v in np.unique(F[:, objective]) if hypervolume(F[F[:, objective] > v], ref) < target]
    if needed is None:
        assert short == [] or short == [F[:, objective].max()]
        return
    assert needed.bound == min(short) and needed.size == (F[:, objective] <= min(short)).sum()
    assert hypervolume(F[~needed.members], ref) < target
    smaller = F[:, objective] < needed.bound  # one distinct value less: the rest still reaches it
    assert hypervolume(F[~smaller], ref) >= target


def test_random_hit_probability_is_hypergeometric():
    for n_cells, k, draws in [(100, 3, 10), (15625, 9, 150), (50, 0, 20), (20, 2, 20)]:
        expected = 1 - hypergeom(n_cells, k, draws).pmf(0)
        assert last_permille.random_hit_probability(n_cells, k, draws) == pytest.approx(expected, abs=1e-12)


def test_neighbours_differ_in_one_dimension_and_descent_ends_at_local_optima():
    task = FiniteToyTask()
    X, F, _ = last_permille.canonical_table(task)
    neighbours = last_permille.neighbour_table(task.space)
    assert neighbours.shape == (81, 12) and ((neighbours >= 0).sum(axis=1) == 8).all()
    for i, row in enumerate(neighbours):
        assert ((X[row[row >= 0]] != X[i]).sum(axis=1) == 1).all()
    optima, ends = last_permille.descent(F[:, 0], neighbours)
    assert set(np.unique(ends)) <= set(optima)
    for i in optima:
        assert (F[neighbours[i][neighbours[i] >= 0], 0] >= F[i, 0]).all()
    assert ends[np.argmin(F[:, 0])] == np.argmin(F[:, 0])


def test_tasks_it_cannot_enumerate_and_runs_without_points_are_named():
    with pytest.raises(InvalidInputError, match="ToyTask has no finite candidate set"):
        last_permille.canonical_table(ToyTask())
    space = FiniteToyTask().space
    with pytest.raises(InvalidInputError, match="r.json holds no points"):
        last_permille.first_hit({"_path": "r.json"}, space, np.zeros(81, dtype=bool))


def test_the_script_reports_sets_and_runs_on_a_small_nb201_table(tmp_path, monkeypatch, capsys):
    pytest.importorskip("torch")
    from lamoo.bench.run import main as bench
    from tests.nas_tasks.fake_benchmarks import synthetic_frame

    monkeypatch.setenv("LAMOO_CACHE_DIR", str(tmp_path / "cache"))
    table = tmp_path / "t.csv"
    synthetic_frame(300).to_csv(table, index=False)
    out = tmp_path / "res"
    assert bench(["--tasks", "nb201-c10-flops", "--methods", "random", "local", "--seeds", "0-1", "--budget", "40",
                  "--n-init", "10", "--workers", "0", "--no-progress", "--out", str(out), "--table", str(table)]) == 0
    capsys.readouterr()
    last_permille.main([str(out), "--table", str(table), "--threshold", "0.99", "--budget", "30"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("nb201-c10-flops: 300 cells")
    assert any(line.startswith("  cifar10_test_acc: a run must evaluate one of the") for line in lines)
    for method in ("random", "local"):
        assert any(line.startswith(f"  {method}: 2 runs; hypervolume short") for line in lines)
        assert any(line.startswith(f"    {method}: 2 runs; one of the set within 30:") for line in lines)
