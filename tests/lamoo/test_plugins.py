import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from lamoo import plugins
from lamoo.cli import main
from lamoo.exceptions import InvalidInputError, PluginError
from lamoo.journal import read_journal
from lamoo.testing import registered_entry_points
from samplers import RandomSampler
from tests.toys import ToyTask

ROOT = Path(__file__).resolve().parents[2]


class SmallTask(ToyTask):
    """A task class no entry point names: ``--task tests.lamoo.test_plugins:SmallTask``."""

    def __init__(self, d: int = 2):
        super().__init__(d=d)


class FirstCoordinateSampler(RandomSampler):
    """A user's sampler: random points with the first coordinate at its lower bound."""

    name = "first-coordinate"

    def propose(self, region, archive, n, rng):
        proposal = super().propose(region, archive, n, rng)
        X = proposal.X.copy()
        X[:, 0] = region.space.lower[0]
        return type(proposal)(X, region, {"pinned": 0})


def test_load_object_names_the_path_it_cannot_load():
    assert plugins.load_object("tests.lamoo.test_plugins:SmallTask.__init__") is SmallTask.__init__
    for bad, match in [("nocolon", "expected an import path 'module:attribute', got 'nocolon'"),
                       ("no_such_module_xyz:X", "cannot load 'no_such_module_xyz:X': ModuleNotFoundError"),
                       ("tests.lamoo.test_plugins:Nope", "cannot load 'tests.lamoo.test_plugins:Nope': AttributeError")]:
        with pytest.raises(InvalidInputError, match=match):
            plugins.load_object(bad)


def test_our_own_plugins_are_entry_points():
    assert plugins.list_samplers() == ["cmaes", "evolution", "local", "nsga2", "qehvi", "qlogehvi", "qlognehvi", "random",
                                       "xnas"]
    assert {"branin-currin", "vehicle-safety", "dtlz2"} <= set(plugins.list_tasks())
    assert {"nb201", "nb201-train"} <= set(plugins.task_plugins())
    assert {"analyze", "bench", "bench-report", "prefer"} <= set(plugins.commands())


def test_registered_tasks_take_their_options_as_keywords():
    pytest.importorskip("botorch")
    task = plugins.get_task("dtlz2", dim=5, num_objectives=3)
    assert task.space.n_dims == 5 and len(task.objectives) == 3
    with pytest.raises(InvalidInputError, match="task 'dtlz2' rejected the unknown argument 'size'; it accepts: "
                                                "dim, num_objectives"):
        plugins.get_task("dtlz2", size=3)
    with pytest.raises(InvalidInputError, match="unknown task 'nope'; available: .*branin-currin"):
        plugins.get_task("nope")
    assert plugins.accepted_options(plugins.task_factory("dtlz2"), {"dim": 7, "table": "t.csv"}) == {"dim": 7}


def test_a_package_adds_a_sampler_and_a_task_with_one_entry_point_each(tmp_path):
    groups = {"lamoo.samplers": {"first-coordinate": "tests.lamoo.test_plugins:FirstCoordinateSampler"},
              "lamoo.tasks": {"small": "tests.lamoo.test_plugins:SmallTask"}}
    assert "first-coordinate" not in plugins.list_samplers()
    with registered_entry_points(groups):
        assert "first-coordinate" in plugins.list_samplers() and "small" in plugins.list_tasks()
        assert isinstance(plugins.get_sampler("first-coordinate"), FirstCoordinateSampler)
        assert plugins.get_task("small", d=3).space.n_dims == 3
        out = tmp_path / "run"
        assert main(["optimize", "--task", "small", "--param", "d=3", "--sampler", "first-coordinate", "--budget",
                     "12", "--n-init", "8", "--out", str(out), "--no-progress"]) == 0
    header, records = read_journal(out / "journal.jsonl")
    assert header["task"]["class"] == "tests.lamoo.test_plugins.SmallTask" and len(header["space"]["names"]) == 3
    assert [r["x"][0] for r in records[8:]] == [0.0] * 4 and records[8]["proposal"] == {"pinned": 0}
    assert "first-coordinate" not in plugins.list_samplers()  # gone with the block


def test_an_unregistered_task_by_import_path(tmp_path):
    out = tmp_path / "run"
    assert main(["optimize", "--task", "tests.lamoo.test_plugins:SmallTask", "--param", "d=4", "--budget", "12",
                 "--out", str(out), "--no-progress"]) == 0
    assert len(read_journal(out / "journal.jsonl")[0]["space"]["names"]) == 4


def test_a_registered_problem_through_task_and_problem(tmp_path):
    pytest.importorskip("botorch")
    runs = {}
    for option in ("--task", "--problem"):
        out = tmp_path / option.strip("-")
        assert main(["optimize", option, "dtlz2", "--param", "dim=4", "--budget", "12", "--out", str(out),
                     "--no-progress"]) == 0
        runs[option] = [r["x"] for r in read_journal(out / "journal.jsonl")[1]]
    assert runs["--task"] == runs["--problem"]


def test_a_broken_plugin_is_reported_and_the_rest_still_works(tmp_path, capsys):
    groups = {"lamoo.task_plugins": {"broken": "no_such_module_xyz:PLUGIN"},
              "lamoo.samplers": {"broken": "no_such_module_xyz:Sampler"},
              "lamoo.commands": {"broken-command": "no_such_module_xyz"}}
    with registered_entry_points(groups):
        assert isinstance(plugins.task_plugins()["broken"], plugins.Unavailable)
        with pytest.raises(PluginError, match=r"sampler 'broken' \(lamoo.samplers = 'no_such_module_xyz:Sampler'\) "
                                              r"could not be loaded: ModuleNotFoundError"):
            plugins.get_sampler("broken")
        assert main(["optimize", "--task", "broken", "--budget", "12", "--out", str(tmp_path / "x"),
                     "--no-progress"]) == 2
        assert "task plug-in 'broken'" in capsys.readouterr().err
        assert main(["broken-command"]) == 2
        assert "command 'broken-command'" in capsys.readouterr().err
        assert main(["optimize", "--task", "tests.lamoo.test_plugins:SmallTask", "--budget", "12", "--out",
                     str(tmp_path / "y"), "--no-progress"]) == 0


def test_a_name_registered_twice_is_reported():
    groups = {"lamoo.samplers": {"random": "tests.lamoo.test_plugins:FirstCoordinateSampler"}}
    with registered_entry_points(groups), pytest.warns(RuntimeWarning, match="'random' is registered twice"):
        plugins.get_sampler("random")


@pytest.mark.slow
def test_a_pip_installed_package_registers_its_sampler(tmp_path):
    # the real thing: a throwaway package built and installed by pip (into a folder of its own)
    pkg = tmp_path / "src"
    (pkg / "mypkg").mkdir(parents=True)
    (pkg / "mypkg" / "__init__.py").write_text(textwrap.dedent("""
        from samplers import RandomSampler

        class MySampler(RandomSampler):
            name = "mine"

        class MyTask:
            def __init__(self):
                from tests.toys import ToyTask
                toy = ToyTask(d=2)
                self.space, self.objectives, self.ref_point = toy.space, toy.objectives, toy.ref_point
                self.evaluate = toy.evaluate
        """))
    (pkg / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "mypkg"
        version = "0.0.1"
        [project.entry-points."lamoo.samplers"]
        mine = "mypkg:MySampler"
        """))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target",
                    str(target), str(pkg)], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)])}
    out = tmp_path / "run"
    subprocess.run([sys.executable, "-m", "lamoo.cli", "optimize", "--task", "mypkg:MyTask", "--sampler", "mine",
                    "--budget", "9", "--out", str(out), "--no-progress"], check=True, capture_output=True, env=env)
    header = json.loads((out / "journal.jsonl").read_text().splitlines()[0])
    assert header["sampler"]["class"] == "mypkg.MySampler" and header["task"]["class"] == "mypkg.MyTask"


def _imports(path: Path) -> set[str]:
    """Every module name ``path`` imports (at any depth of its code) or holds as a string shaped
    like an import path (``"pkg.module"``, ``"pkg.module:attr"``)."""
    import ast
    import re

    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                re.fullmatch(r"[A-Za-z_]\w*(\.\w+)+(:[\w.]+)?|[A-Za-z_]\w*:[\w.]+", node.value.strip()):
            names.add(node.value.strip().split(":")[0])
    return names


def test_the_core_names_none_of_its_plugins():
    outside = ("samplers", "nas_tasks", "benchmarks")
    for path in sorted((ROOT / "lamoo").rglob("*.py")):
        if "bench" in path.relative_to(ROOT / "lamoo").parts[:1]:
            continue  # lamoo/bench reaches samplers and tasks through lamoo.plugins
        named = {name for name in _imports(path) if name.split(".")[0] in outside}
        assert not named, f"{path.relative_to(ROOT)} names {sorted(named)}"


def test_no_import_loop_between_the_core_and_sampler_modules():
    modules = {}
    for package in ("lamoo", "samplers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    graph = {name: {m for m in _imports(path) if m in modules and m not in ("lamoo", "samplers")}
             for name, path in modules.items()}
    state: dict[str, int] = {}

    def visit(name, stack):
        state[name] = 1
        for dep in sorted(graph[name]):
            assert state.get(dep) != 1, f"import loop: {' -> '.join(stack + [name, dep])}"
            if dep not in state:
                visit(dep, stack + [name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert np.all([state[name] == 2 for name in graph])
