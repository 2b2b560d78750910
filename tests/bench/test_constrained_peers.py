"""Peers on a constrained task use their own library's constraint support, and runs record
feasibility."""
import numpy as np
import pytest

from lamoo.bench.peers import OptunaMOTPE, OptunaNSGA2, PymooNSGA2
from lamoo.bench.recorder import Recorder
from lamoo.constraints import relative_slack
from tests.toys import FiniteToyTask


def constrained_task():
    task = FiniteToyTask()
    bound = float(np.median(task.table[:, 1]))
    task.constraints = (f"cost<={bound}",)
    return task, bound


def constrained_toy():
    """A task factory for ``--add-task``."""
    return constrained_task()[0]


def _run(peer, task):
    rec = Recorder(task)
    peer.run(task, rec, 25, 8, 5, 0)
    rec.finish()
    return rec


def test_the_recorder_measures_constraints_and_the_result_counts_feasible_points_only():
    task, bound = constrained_task()
    rec = _run(PymooNSGA2(), task)
    np.testing.assert_allclose(rec.C[:, 0], rec.Y[:, 1])
    np.testing.assert_allclose(rec.relative_slack(slice(0, 3))[:, 0], (rec.Y[:3, 1] - bound) / bound)
    result = rec.result()
    np.testing.assert_array_equal(result.feasible, rec.Y[:, 1] <= bound)
    assert not result.pareto_mask()[~result.feasible].any()


@pytest.mark.parametrize("peer_cls", [OptunaNSGA2, OptunaMOTPE], ids=lambda c: c.name)
def test_optuna_peers_get_each_trials_slack_as_its_constraint_values(peer_cls):
    task, _ = constrained_task()
    peer = peer_cls()
    rec = _run(peer, task)
    trials = peer.study_.get_trials()
    assert len(trials) == 25
    # Optuna keeps each trial's constraint values (what its samplers rank feasibility by)
    # (Optuna >= 5: per-trial constraint values; before: constraints_func's values in system_attrs)
    stored = np.array([list(t.constraints.values()) if hasattr(t, "constraints") else t.system_attrs["constraints"]
                       for t in trials])
    np.testing.assert_allclose(stored, relative_slack(rec.C, rec.constraints))


def test_pymoo_peer_gets_the_slack_as_inequality_constraints():
    task, _ = constrained_task()
    peer = PymooNSGA2()
    rec = _run(peer, task)
    pop = peer.algorithm_.pop
    assert peer.algorithm_.problem.n_ieq_constr == 1
    G = pop.get("G")[:, 0]
    # survival keeps feasible points first: the population holds as many as were found, up to its size
    feasible_rows = {row.tobytes() for row, g in zip(rec.X, rec.relative_slack(slice(0, rec.n))[:, 0]) if g <= 0}
    assert (G <= 0).sum() == min(len(pop), len(feasible_rows))
    assert set(np.round(G, 9)) <= set(np.round(rec.relative_slack(slice(0, rec.n))[:, 0], 9))


def test_a_constrained_grid_records_feasibility_and_reports_it(tmp_path):
    import json

    from lamoo.cli import main

    out = tmp_path / "grid"
    assert main(["bench", "--tasks", "ctoy", "--methods", "random", "lamoo-random", "optuna-nsga2", "--seeds", "0,1",
                 "--budget", "12", "--batch-size", "2", "--n-init", "4", "--add-task",
                 "ctoy=tests.bench.test_constrained_peers:constrained_toy", "--out", str(out), "--workers", "0",
                 "--no-progress", "--report"]) == 0
    task, bound = constrained_task()
    for path in (out / "json").glob("*.json"):
        record = json.loads(path.read_text())
        Y = np.array(record["Y"])
        feasible = Y[:, 1] <= bound
        assert record["constraints"] == [f"cost<={bound:g}"] and record["n_feasible"] == feasible.sum()
        assert record["first_feasible"] == (int(feasible.argmax()) + 1 if feasible.any() else None)
    text = (out / "REPORT.md").read_text()
    assert f"Constraints: `cost<={bound:g}`" in text
    assert "| method | feasible evaluations | first feasible at |" in text and "| `optuna-nsga2` |" in text
