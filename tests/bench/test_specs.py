from pathlib import Path

import pytest

from lamoo import plugins
from lamoo.bench.methods import inner_label, plan_method
from lamoo.bench.specs import Spec, parse_seeds, run_filename, seeds_text, split_list
from lamoo.bench.tasks import build_task, registered_task_path
from lamoo.exceptions import InvalidInputError
from nas_tasks.nb201.presets import DEFAULT_NB201_TABLE, resolve_table


def test_spec_label_is_canonical():
    a = Spec.parse("lamoo-random:leaf_size=20:cp_fraction=0.05")
    b = Spec.parse("lamoo-random:cp_fraction=0.05:leaf-size=20")
    assert a == b
    assert a.options == {"cp_fraction": 0.05, "leaf_size": 20}
    assert a.label == "lamoo-random:cp_fraction=0.05:leaf_size=20"
    assert Spec.parse("dtlz2").label == "dtlz2"
    assert Spec.parse("x:kernel=rbf:flag=true").options == {"kernel": "rbf", "flag": True}
    assert run_filename("dtlz2:dim=8", a.label, 3) == "dtlz2+dim=8__lamoo-random+cp_fraction=0.05+leaf_size=20__s3.json"


@pytest.mark.parametrize("bad", ["", ":a=1", "random:cp", "ran dom", "random:=3"])
def test_bad_specs_are_rejected(bad):
    with pytest.raises(InvalidInputError):
        Spec.parse(bad)


def test_split_list_and_seeds():
    assert split_list(["a,b", "c", " d , ,e"]) == ["a", "b", "c", "d", "e"]
    assert parse_seeds("0-3,7") == [0, 1, 2, 3, 7]
    assert parse_seeds("5") == [5]
    import argparse

    for bad in ("3-1", "a", "-1", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_seeds(bad)
    for seeds in ([0, 1, 2, 3, 7, 9], [5], [0, 1], [2, 4, 5, 6, 8]):
        assert parse_seeds(seeds_text(seeds)) == seeds
    assert seeds_text([9, 0, 1, 2, 3, 7]) == "0-3,7,9"


def test_method_plans():
    plain = plan_method("random")
    assert (plain.kind, plain.sampler, plain.label) == ("sampler", "random", "random")
    wrapped = plan_method("lamoo-random:leaf_size=5", {"cp_fraction": 0.05})
    assert wrapped.kind == "lamoo" and wrapped.sampler == "random"
    assert wrapped.lamoo_params == {"cp_fraction": 0.05, "leaf_size": 5}
    assert wrapped.label == "lamoo-random:cp_fraction=0.05:leaf_size=5"  # the global option is in the label
    assert inner_label(wrapped) == "random"
    assert plan_method("lamoo-random:cp_fraction=0.2", {"cp_fraction": 0.05}).lamoo_params == {"cp_fraction": 0.2}
    peer = plan_method("optuna-nsga2:population_size=20")
    assert (peer.kind, peer.peer, peer.peer_options) == ("peer", "optuna-nsga2", {"population_size": 20})


@pytest.mark.parametrize("bad, match", [
    ("nope", "unknown method 'nope'"),
    ("lamoo-nope", "unknown inner sampler 'nope'"),
    ("lamoo-random:cp_fraction=-1", "cp_fraction"),
    ("lamoo-random:bogus=1", "LaMOO rejected"),
    ("random:bogus=1", "method 'random:bogus=1': .*'bogus'"),
    ("optuna-motpe:bogus=1", "unknown option"),
    ("pymoo-nsga2:pop_size=-3", "positive"),
])
def test_bad_methods_fail_before_the_grid(bad, match):
    with pytest.raises(InvalidInputError, match=match):
        plan_method(bad)


BENCHMARK_TASKS = {
    "branin-currin": "lamoo.problems:branin_currin", "vehicle-safety": "lamoo.problems:vehicle_safety",
    "dtlz2": "lamoo.problems:dtlz2", "nb201-c10-flops": "nas_tasks.nb201.presets:nb201_c10_flops",
    "nb201-c100-params": "nas_tasks.nb201.presets:nb201_c100_params",
    "nb201-c10-fpga": "nas_tasks.nb201.presets:nb201_c10_fpga",
    "nb201-c10-params-raspi4": "nas_tasks.nb201.presets:nb201_c10_params_raspi4",
}


def test_the_benchmark_tasks_are_entry_points():
    """The names of the committed reports' commands are registered lamoo.tasks entry points."""
    assert set(BENCHMARK_TASKS) <= set(plugins.list_tasks())
    for name, path in BENCHMARK_TASKS.items():
        assert registered_task_path(name) == path
        assert callable(plugins.load_object(path))
    assert registered_task_path("no-such-task") is None
    assert DEFAULT_NB201_TABLE.parts[-4:] == ("shared", "data", "nb201", "nb201_cifar.csv")


def test_missing_nb201_table_names_the_file(tmp_path):
    missing = tmp_path / "no_such_table.csv"
    with pytest.raises(InvalidInputError, match="no_such_table.csv"):
        resolve_table(missing)
    with pytest.raises(InvalidInputError, match="no_such_table.csv"):
        build_task(BENCHMARK_TASKS["nb201-c10-flops"], {"table": str(missing)})
    with pytest.raises(InvalidInputError, match="no_such_table.csv"):
        plugins.get_task("nb201-c100-params", table=str(missing))


def test_task_options_reach_the_factory():
    from lamoo.bench.tasks import run_options

    options = run_options("dtlz2:dim=4", BENCHMARK_TASKS["dtlz2"], {"dim": 4}, table="ignored: dtlz2 takes no table")
    assert options == {"dim": 4}
    assert build_task(BENCHMARK_TASKS["dtlz2"], options).space.n_dims == 4
    table_options = run_options("nb201-c10-flops", BENCHMARK_TASKS["nb201-c10-flops"], {}, table="t.csv")
    assert table_options == {"table": str(Path("t.csv").resolve())}
    with pytest.raises(InvalidInputError, match=r"task 'dtlz2:size=3': lamoo.problems:dtlz2 takes no option\(s\) \['size'\]"):
        run_options("dtlz2:size=3", BENCHMARK_TASKS["dtlz2"], {"size": 3})


def test_unknown_tasks_and_bad_add_task_say_what_is_expected():
    from lamoo.bench.tasks import parse_add_task, task_path

    with pytest.raises(InvalidInputError, match="unknown task 'nope'; available: .*branin-currin.*--add-task"):
        task_path("nope")
    assert task_path("toy", {"toy": "tests.toys:FiniteToyTask"}) == "tests.toys:FiniteToyTask"
    assert parse_add_task(["toy = tests.toys:FiniteToyTask"]) == {"toy": "tests.toys:FiniteToyTask"}
    for bad in ("toy", "toy=tests.toys", "=tests.toys:FiniteToyTask", "toy=:FiniteToyTask"):
        with pytest.raises(InvalidInputError, match=f"--add-task expects NAME=module:callable, got {bad!r}"):
            parse_add_task([bad])


def test_comparable_options_fill_in_the_factory_default_table(tmp_path):
    from lamoo.bench.tasks import comparable_task_options

    path = BENCHMARK_TASKS["nb201-c10-flops"]
    default = {"table": str(DEFAULT_NB201_TABLE.resolve())}
    assert comparable_task_options(path, {}) == default == comparable_task_options(path, default)
    assert comparable_task_options("benchmarks.tasks:nb201_c10_flops", {}) == default  # a pre-lamoo.bench record
    assert comparable_task_options(path, {"table": str(tmp_path / "a.csv")}) == {"table": str(tmp_path / "a.csv")}
    assert comparable_task_options(BENCHMARK_TASKS["dtlz2"], {"dim": 4}) == {"dim": 4}  # no table to fill in


def test_the_default_table_is_found_beside_the_current_folder_of_an_installed_copy(tmp_path, monkeypatch):
    import nas_tasks.nb201.presets as presets

    table = tmp_path / "shared" / "data" / "nb201" / "nb201_cifar.csv"
    table.parent.mkdir(parents=True)
    table.write_text("arch\n")
    (tmp_path / "repo").mkdir()
    monkeypatch.setattr(presets, "REPO_ROOT", tmp_path / "venv" / "site-packages")  # as after `pip install .`
    monkeypatch.chdir(tmp_path / "repo")
    assert presets.default_nb201_table() == table.resolve()
