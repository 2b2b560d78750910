"""The grid runner end to end on tiny budgets: files, schema, resume, failures, workers, CLI."""
import json
import os
from pathlib import Path

import numpy as np
import pytest

from lamoo.bench.run import main as bench_main
from lamoo.pareto import hypervolume_trace
from lamoo.sampler import Sampler
from lamoo.task import ObjectiveSpec, to_minimization

ALL_METHODS = ["random", "lamoo-random", "optuna-nsga2", "optuna-motpe", "pymoo-nsga2"]
TOY = "toy=tests.toys:FiniteToyTask"


class BoomSampler(Sampler):
    """A sampler whose proposals always raise (a broken optimizer)."""

    name = "boom"

    def propose(self, region, archive, n, rng):
        raise RuntimeError("boom: the optimizer crashed")


def bench(out, *extra, methods=("random",), tasks=("branin-currin",), seeds="0", budget=20):
    return bench_main(["--tasks", *tasks, "--methods", *methods, "--seeds", seeds, "--budget", str(budget),
                       "--n-init", "10", "--batch-size", "5", "--workers", "0", "--no-progress", "--add-task", TOY,
                       "--out", str(out), *extra])


def files(out) -> dict[str, float]:
    return {p.name: p.stat().st_mtime_ns for p in sorted((Path(out) / "json").glob("*.json"))}


def test_grid_writes_one_complete_record_per_run_and_resumes(tmp_path, capsys):
    out = tmp_path / "res"
    assert bench(out, methods=ALL_METHODS, tasks=("branin-currin", "toy")) == 0
    written = files(out)
    assert len(written) == 10
    assert "branin-currin__lamoo-random__s0.json" in written and "toy__pymoo-nsga2__s0.json" in written
    for name in written:
        r = json.loads((out / "json" / name).read_text())
        assert r["status"] == "ok", r.get("traceback")
        for key in ("task", "method", "seed", "config", "budget", "batch_size", "n_init", "ref_point",
                    "max_hypervolume", "hypervolume_trace", "timing", "versions", "command", "objectives", "X", "Y"):
            assert key in r, key
        assert (r["budget"], r["batch_size"], r["n_init"], r["n_evaluations"]) == (20, 5, 10, 20)
        assert r["threads"] == "1"
        assert r["versions"]["optuna"] and r["versions"]["pymoo"] and r["versions"]["lamoo"]
        its = r["timing"]["iterations"]
        assert [it["size"] for it in its] == [10, 5, 5] and [it["n_evaluated"] for it in its] == [10, 15, 20]
        t = r["timing"]
        assert t["optimizer_seconds"] > 0 and t["evaluation_seconds"] > 0
        assert t["optimizer_seconds"] + t["evaluation_seconds"] <= r["wall_seconds"]
        # the stored trace is the hypervolume of the stored evaluations
        objectives = [ObjectiveSpec(o["name"], o["direction"]) for o in r["objectives"]]
        F = to_minimization(np.array(r["Y"], dtype=float), objectives)
        np.testing.assert_allclose(r["hypervolume_trace"], hypervolume_trace(F, to_minimization(r["ref_point"], objectives)))
        assert r["final_hypervolume"] == r["hypervolume_trace"][-1]
    by_task = {}
    for name in written:
        r = json.loads((out / "json" / name).read_text())
        by_task.setdefault(r["task"], []).append(np.array(r["X"])[:10])
    for task, inits in by_task.items():  # every method of a seed starts from the same design
        for X in inits[1:]:
            np.testing.assert_array_equal(X, inits[0])
    lamoo_cfg = json.loads((out / "json" / "branin-currin__lamoo-random__s0.json").read_text())["config"]
    assert lamoo_cfg["name"] == "lamoo" and lamoo_cfg["params"]["sampler"]["name"] == "random"
    probe = json.loads((out / "json" / "toy__lamoo-random__s0.json").read_text())["lamoo"]
    assert [p["n_evaluated"] for p in probe] == [15, 20] and [p["n_valid"] for p in probe] == [10, 15]
    assert all(0 < p["region_members"] <= p["n_valid"] and 1 <= p["tree_leaves"] <= p["tree_nodes"] for p in probe)
    assert all(0 <= p["depth"] <= p["selected_depth"] and p["depth"] == p["selected_depth"] - p["relaxed"]
               for p in probe)
    assert json.loads((out / "json" / "toy__lamoo-random__s0.json").read_text())["task_path"] == "tests.toys:FiniteToyTask"
    assert json.loads((out / "json" / "branin-currin__random__s0.json").read_text())["task_path"] == \
        "lamoo.problems:branin_currin"  # the lamoo.tasks entry point
    from lamoo.bench.report import write_report

    assert "LaMOO diagnostics" in write_report(out).read_text()
    capsys.readouterr()

    # resume: nothing to do, nothing rewritten
    assert bench(out, methods=ALL_METHODS, tasks=("branin-currin", "toy")) == 0
    assert "10 done" in capsys.readouterr().out and files(out) == written
    # a lost file is the only run made again
    (out / "json" / "toy__optuna-motpe__s0.json").unlink()
    assert bench(out, methods=ALL_METHODS, tasks=("branin-currin", "toy")) == 0
    assert "1 to run" in capsys.readouterr().out
    again = files(out)
    assert {k for k in again if again[k] != written.get(k)} == {"toy__optuna-motpe__s0.json"}
    manifest = json.loads((out / "grid.json").read_text())
    assert len(manifest["commands"]) == 2 and manifest["commands"][0]["command"].startswith("lamoo bench --tasks")


def test_a_failing_run_is_recorded_and_the_grid_goes_on(tmp_path, monkeypatch, capsys):
    from lamoo.testing import write_entry_points

    boom = {"lamoo.samplers": {"boom": "tests.bench.test_grid:BoomSampler"}}
    monkeypatch.syspath_prepend(str(write_entry_points(tmp_path / "entry_points", boom)))
    out = tmp_path / "res"
    assert bench(out, methods=("boom", "random", "lamoo-boom"), budget=15) == 0
    assert "2 failed" in capsys.readouterr().out
    records = {p.name: json.loads(p.read_text()) for p in (out / "json").glob("*.json")}
    assert len(records) == 3
    assert records["branin-currin__random__s0.json"]["status"] == "ok"
    for name in ("branin-currin__boom__s0.json", "branin-currin__lamoo-boom__s0.json"):
        assert records[name]["status"] == "error"
        assert "boom: the optimizer crashed" in records[name]["error"]
        assert "Traceback" in records[name]["traceback"]
    before = files(out)
    assert bench(out, methods=("boom", "random", "lamoo-boom"), budget=15) == 0
    assert "2 failed before" in capsys.readouterr().out and files(out) == before  # kept, not retried
    assert bench(out, "--retry-failed", methods=("boom", "random", "lamoo-boom"), budget=15) == 0
    after = files(out)
    assert after["branin-currin__random__s0.json"] == before["branin-currin__random__s0.json"]
    assert after["branin-currin__boom__s0.json"] != before["branin-currin__boom__s0.json"]
    report = (out / "REPORT.md")
    from lamoo.bench.report import write_report

    write_report(out)
    assert "## Failed runs" in report.read_text()


def test_other_settings_in_the_same_folder_are_refused(tmp_path, capsys):
    out = tmp_path / "res"
    assert bench(out, budget=15) == 0
    assert bench(out, budget=20) == 2
    assert "budget 15 in the file vs 20 asked" in capsys.readouterr().err


def table_toy(table=None):
    """A task factory that takes a ``table`` (as the NB201 tasks do) and ignores it."""
    from tests.toys import FiniteToyTask

    return FiniteToyTask()


def test_another_table_in_the_same_folder_is_refused(tmp_path, capsys):
    from lamoo.bench.planning import RunSpec, plan_grid
    from lamoo.exceptions import InvalidInputError
    from nas_tasks.nb201.presets import DEFAULT_NB201_TABLE

    out = tmp_path / "res"
    args = ("--add-task", "tabletoy=tests.bench.test_grid:table_toy")
    assert bench(out, *args, "--table", str(tmp_path / "a.csv"), tasks=("tabletoy",), budget=15) == 0
    capsys.readouterr()
    assert bench(out, *args, "--table", str(tmp_path / "b.csv"), tasks=("tabletoy",), budget=15) == 2
    err = capsys.readouterr().err
    assert "other settings" in err and f"--table {tmp_path / 'a.csv'} in the file vs {tmp_path / 'b.csv'} asked" in err
    assert bench(out, *args, "--table", str(tmp_path / "a.csv"), tasks=("tabletoy",), budget=15) == 0  # resumes
    assert "1 done" in capsys.readouterr().out
    # without --table a table task reads the default table: the same as naming it
    path = tmp_path / "nb.json"
    path.write_text(json.dumps({"status": "ok", "budget": 15, "batch_size": 5, "n_init": 10,
                                "task_path": "nas_tasks.nb201.presets:nb201_c10_flops",
                                "task_options": {"table": str(DEFAULT_NB201_TABLE)}}))
    spec = RunSpec(task="nb201-c10-flops", task_path="nas_tasks.nb201.presets:nb201_c10_flops", task_options={},
                   method={"label": "random"}, seed=0, budget=15, batch_size=5, n_init=10, path=str(path))
    assert len(plan_grid([spec]).done) == 1
    # a record written before the harness moved into lamoo.bench names the old factory path
    path.write_text(json.dumps({"status": "ok", "budget": 15, "batch_size": 5, "n_init": 10,
                                "task_path": "benchmarks.tasks:nb201_c10_flops", "task_options": {}}))
    assert len(plan_grid([spec]).done) == 1
    other = RunSpec(**{**spec.__dict__, "task_options": {"table": str(tmp_path / "a.csv")}})
    with pytest.raises(InvalidInputError, match="--table .*nb201_cifar.csv in the file vs .*a.csv asked"):
        plan_grid([other])


def test_bad_grids_fail_before_running(tmp_path, capsys):
    out = tmp_path / "res"
    assert bench(out, tasks=("nope",)) == 2
    assert "unknown task 'nope'" in capsys.readouterr().err
    assert bench(out, tasks=("branin-currin:dim=3",)) == 2
    assert "takes no option(s) ['dim']" in capsys.readouterr().err
    assert bench(out, "--table", str(tmp_path / "absent.csv"), tasks=("nb201-c10-flops",)) == 2
    assert "absent.csv" in capsys.readouterr().err
    assert not (out / "json").exists()


def test_spawned_workers_limit_threads(tmp_path):
    out = tmp_path / "res"
    assert bench_main(["--tasks", "branin-currin", "--methods", "random", "--seeds", "0-1", "--budget", "12",
                       "--n-init", "10", "--batch-size", "2", "--workers", "2", "--no-progress", "--out", str(out)]) == 0
    records = [json.loads(p.read_text()) for p in (out / "json").glob("*.json")]
    assert len(records) == 2
    for r in records:
        assert r["status"] == "ok" and r["threads"] == "1" and r["torch_threads"] == 1


def test_limit_threads_reaches_libraries_already_loaded():
    import numpy  # noqa: F401 - its BLAS is loaded before the limit, as in a workers=0 grid
    from threadpoolctl import threadpool_info, threadpool_limits

    from lamoo.bench.pool import THREAD_VARS, limit_threads

    env = {var: os.environ.get(var) for var in THREAD_VARS}
    before = {pool["prefix"]: pool["num_threads"] for pool in threadpool_info()}
    try:
        limit_threads(1)
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
        assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    finally:
        threadpool_limits(limits=before)
        for var, value in env.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value
    assert {pool["prefix"]: pool["num_threads"] for pool in threadpool_info()} == before


def test_lamoo_cli_commands(tmp_path, capsys):
    from lamoo.cli import main

    out = tmp_path / "res"
    assert main(["bench", "--tasks", "branin-currin", "--methods", "random,lamoo-random:leaf_size=5",
                 "--lamoo-param", "cp_fraction=0.05", "--seeds", "0", "--budget", "15", "--n-init", "10",
                 "--workers", "0", "--no-progress", "--out", str(out), "--report"]) == 0
    names = sorted(p.name for p in (out / "json").glob("*.json"))
    assert names == ["branin-currin__lamoo-random+cp_fraction=0.05+leaf_size=5__s0.json", "branin-currin__random__s0.json"]
    r = json.loads((out / "json" / names[0]).read_text())
    assert r["config"]["params"]["cp_fraction"] == 0.05 and r["config"]["params"]["leaf_size"] == 5
    assert (out / "REPORT.md").exists() and (out / "plots" / "branin-currin.png").exists()
    # the report's commands, rebuilt from the records (--lamoo-param is in the label), make these runs
    from tests.bench.test_report import commands_in, runs_of

    assert runs_of(commands_in((out / "REPORT.md").read_text())) == {
        ("branin-currin", "random", 0), ("branin-currin", "lamoo-random:cp_fraction=0.05:leaf_size=5", 0)}
    assert main(["bench-report", str(out)]) == 0
    assert "REPORT.md" in capsys.readouterr().out
    assert main(["bench", "--tasks", "branin-currin", "--methods", "random", "--seeds", "0-2", "--budget", "15",
                 "--n-init", "10", "--out", str(out), "--list"]) == 0
    listing = capsys.readouterr().out
    assert "done" in listing and listing.count("todo") == 2
    with pytest.raises(SystemExit):
        main(["bench", "--help"])
    assert "lamoo-X" in capsys.readouterr().out


def test_nb201_task_plugs_in(tmp_path, monkeypatch):
    """The nb201 presets are lamoo.tasks entry points; on the shared table when it is there,
    else on a small made-up table given with --table."""
    pytest.importorskip("torch")
    from nas_tasks.nb201.presets import DEFAULT_NB201_TABLE
    from tests.nas_tasks.fake_benchmarks import synthetic_frame

    table = []
    if not DEFAULT_NB201_TABLE.is_file():
        monkeypatch.setenv("LAMOO_CACHE_DIR", str(tmp_path / "cache"))
        synthetic_frame(120).to_csv(tmp_path / "t.csv", index=False)
        table = ["--table", str(tmp_path / "t.csv")]
    out = tmp_path / "res"
    assert bench_main(["--tasks", "nb201-c10-flops", "--methods", "random", "lamoo-random", "optuna-motpe", "pymoo-nsga2",
                       "--seeds", "0", "--budget", "20", "--n-init", "10", "--workers", "0", "--no-progress",
                       "--out", str(out), *table]) == 0
    for p in (out / "json").glob("*.json"):
        r = json.loads(p.read_text())
        assert r["status"] == "ok", r.get("traceback")
        assert r["max_hypervolume"] > 0 and [o["name"] for o in r["objectives"]] == ["cifar10_test_acc", "flops"]
        X = np.array(r["X"])
        assert X.shape == (20, 6) and set(np.unique(X)) <= {0.0, 1.0, 2.0, 3.0, 4.0}
