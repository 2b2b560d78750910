"""``lamoo bench`` and ``lamoo bench-report`` as lamoo.commands entry points, as modules run with
``python -m``, and from a folder whose own ``benchmarks/`` package would shadow an installed one."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lamoo import plugins
from lamoo.bench import report_command, run

ROOT = Path(__file__).resolve().parents[2]


def python(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run ``python args`` in ``cwd`` (which comes first on ``sys.path`` with ``-m``), one thread."""
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))  # tests.toys for --add-task
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_commands_are_entry_points():
    commands = plugins.commands()
    assert commands["bench"] is run.COMMAND and commands["bench-report"] is report_command.COMMAND
    for command in (run.COMMAND, report_command.COMMAND):
        assert isinstance(command.HELP, str) and command.HELP
        assert callable(command.add_arguments) and callable(command.run)


def test_a_user_benchmarks_folder_does_not_shadow_the_harness(tmp_path):
    """A project with its own ``benchmarks`` package (here one that fails on import, so any
    import of that name shows) runs ``lamoo bench`` and ``lamoo bench-report``."""
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "__init__.py").write_text("raise ImportError('the user benchmarks package was imported')\n")
    out = tmp_path / "res"
    bench = python(["-m", "lamoo.cli", "bench", "--tasks", "toy", "--add-task", "toy=tests.toys:FiniteToyTask",
                    "--methods", "random", "lamoo-random", "--seeds", "0", "--budget", "14", "--n-init", "8",
                    "--batch-size", "3", "--workers", "1", "--no-progress", "--out", "res"], tmp_path)
    assert bench.returncode == 0, bench.stderr
    assert sorted(p.name for p in (out / "json").glob("*.json")) == ["toy__lamoo-random__s0.json", "toy__random__s0.json"]
    assert all(json.loads(p.read_text())["status"] == "ok" for p in (out / "json").glob("*.json"))
    report = python(["-m", "lamoo.cli", "bench-report", "res"], tmp_path)
    assert report.returncode == 0, report.stderr
    assert "lamoo bench --tasks toy --methods random lamoo-random" in (out / "REPORT.md").read_text()


def test_the_modules_run_without_the_cli(tmp_path):
    listed = python(["-m", "lamoo.bench.run", "--tasks", "branin-currin", "--methods", "random", "--seeds", "0-2",
                     "--out", str(tmp_path / "res"), "--list"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("todo") == 3 and "branin-currin" in listed.stdout
    bad = python(["-m", "lamoo.bench.run", "--tasks", "nope", "--methods", "random", "--out", "res"], tmp_path)
    assert bad.returncode == 2 and "python -m lamoo.bench.run: error: unknown task 'nope'" in bad.stderr
    missing = python(["-m", "lamoo.bench.report_command", str(tmp_path / "absent")], tmp_path)
    assert missing.returncode == 2 and "results folder not found" in missing.stderr


@pytest.mark.parametrize("argv, message", [
    (["--seeds", "3-1"], "seeds must look like '0-9'"),
    (["--budget", "0"], "expected an integer >= 1, got '0'"),
    (["--workers", "-1"], "expected an integer >= 0, got '-1'"),
])
def test_bad_arguments_name_the_value(argv, message, capsys):
    with pytest.raises(SystemExit):
        run.main(["--tasks", "branin-currin", "--methods", "random", "--out", "x", *argv])
    assert message in capsys.readouterr().err


def test_bad_thresholds_name_the_value(capsys):
    with pytest.raises(SystemExit):
        report_command.main(["somewhere", "--thresholds", "0.5,1.5"])
    assert "expected fractions in (0, 1], comma-separated, got '0.5,1.5'" in capsys.readouterr().err
