"""The report's numbers on hand-made hypervolume traces."""
import argparse
import json
import shlex

import numpy as np
import pytest

from lamoo.bench.records import SCHEMA
from lamoo.bench.methods import plan_method
from lamoo.bench.report import load_runs, task_summary, write_report
from lamoo.bench.stats import Bounded
from lamoo.exceptions import InvalidInputError

MAX_HV = 100.0
BUDGET = 10


def trace_reaching(at: dict[float, int], budget: int = BUDGET) -> list[float]:
    """A trace that first reaches the fraction f of MAX_HV after at[f] samples (0 = never)."""
    trace = np.full(budget, 50.0)
    for frac, k in sorted(at.items()):
        if k:
            trace[k - 1:] = np.maximum(trace[k - 1:], frac * MAX_HV)
    return trace.tolist()


TASK_PATHS = {"toy": "tests.toys:FiniteToyTask", "branin-currin": "lamoo.problems:branin_currin"}


def record(task, method, seed, trace, status="ok", opt_seconds=0.01, budget=BUDGET, task_options=None):
    plan = plan_method(method)
    n = len(trace)
    iterations = [{"batch": 0, "size": 4, "n_evaluated": 4, "optimizer_seconds": 0.0, "evaluation_seconds": 0.0}]
    iterations += [{"batch": b, "size": 2, "n_evaluated": 4 + 2 * b, "optimizer_seconds": opt_seconds * b,
                    "evaluation_seconds": 0.001} for b in range(1, (n - 4) // 2 + 1)]
    out = {"schema": SCHEMA, "status": status, "task": task, "method": plan.label, "method_plan": plan.to_dict(),
           "seed": seed, "budget": budget, "batch_size": 2, "n_init": 4, "command": "lamoo bench --made-by-hand",
           "task_path": TASK_PATHS[task], "task_options": task_options or {},
           "versions": {"lamoo": "test"}, "wall_seconds": 1.0}
    if status == "ok":
        out.update({"objectives": [{"name": "a", "direction": "minimize"}, {"name": "b", "direction": "maximize"}],
                    "ref_point": [1.0, 0.0], "max_hypervolume": MAX_HV, "hypervolume_trace": trace,
                    "final_hypervolume": trace[-1], "n_duplicates": 0,
                    "timing": {"optimizer_seconds": 0.5, "evaluation_seconds": 0.1, "iterations": iterations}})
    else:
        out["error"] = "RuntimeError: exploded\nmore lines"
    return out


def write_records(folder, runs):
    (folder / "json").mkdir(exist_ok=True)
    for r in runs:
        (folder / "json" / f"{r['task']}__{r['method']}__s{r['seed']}.json").write_text(json.dumps(r))
    return folder


def commands_in(report: str) -> list[str]:
    """The ``lamoo bench`` command lines of a report."""
    return [line for line in report.splitlines() if line.startswith("lamoo bench ")]


def runs_of(commands: list[str]) -> set[tuple[str, str, int]]:
    """The (task, method, seed) runs that ``lamoo bench`` commands make (as ``lamoo bench`` plans them)."""
    from lamoo.bench.run import add_arguments, build_specs, results_dir

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    runs = []
    for command in commands:
        argv = shlex.split(command)
        assert argv[:2] == ["lamoo", "bench"], command
        args = parser.parse_args(argv[2:])
        runs += [(s.task, s.method_label, s.seed) for s in build_specs(args, results_dir(args), command)]
    assert len(runs) == len(set(runs)), "two commands make the same run"
    return set(runs)


@pytest.fixture
def folder(tmp_path):
    runs = [
        # random: 99% after 6, 8, never, never; 99.9% never
        record("toy", "random", 0, trace_reaching({0.99: 6})),
        record("toy", "random", 1, trace_reaching({0.99: 8})),
        record("toy", "random", 2, trace_reaching({})),
        record("toy", "random", 3, trace_reaching({})),
        # lamoo-random: 99% after 3, 4, 5, 6; 99.9% after 5, 9, 10, never
        record("toy", "lamoo-random", 0, trace_reaching({0.99: 3, 0.999: 5})),
        record("toy", "lamoo-random", 1, trace_reaching({0.99: 4, 0.999: 9})),
        record("toy", "lamoo-random", 2, trace_reaching({0.99: 5, 0.999: 10})),
        record("toy", "lamoo-random", 3, trace_reaching({0.99: 6})),
        record("toy", "pymoo-nsga2", 0, trace_reaching({0.99: 2, 1.0: 3})),
        record("toy", "pymoo-nsga2", 1, [], status="error"),
    ]
    return write_records(tmp_path, runs)


def test_samples_to_threshold_with_censoring(folder):
    s = task_summary(load_runs(folder))
    assert s["max_hv"] == MAX_HV and s["max_known"]
    rnd, lam, nsga = (s["methods"][m] for m in ("random", "lamoo-random", "pymoo-nsga2"))
    # random, 99%: [6, 8, >10, >10] -> Q1 7.5 exact, median > 9 (leans on a censored run), Q3 > 10
    assert rnd["to_0.99"] == [Bounded(7.5), Bounded(9.0, ">"), Bounded(10.0, ">")]
    assert rnd["to_0.999"] == [Bounded(10.0, ">")] * 3 and rnd["reached_0.999"] == 0
    assert lam["to_0.99"] == [Bounded(3.75), Bounded(4.5), Bounded(5.25)]
    # lamoo-random, 99.9%: [5, 9, 10, >10] -> Q1 8, median 9.5, Q3 > 10
    assert lam["to_0.999"] == [Bounded(8.0), Bounded(9.5), Bounded(10.0, ">")]
    assert nsga["n_ok"] == 1 and nsga["n_failed"] == 1
    assert nsga["to_0.999"][1] == Bounded(3.0)
    # final gaps: random 1, 1, 50, 50 -> median 25.5; pymoo reached the maximum exactly
    assert rnd["log_gap"][1].value == pytest.approx(np.log10(25.5))
    assert nsga["log_gap"][1].value == pytest.approx(s["methods"]["pymoo-nsga2"]["log_gap_floor"])
    # optimizer seconds per iteration near min(200, budget) = 10: the last iterations of 0.01 * b
    assert rnd["time_at"] == BUDGET
    assert rnd["opt_per_iter"][1].value == pytest.approx(np.mean([0.03, 0.02, 0.01]))


def test_report_markdown_and_plot(folder):
    path = write_report(folder)
    text = path.read_text()
    assert path == folder / "REPORT.md"
    assert f"lamoo bench-report {folder}" in text and "--made-by-hand" not in text
    # the header: json/ is not committed, so the bench commands come first, then bench-report
    assert "not committed, so first run the `lamoo bench` commands" in text
    block = text.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert block[-1] == f"lamoo bench-report {folder}" and block[:-1] == commands_in(text)
    commands = commands_in(text)
    assert runs_of(commands) == {(r["task"], r["method"], r["seed"]) for r in load_runs(folder)}
    assert commands[0].startswith("lamoo bench --tasks toy --methods random lamoo-random --seeds 0-3 --budget 10 "
                                  "--batch-size 2 --n-init 4 --add-task toy=tests.toys:FiniteToyTask --out ")
    assert "--methods pymoo-nsga2 --seeds 0,1 " in commands[1] and len(commands) == 2
    assert "| `random` | 4 |" in text and "> 9 [7.5, > 10]" in text and "> 10 [> 10, > 10]" in text
    assert "| `lamoo-random` | 4 |" in text and "4.5 [3.75, 5.25]" in text and "9.5 [8, > 10]" in text
    assert "| `pymoo-nsga2` | 1 (+1 failed) |" in text and "max [max, max]" in text
    # X / LaMOO(X): 99%: > 9 / 4.5 = > 2; 99.9%: > 10 / 9.5 = > 1.05
    assert "| `random` | `lamoo-random` | > 2.00 | > 1.05 |" in text
    assert "censored" in text
    # repeats are not a finite-space matter only (Optuna's NSGA-II repeats points on branin-currin)
    assert "peers on finite spaces" not in text and "on continuous spaces as well as finite ones" in text
    assert "## Failed runs" in text and "RuntimeError: exploded" in text
    png = folder / "plots" / "toy.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "(plots/toy.png)" in text
    # the methods come in a fixed order: samplers alone, wrapped, then peers
    assert text.index("| `random` |") < text.index("| `lamoo-random` |") < text.index("| `pymoo-nsga2` |")


def test_report_of_an_empty_or_missing_folder(tmp_path):
    with pytest.raises(InvalidInputError, match="no run records"):
        write_report(tmp_path)
    with pytest.raises(InvalidInputError, match="not found"):
        write_report(tmp_path / "missing")


def test_a_committed_results_folder_without_its_records_says_how_to_make_them(tmp_path, capsys):
    """A fresh clone has REPORT.md and grid.json but not json/ (ignored by git)."""
    from lamoo.cli import main

    (tmp_path / "REPORT.md").write_text("# report\n")
    (tmp_path / "grid.json").write_text('{"commands": []}\n')
    with pytest.raises(InvalidInputError, match=r"not committed.*'lamoo bench' commands listed in .*REPORT\.md"):
        write_report(tmp_path)
    assert main(["bench-report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "json/ does not exist" in err and "grid.json" in err and "not committed" in err


def test_other_thresholds(folder):
    text = write_report(folder, thresholds=(0.5, 0.99)).read_text()
    assert "samples to 50.0%" in text and "samples to 99.9%" not in text
    assert "--thresholds 0.5,0.99" in text
    # every trace starts at 50 = 50% of the maximum: reached after 1 sample
    assert "| `random` | 4 |" in text and "1 [1, 1]" in text


def test_commands_cover_exactly_the_runs_present_after_an_interrupted_grid(tmp_path):
    """Grid A (4 methods, seeds 0-3, two tasks) is interrupted during seed 1; grid B (2 of its
    methods, seeds 0-3) finishes. The qLogEHVI methods have seed 0 only (and toy seed 1 for
    qlogehvi): neither typed command reproduces this folder, the report's commands must."""
    trace = trace_reaching({0.99: 6})
    runs = [record(t, m, s, trace) for s in range(4) for t in ("toy", "branin-currin") for m in ("random", "lamoo-random")]
    runs += [record(t, m, 0, trace) for t in ("toy", "branin-currin") for m in ("qlogehvi", "lamoo-qlogehvi")]
    runs.append(record("toy", "qlogehvi", 1, trace))
    # another setting in the same folder (e.g. a grid with another table): a command of its own
    table = tmp_path / "other_table.csv"
    runs.append(record("toy", "random", 7, trace, budget=12, task_options={"table": str(table)}))
    text = write_report(write_records(tmp_path, runs)).read_text()
    commands = commands_in(text)
    assert runs_of(commands) == {(r["task"], r["method"], r["seed"]) for r in runs}
    assert len(commands) == 4, commands
    qlog = [c for c in commands if "qlogehvi" in c]
    assert all("--seeds 0-3" not in c for c in qlog) and all("--budget 10 " in c for c in qlog)
    assert any("--budget 12 " in c and f"--table {table}" in c and "--seeds 7 " in c for c in commands)
    # the settings of every command are those of its runs
    for command in commands:
        assert "--batch-size 2 --n-init 4" in command and "--workers" not in command


def test_indicators_get_their_own_table_with_medians_over_runs(tmp_path):
    runs = []
    for seed, igd in enumerate([0.1, 0.2, 0.3]):
        r = record("toy", "random", seed, trace_reaching({0.99: 6}))
        r["indicators"] = {"igd": igd, "igd_plus": igd / 2, "epsilon_additive": None if seed == 2 else igd * 3}
        runs.append(r)
    runs.append(record("toy", "lamoo-random", 0, trace_reaching({0.99: 3})))  # an older record: no indicators
    text = write_report(write_records(tmp_path, runs)).read_text()
    assert "Indicators against the task's exact Pareto front" in text
    assert "| `random` | 0.2 [0.15, 0.25] | 0.1 [0.075, 0.125] | 0.45 [0.375, 0.525] |" in text
    assert "| `lamoo-random` | n/a | n/a | n/a |" in text


def test_a_bench_run_on_a_task_with_a_known_front_records_its_indicators():
    from lamoo.bench.runner import run_method
    from lamoo.bench.methods import plan_method
    from lamoo.bench.planning import RunSpec
    from tests.lamoo.test_indicators import KnownFront

    plan = plan_method("random")
    spec = RunSpec(task="toy", task_path="unused", task_options={}, method=plan.to_dict(), seed=0, budget=12,
                   batch_size=2, n_init=4, path="unused")
    out = run_method(KnownFront(), plan, spec)
    assert set(out["indicators"]) == {"igd", "igd_plus", "epsilon_additive"} and out["indicators"]["igd"] >= 0


def test_the_runs_table_keeps_one_row_per_run_with_samples_to_each_threshold(folder):
    import csv

    write_report(folder)
    rows = list(csv.DictReader((folder / "runs.csv").open()))
    assert [(r["method"], r["seed"]) for r in rows] == [
        ("lamoo-random", str(s)) for s in range(4)] + [("pymoo-nsga2", "0"), ("pymoo-nsga2", "1")] + [
        ("random", str(s)) for s in range(4)]
    by = {(r["method"], int(r["seed"])): r for r in rows}
    assert by[("lamoo-random", 1)]["samples_to_99%"] == "4" and by[("lamoo-random", 1)]["samples_to_99.9%"] == "9"
    assert by[("random", 2)]["samples_to_99%"] == "" and by[("random", 2)]["n_evaluations"] == str(BUDGET)
    assert by[("random", 0)]["samples_to_90%"] == "6"  # the trace jumps from 50% to 99% after 6
    assert float(by[("random", 2)]["final_log10_gap"]) == pytest.approx(np.log10(50.0))
    assert float(by[("pymoo-nsga2", 0)]["final_hypervolume"]) == MAX_HV
    assert by[("pymoo-nsga2", 1)]["status"] == "error" and by[("pymoo-nsga2", 1)]["error"] == "RuntimeError: exploded"
    assert "`runs.csv`" in (folder / "REPORT.md").read_text()
    # another report of the same folder keeps its own table
    write_report(folder, out=folder / "REPORT-other.md", thresholds=(0.5,))
    other = list(csv.DictReader((folder / "runs-other.csv").open()))
    assert len(other) == len(rows) and other[0]["samples_to_50%"] == "1"
