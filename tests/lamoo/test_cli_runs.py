"""``lamoo optimize`` run folders: fresh runs, resumes from the journal alone, and clear errors."""
import json
import re

import numpy as np
import pytest

from lamoo.cli import main
from lamoo.journal import read_journal
from lamoo.result import Result

TASK = ["--task", "tests.toys:ToyTask", "--param", "d=2"]
RUN = TASK + ["--sampler", "random", "--lamoo", "--leaf-size", "4", "--n-init", "6", "--batch-size", "3",
              "--seed", "5", "--no-progress"]


def _optimize(out, *extra) -> int:
    return main(["optimize", *RUN, "--out", str(out), *extra])


def test_resume_needs_only_the_folder_and_continues_the_same_run(tmp_path, capsys):
    assert _optimize(tmp_path / "whole", "--budget", "18") == 0
    assert _optimize(tmp_path / "run", "--budget", "12") == 0
    capsys.readouterr()
    assert main(["optimize", "--out", str(tmp_path / "run"), "--resume", "--budget", "18", "--no-progress"]) == 0
    assert "resuming" in capsys.readouterr().out
    np.testing.assert_array_equal(Result.from_journal(tmp_path / "run" / "journal.jsonl").X,
                                  Result.from_journal(tmp_path / "whole" / "journal.jsonl").X)
    # without --budget the stored budget is kept: nothing left to do
    assert main(["optimize", "--out", str(tmp_path / "run"), "--resume", "--no-progress"]) == 0
    assert len(read_journal(tmp_path / "run" / "journal.jsonl")[1]) == 18


@pytest.mark.parametrize("option, value, stored", [
    ("--seed", "6", "5"),
    ("--n-init", "8", "6"),
    ("--ref-point", "2,2", r"\[1.1, 1.1\]"),
    ("--batch-size", "4", "3"),
    ("--param", "d=3", r"\['d=2'\]"),
])
def test_resume_refuses_other_run_settings_naming_both_values(tmp_path, capsys, option, value, stored):
    out = tmp_path / "run"
    assert _optimize(out, "--budget", "9") == 0
    capsys.readouterr()
    before = (out / "journal.jsonl").read_bytes()
    assert main(["optimize", "--out", str(out), "--resume", option, value, "--budget", "12", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    name = option.lstrip("-").replace("-", "_")
    assert re.search(rf"{name}: the journal has {stored}, given ", err), err
    assert (out / "journal.jsonl").read_bytes() == before


@pytest.mark.parametrize("extra", [["--sampler", "nsga2"], ["--leaf-size", "9"], ["--lamoo", "--kernel", "poly"]])
def test_resume_with_another_sampler_needs_override_which_is_recorded(tmp_path, capsys, extra):
    pytest.importorskip("pymoo")
    out = tmp_path / "run"
    assert _optimize(out, "--budget", "9") == 0
    capsys.readouterr()
    assert main(["optimize", "--out", str(out), "--resume", *extra, "--budget", "12", "--no-progress"]) == 2
    assert "--override" in capsys.readouterr().err
    assert main(["optimize", "--out", str(out), "--resume", *extra, "--budget", "12", "--override",
                 "--no-progress"]) == 0
    lines = [json.loads(line) for line in (out / "journal.jsonl").read_text().splitlines()]
    assert [r["type"] for r in lines].count("settings") == 1
    # the next resume continues with the new settings without being told again
    assert main(["optimize", "--out", str(out), "--resume", "--budget", "15", "--no-progress"]) == 0
    assert len(read_journal(out / "journal.jsonl")[1]) == 15


def test_a_fresh_run_never_writes_into_a_folder_that_is_not_its_own(tmp_path, capsys):
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "results.csv").write_text("my own results\n")
    assert _optimize(keep, "--budget", "9") == 2
    err = capsys.readouterr().err
    assert "not empty" in err and "--overwrite" in err and "Traceback" not in err
    assert (keep / "results.csv").read_text() == "my own results\n" and sorted(p.name for p in keep.iterdir()) == [
        "results.csv"]
    assert _optimize(keep, "--budget", "9", "--overwrite") == 0  # told otherwise
    assert len(read_journal(keep / "journal.jsonl")[1]) == 9


def test_a_fresh_run_refuses_a_folder_with_a_run_and_points_to_resume(tmp_path, capsys):
    out = tmp_path / "run"
    assert _optimize(out, "--budget", "9") == 0
    before = (out / "journal.jsonl").read_bytes()
    capsys.readouterr()
    for extra in ([], ["--overwrite"]):
        assert _optimize(out, "--budget", "12", *extra) == 2
        err = capsys.readouterr().err
        assert f"lamoo optimize --out {out} --resume" in err and "Study.load" not in err
    assert (out / "journal.jsonl").read_bytes() == before


def test_an_empty_folder_is_fine(tmp_path):
    (tmp_path / "empty").mkdir()
    assert _optimize(tmp_path / "empty", "--budget", "9") == 0


@pytest.mark.parametrize("make_out, match", [
    (lambda tmp: tmp / "file", "is a file, not a folder"),
    (lambda tmp: tmp / "file" / "sub", "is a file, not a folder"),
    (lambda tmp: "/proc/lamoo-test/run", "cannot create"),
])
def test_unusable_out_folders_are_clear_errors(tmp_path, capsys, make_out, match):
    (tmp_path / "file").write_text("x")
    assert _optimize(make_out(tmp_path), "--budget", "9") == 2
    err = capsys.readouterr().err
    assert match in err and "Traceback" not in err


def test_resume_and_report_of_missing_or_broken_runs_are_clear_errors(tmp_path, capsys):
    assert main(["optimize", "--out", str(tmp_path / "none"), "--resume", "--no-progress"]) == 2
    assert "no lamoo run to resume" in capsys.readouterr().err
    assert main(["optimize", "--resume", "--no-progress"]) == 2
    assert "--resume needs --out" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "none")]) == 2
    assert "journal.jsonl" in capsys.readouterr().err
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "journal.jsonl").write_text("[1, 2]\n")
    assert main(["report", str(tmp_path / "bad")]) == 2
    assert "not a lamoo journal" in capsys.readouterr().err


def test_a_task_without_a_reference_point_gets_an_inferred_one_and_the_output_says_so(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["optimize", "--task", "tests.lamoo.test_cli_runs:no_reference_task", "--budget", "8", "--n-init",
                 "6", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ref_point_source"] == "inferred" and len(summary["ref_point"]) == 2
    assert "inferred from the first 6 evaluations" in printed and "--ref-point" in printed
    assert main(["optimize", "--task", "tests.lamoo.test_cli_runs:no_reference_task", "--budget", "8",
                 "--ref-point", "2,2", "--out", str(tmp_path / "given"), "--no-progress"]) == 0
    assert "(given)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["optimize", "--budget", "8", "--ref-point", "2,x", "--out", str(tmp_path / "bad"), "--no-progress"])
    assert "comma-separated numbers (one per objective, raw units) or 'infer', got '2,x'" in capsys.readouterr().err


def no_reference_task():
    from tests.toys import ToyTask

    task = ToyTask(d=2)
    task.ref_point = None
    return task


def test_a_journal_without_its_options_resumes_with_the_options_given(tmp_path, capsys):
    from lamoo import Study
    from samplers import RandomSampler
    from tests.toys import ToyTask

    out = tmp_path / "run"
    with Study(ToyTask(d=2), RandomSampler(), seed=5, n_init=6, journal=out / "journal.jsonl") as study:
        study.optimize(9, 3)
    assert main(["optimize", "--out", str(out), "--resume", "--budget", "12", "--no-progress"]) == 2
    assert "does not keep the options it was started with" in capsys.readouterr().err
    assert main(["optimize", *TASK, "--sampler", "random", "--batch-size", "3", "--out", str(out), "--resume",
                 "--budget", "12", "--no-progress"]) == 0
    assert len(read_journal(out / "journal.jsonl")[1]) == 12
