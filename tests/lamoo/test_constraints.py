"""Outcome constraints: parsing, violations, constraint-domination, and runs that count feasible
points only (archive, journal, result, LaMOO's tree)."""
import json
import warnings

import numpy as np
import pytest

from lamoo import LaMOO, Result, Study, optimize
from lamoo.constraints import Constraint, as_constraints, constraint_rank, total_violation
from lamoo.exceptions import InvalidInputError, JournalError
from lamoo.pareto import dominance_number, hypervolume, non_dominated_mask
from lamoo.partition import dominance_labels, n_good
from lamoo.tree import PartitionTree
from samplers import RandomSampler
from tests.toys import ToyTask


class MeasuredToyTask(ToyTask):
    """:class:`ToyTask` that also measures ``size = sum(x)`` (not an objective)."""

    measurable_names = ("size",)

    def measure(self, X, names):
        assert list(names) == ["size"]
        return np.asarray(X, dtype=float).sum(axis=1, keepdims=True)


# ---------------------------------------------------------------------------- parsing
@pytest.mark.parametrize("text, expected", [
    ("latency_ms_pixel3<=5", Constraint("latency_ms_pixel3", "<=", 5.0)),
    (" acc >= 90.5 ", Constraint("acc", ">=", 90.5)),
    ("params=<1e6", Constraint("params", "<=", 1e6)),
    ("loss<=-0.25", Constraint("loss", "<=", -0.25)),
])
def test_parse(text, expected):
    assert Constraint.parse(text) == expected
    assert Constraint.parse(str(expected)) == expected


@pytest.mark.parametrize("text, match", [
    ("latency", "expected NAME<=BOUND"),
    ("latency<5", "operator '<' is not supported"),
    ("latency==5", "operator '==' is not supported"),
    ("latency<=fast", "bound 'fast' is not a number"),
    ("latency<=inf", "finite number"),
    ("<=5", "expected NAME<=BOUND"),
    ("a b<=5", "expected NAME<=BOUND"),
])
def test_malformed_expressions_say_what_is_wrong(text, match):
    with pytest.raises(InvalidInputError, match=match):
        Constraint.parse(text)


def test_as_constraints_forms_and_errors():
    c = Constraint("a", "<=", 1)
    assert as_constraints(None) == ()
    assert as_constraints("a<=1") == (c,)
    assert as_constraints([c, {"name": "b", "op": ">=", "bound": 2}]) == (c, Constraint("b", ">=", 2))
    with pytest.raises(InvalidInputError, match="given twice"):
        as_constraints(["a<=1", c])
    with pytest.raises(InvalidInputError, match="keys name, op and bound"):
        as_constraints([{"name": "a"}])
    with pytest.raises(InvalidInputError, match="must be"):
        as_constraints(3)
    with pytest.raises(InvalidInputError, match="operator"):
        Constraint("a", "<", 1)


def test_violation_is_relative_and_summed():
    cs = as_constraints(["a<=10", "b>=0", "c>=-2"])
    C = np.array([[5, 1, 0], [15, 1, 0], [15, -3, -4], [np.nan, 0, 0]])
    np.testing.assert_allclose(total_violation(C, cs), [0, 0.5, 0.5 + 3 + 1, np.nan])


def test_constraint_rank_puts_feasible_first_then_smaller_violation():
    F = np.array([[3, 3], [1, 1], [0, 0], [2, 2], [5, 5]], dtype=float)
    violation = np.array([0, 0, 0.5, 0.1, 0])
    key = constraint_rank(F, violation, dominance_number)
    # feasible rows by dominance among the feasible (row 1 dominates rows 0 and 4), then by violation
    assert list(np.argsort(key, kind="stable")) == [1, 0, 4, 3, 2]
    labels = dominance_labels(F, violation)
    assert list(labels) == [1, 1, 0, 0, 1]
    # without constraints, the infeasible row 2 would be the best
    assert dominance_labels(F)[2] == 1


# ---------------------------------------------------------------------------- runs
def test_only_feasible_points_count_in_result_and_journal(tmp_path):
    task = ToyTask(d=2)
    path = tmp_path / "run.jsonl"
    res = optimize(task, LaMOO(RandomSampler(), leaf_size=4), budget=30, n_init=8, batch_size=3, seed=1,
                   constraints=["f1<=0.3"], journal=path)
    feasible = res.Y[:, 0] <= 0.3
    np.testing.assert_array_equal(res.feasible, feasible)
    assert 0 < feasible.sum() < len(res)
    F = res.F.copy()
    F[~feasible] = np.nan
    assert res.hypervolume() == pytest.approx(hypervolume(F, task.ref_point))
    assert res.hypervolume() < hypervolume(res.F, task.ref_point)
    np.testing.assert_array_equal(res.pareto_mask(), non_dominated_mask(F))
    assert res.hypervolume_trace[-1] == pytest.approx(res.hypervolume())
    assert (res.pareto_front()["f1"] <= 0.3).all()
    frame = res.to_frame()
    np.testing.assert_array_equal(frame["feasible"], feasible)
    summary = res.summary()
    assert summary["feasible"] == feasible.sum() and summary["constraints"] == ["f1<=0.3"]
    # the journal holds the constraints and each point's values, feasibility and violation
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["constraints"] == [{"name": "f1", "op": "<=", "bound": 0.3}]
    evals = [r for r in lines if r["type"] == "eval"]
    assert [r["feasible"] for r in evals] == feasible.tolist()
    assert [r["c"][0] for r in evals] == pytest.approx(res.Y[:, 0])
    assert evals[0]["violation"] == pytest.approx(max(0, res.Y[0, 0] - 0.3) / 0.3)
    back = Result.from_journal(path)
    assert back.constraints == res.constraints and back.summary() == summary


def test_constraint_on_a_measured_value_and_ask_tell():
    task = MeasuredToyTask(d=2)
    res = optimize(task, RandomSampler(), budget=20, n_init=6, seed=0, constraints="size>=1")
    np.testing.assert_array_equal(res.feasible, res.X.sum(axis=1) >= 1)
    np.testing.assert_allclose(res.C[:, 0], res.X.sum(axis=1))
    assert "size" in res.to_frame().columns
    # ask/tell with the values given, or measured by the task when left out
    study = Study(ToyTask(d=2), RandomSampler(), seed=0, n_init=4, constraints="f2<=0.5")
    X = study.ask(4)
    study.tell(X, study.task.evaluate(X))
    np.testing.assert_array_equal(study.archive.feasible, study.archive.Y[:, 1] <= 0.5)
    with pytest.raises(InvalidInputError, match="unknown value 'size'"):
        Study(ToyTask(d=2), RandomSampler(), constraints="size>=1")
    study = Study(MeasuredToyTask(d=2), RandomSampler(), seed=0, n_init=4, constraints="size>=1")
    X = study.ask(4)
    study.tell(X, study.task.evaluate(X), measured={"size": np.full(4, 2.0)})
    assert study.archive.feasible.all()
    with pytest.raises(InvalidInputError, match=r"shape \(4,\)"):
        study.tell(X, study.task.evaluate(X), measured={"size": [1.0]})


def test_a_failed_measurement_fails_its_rows_not_the_run():
    class Broken(MeasuredToyTask):
        def measure(self, X, names):
            raise RuntimeError("sensor offline")

    res = optimize(Broken(d=2), RandomSampler(), budget=6, n_init=6, seed=0, constraints="size>=1")
    assert res.failed.all() and "sensor offline" in res.errors[0]


def test_nothing_feasible_is_a_warning_with_the_best_violation():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = optimize(ToyTask(d=2), RandomSampler(), budget=10, n_init=10, seed=0, constraints="f1<=-1")
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(messages) == 1 and "no feasible point among 10" in messages[0]
    best = float(np.min(res.Y[:, 0]) + 1)
    assert f"{best:.4g}" in messages[0]
    assert res.hypervolume() == 0 and not res.pareto_mask().any()
    assert res.summary()["best_violation"] == pytest.approx(best)


def test_resume_keeps_the_constraints_and_refuses_others(tmp_path):
    path = tmp_path / "run.jsonl"
    with Study(ToyTask(d=2), RandomSampler(), seed=0, n_init=4, journal=path, constraints="f1<=0.4") as study:
        study.optimize(6)
    with Study.load(path, ToyTask(d=2), RandomSampler()) as study:
        assert [str(c) for c in study.constraints] == ["f1<=0.4"]
        study.optimize(9)
        assert study.archive.C.shape == (9, 1)
    assert Result.from_journal(path).feasible.sum() == (Result.from_journal(path).Y[:, 0] <= 0.4).sum()

    constrained = ToyTask(d=2)
    constrained.constraints = ("f2<=0.5",)
    with pytest.raises(JournalError, match="constraints: the journal has"):
        Study.load(path, constrained, RandomSampler())


def test_journal_records_of_constrained_runs_are_checked(tmp_path):
    path = tmp_path / "run.jsonl"
    with Study(ToyTask(d=2), RandomSampler(), seed=0, n_init=3, journal=path, constraints="f1<=0.4") as study:
        study.optimize(3)
    lines = path.read_text().splitlines()
    record = json.loads(lines[-1])
    record["c"] = "high"
    path.write_text("\n".join(lines[:-1] + [json.dumps(record)]) + "\n")
    with pytest.raises(JournalError, match="'c' must be a list of 1 numbers"):
        Result.from_journal(path)


# ---------------------------------------------------------------------------- LaMOO's tree
def test_tree_counts_feasible_points_and_scores_violation_while_none_is_feasible():
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(20, 2))
    F = np.column_stack([X[:, 0], 1 - X[:, 0]])
    members, ref = np.arange(20), np.array([2.0, 2.0])
    violation = np.where(X[:, 1] > 0.5, 0.0, 0.5 - X[:, 1])

    def build(v):
        return PartitionTree.build(members, X, F, ref, make_classifier=lambda: DecisionTreeClassifier(random_state=0),
                                   leaf_size=5, max_depth=1, violation=v)

    tree = build(violation)
    good, bad = tree.root.children
    assert tree.root.hypervolume == pytest.approx(hypervolume(np.where((violation == 0)[:, None], F, np.nan), ref))
    # the good side is the better half by constraint-domination
    best = np.argsort(constraint_rank(F, violation, dominance_number), kind="stable")[:n_good(20)]
    assert set(good.members) == set(best)
    assert good.score == good.hypervolume
    none_feasible = violation + 0.1
    tree = build(none_feasible)
    good, bad = tree.root.children
    assert good.score == pytest.approx(-none_feasible[good.members].min())
    assert set(good.members) == set(np.argsort(none_feasible, kind="stable")[:n_good(20)])
    assert good.score > bad.score


# ---------------------------------------------------------------------------- CLI
def test_cli_constraint_option(tmp_path, capsys):
    from lamoo.cli import main

    run = ["optimize", "--task", "tests.toys:ToyTask", "--param", "d=2", "--n-init", "6", "--budget", "9",
           "--no-progress"]
    assert main(run + ["--out", str(tmp_path / "a"), "--constraint", "f1<=0.3"]) == 0
    assert "feasible" in capsys.readouterr().out
    res = Result.from_journal(tmp_path / "a" / "journal.jsonl")
    assert [str(c) for c in res.constraints] == ["f1<=0.3"]
    assert json.loads((tmp_path / "a" / "summary.json").read_text())["feasible"] == int(res.feasible.sum())
    assert main(["optimize", "--out", str(tmp_path / "a"), "--resume", "--budget", "12", "--no-progress"]) == 0
    assert Result.from_journal(tmp_path / "a" / "journal.jsonl").C.shape == (12, 1)
    capsys.readouterr()
    assert main(run + ["--out", str(tmp_path / "b"), "--constraint", "f1<0.3"]) == 2
    assert "malformed constraint 'f1<0.3'" in capsys.readouterr().err
    assert main(run + ["--out", str(tmp_path / "c"), "--constraint", "latency<=3"]) == 2
    assert "unknown value 'latency'" in capsys.readouterr().err


def test_the_progress_bar_shows_the_feasible_count_of_a_constrained_run(capsys):
    study = Study(ToyTask(d=2), RandomSampler(), seed=0, n_init=4, constraints="f2<=0.5")
    study.optimize(12, batch_size=4, progress=True)
    n_feasible = len(study.archive.feasible_indices)
    assert 0 < n_feasible < 12
    assert f"feasible={n_feasible}/12" in capsys.readouterr().err
    Study(ToyTask(d=2), RandomSampler(), seed=0, n_init=4).optimize(8, batch_size=4, progress=True)
    err = capsys.readouterr().err
    assert "hv=" in err and "feasible" not in err
