import pytest

from benchmarks.methods import inner_label, plan_method
from benchmarks.run import parse_seeds
from benchmarks.specs import Spec, run_filename, split_list
from benchmarks.tasks import DEFAULT_NB201_TABLE, TASKS, build_task, resolve_table
from lamoo.exceptions import InvalidInputError


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
    ("random:bogus=1", "method 'random:bogus=1': sampler 'random' rejected the unknown argument 'bogus'"),
    ("optuna-motpe:bogus=1", "unknown option"),
    ("pymoo-nsga2:pop_size=-3", "positive"),
])
def test_bad_methods_fail_before_the_grid(bad, match):
    with pytest.raises(InvalidInputError, match=match):
        plan_method(bad)


def test_task_registry_names():
    for name in ("branin-currin", "vehicle-safety", "dtlz2", "nb201-c10-flops", "nb201-c100-params",
                 "nb201-c10-fpga", "nb201-c10-params-raspi4"):
        assert name in TASKS
    assert DEFAULT_NB201_TABLE.parts[-4:] == ("shared", "data", "nb201", "nb201_cifar.csv")


def test_missing_nb201_table_names_the_file(tmp_path):
    missing = tmp_path / "no_such_table.csv"
    with pytest.raises(InvalidInputError, match="no_such_table.csv"):
        resolve_table(missing)
    with pytest.raises(InvalidInputError, match="no_such_table.csv"):
        build_task(TASKS["nb201-c10-flops"], {"table": str(missing)})


def test_task_options_reach_the_factory():
    task = build_task(TASKS["dtlz2"], {"dim": 4, "table": "ignored: dtlz2 takes no table"})
    assert task.space.n_dims == 4


def test_the_default_table_is_found_beside_the_current_folder_of_an_installed_copy(tmp_path, monkeypatch):
    import benchmarks.tasks as tasks

    table = tmp_path / "shared" / "data" / "nb201" / "nb201_cifar.csv"
    table.parent.mkdir(parents=True)
    table.write_text("arch\n")
    (tmp_path / "repo").mkdir()
    monkeypatch.setattr(tasks, "REPO_ROOT", tmp_path / "venv" / "site-packages")  # as after `pip install .`
    monkeypatch.chdir(tmp_path / "repo")
    assert tasks._default_nb201_table() == table.resolve()
