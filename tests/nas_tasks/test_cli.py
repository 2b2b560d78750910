import json
from importlib.metadata import entry_points

from lamoo.cli import main
from tests.nas_tasks.fake_benchmarks import synthetic_frame


def test_the_task_plugins_are_registered_as_entry_points():
    plugins = {e.name: e for e in entry_points(group="lamoo.task_plugins")}
    assert {"nb201", "nb201-train"} <= set(plugins)
    for name in ("nb201", "nb201-train"):
        plugin = plugins[name].load()
        assert callable(plugin.add_arguments) and callable(plugin.build)


def test_optimize_on_a_table(tmp_path, capsys):
    table = tmp_path / "table.csv"
    synthetic_frame().to_csv(table, index=False)
    out = tmp_path / "run"
    rc = main(["optimize", "--task", "nb201", "--table", str(table), "--objectives", "cifar10_test_acc,energy_mj:min",
               "--dataset", "cifar10", "--sampler", "random", "--lamoo", "--features", "onehot", "--budget", "25",
               "--seed", "3", "--out", str(out), "--no-progress"])
    assert rc == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["evaluations"] == 25 and 0 < summary["hv_ratio"] <= 1
    header = json.loads((out / "journal.jsonl").read_text().splitlines()[0])
    assert header["task"]["task"] == "nb201-table" and header["task"]["objectives"][1] == "energy_mj:min"


def test_data_root_and_errors(tmp_path, capsys):
    synthetic_frame().to_csv(tmp_path / "table.csv", index=False)
    args = ["optimize", "--task", "nb201", "--objectives", "cifar10_test_acc,latency_ms_dev", "--budget", "12",
            "--out", str(tmp_path / "run"), "--no-progress"]
    assert main(args + ["--table", "table.csv", "--data-root", str(tmp_path)]) == 0
    args[args.index(str(tmp_path / "run"))] = str(tmp_path / "new")  # "run" holds a run now: refused first
    assert main(args) == 2
    assert "needs --table" in capsys.readouterr().err
    assert main(args + ["--table", str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv" in capsys.readouterr().err
    assert main(["optimize", "--task", "nb201", "--table", str(tmp_path / "table.csv"), "--no-progress",
                 "--out", str(tmp_path / "r2")]) == 2
    assert "needs --objectives" in capsys.readouterr().err


def test_a_pth_table_needs_trust_pickle(tmp_path, capsys):
    import pytest

    torch = pytest.importorskip("torch")
    pytest.importorskip("nas_201_api")
    from nas_tasks import nb201
    from tests.nas_tasks.fake_benchmarks import nb201_dict

    table = tmp_path / "NAS-Bench-201-tiny.pth"
    torch.save(nb201_dict([nb201.decode(c) for c in nb201.all_cells()[[0, 9, 99, 999, 9999]]]), table)
    args = ["optimize", "--task", "nb201", "--table", str(table), "--objectives", "cifar10_test_acc,flops",
            "--budget", "5", "--n-init", "3", "--batch-size", "2", "--no-progress"]
    assert main(args + ["--out", str(tmp_path / "refused")]) == 2
    err = capsys.readouterr().err
    assert "NAS-Bench-201-tiny.pth" in err and "Python pickle" in err and "--trust-pickle" in err
    assert main(args + ["--out", str(tmp_path / "run"), "--trust-pickle"]) == 0
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["evaluations"] == 5


def test_results_name_the_network_and_summary_names_the_run(tmp_path, capsys):
    import pandas as pd

    from lamoo import __version__

    frame = synthetic_frame()
    frame["index"] += 1000  # the table's own index column, not the row number
    frame.to_csv(tmp_path / "table.csv", index=False)
    out = tmp_path / "run"
    assert main(["optimize", "--task", "nb201", "--table", str(tmp_path / "table.csv"), "--objectives",
                 "cifar10_test_acc,latency_ms_dev", "--sampler", "nsga2", "--sampler-param", "pop_size=8",
                 "--budget", "15", "--seed", "4", "--out", str(out), "--no-progress"]) == 0
    for name in ("results.csv", "pareto.csv"):
        table = pd.read_csv(out / name)
        assert list(table.columns[1:3]) == ["arch", "table_index"], name
        rows = frame.set_index("arch").loc[table["arch"]]
        assert (rows["index"].to_numpy() == table["table_index"].to_numpy()).all()
        assert (rows["cifar10_test_acc"].to_numpy() == table["cifar10_test_acc"].to_numpy()).all()
    summary = json.loads((out / "summary.json").read_text())
    run = summary["run"]
    assert run["task"]["task"] == "nb201-table" and run["seed"] == 4 and run["lamoo_version"] == __version__
    assert run["sampler"]["name"] == "nsga2" and run["sampler"]["params"]["pop_size"] == 8
    assert run["libraries"]["numpy"] and run["libraries"]["moocore"] and summary["reported_with"]["python"]
    assert {"igd", "igd_plus", "epsilon_additive"} <= set(summary)  # the table knows its exact front
    (out / "pareto.csv").unlink()
    assert main(["report", str(out)]) == 0  # the task is rebuilt from the journal: labels again
    assert list(pd.read_csv(out / "pareto.csv").columns[1:3]) == ["arch", "table_index"]
    (tmp_path / "table.csv").unlink()
    assert main(["report", str(out)]) == 0
    assert "the task could not be rebuilt" in capsys.readouterr().out
    assert "arch" not in pd.read_csv(out / "pareto.csv").columns


def test_resume_needs_only_out(tmp_path, capsys):
    synthetic_frame().to_csv(tmp_path / "table.csv", index=False)
    out = tmp_path / "run"
    assert main(["optimize", "--task", "nb201", "--table", str(tmp_path / "table.csv"), "--objectives",
                 "cifar10_test_acc,latency_ms_dev", "--lamoo", "--leaf-size", "6", "--budget", "12", "--seed", "2",
                 "--out", str(out), "--no-progress"]) == 0
    assert main(["optimize", "--out", str(out), "--resume", "--budget", "20", "--no-progress"]) == 0
    assert "resuming" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["evaluations"] == 20 and summary["run"]["sampler"]["params"]["leaf_size"] == 6
