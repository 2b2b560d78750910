import json

import pytest

from lamoo.cli import main, make_parser
from lamoo.journal import read_journal

pytest.importorskip("botorch")


def test_optimize_writes_journal_tables_and_plots(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["optimize", "--problem", "branin-currin", "--lamoo", "--leaf-size", "5", "--budget", "20",
                 "--n-init", "10", "--batch-size", "5", "--seed", "1", "--out", str(out), "--no-progress"]) == 0
    for name in ["journal.jsonl", "results.csv", "pareto.csv", "summary.json", "pareto.png", "hv_trace.png"]:
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["evaluations"] == 20 and 0 < summary["hv_ratio"] <= 1
    header, records = read_journal(out / "journal.jsonl")
    assert header["sampler"]["name"] == "lamoo" and header["sampler"]["params"]["leaf_size"] == 5
    assert "Pareto front" in capsys.readouterr().out

    # resume to a larger budget, then report from the journal alone
    assert main(["optimize", "--problem", "branin-currin", "--lamoo", "--leaf-size", "5", "--budget", "30",
                 "--batch-size", "5", "--out", str(out), "--resume", "--no-progress"]) == 0
    assert len(read_journal(out / "journal.jsonl")[1]) == 30
    (out / "pareto.png").unlink()
    assert main(["report", str(out)]) == 0
    assert (out / "pareto.png").exists()


def test_three_objective_problem_and_problem_parameters(tmp_path):
    out = tmp_path / "dtlz"
    assert main(["optimize", "--problem", "dtlz2", "--param", "dim=5", "--param", "num_objectives=3",
                 "--budget", "12", "--out", str(out), "--no-progress"]) == 0
    assert len(read_journal(out / "journal.jsonl")[0]["objectives"]) == 3


def test_errors_are_reported_without_a_traceback(tmp_path, capsys):
    assert main(["optimize", "--problem", "nope", "--out", str(tmp_path / "x"), "--no-progress"]) == 2
    assert "unknown problem 'nope'" in capsys.readouterr().err
    assert main(["optimize", "--sampler", "magic", "--out", str(tmp_path / "y"), "--no-progress"]) == 2
    assert "unknown sampler 'magic'" in capsys.readouterr().err


def test_help_explains_every_option():
    parser = make_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        for action in p._actions:
            if action.dest != "help":
                assert action.help, f"lamoo {name} {action.option_strings} has no help"


@pytest.mark.parametrize("option, value, expected", [
    ("--cp", "abc", "argument --cp: expected a number >= 0 or 'auto', got 'abc'"),
    ("--cp", "-1", "argument --cp: expected a number >= 0 or 'auto', got '-1'"),
    ("--gamma", "xyz", "argument --gamma: expected a number > 0 or 'scale' or 'auto', got 'xyz'"),
    ("--gamma", "0", "argument --gamma: expected a number > 0 or 'scale' or 'auto', got '0'"),
])
def test_bad_lamoo_options_are_usage_errors(tmp_path, capsys, option, value, expected):
    with pytest.raises(SystemExit) as exc:
        main(["optimize", "--lamoo", option, value, "--out", str(tmp_path / "run"), "--no-progress"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "lamoo optimize: error: " + expected in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_lamoo_options_reach_lamoo():
    from lamoo.cli import build_sampler

    args = make_parser().parse_args(["optimize", "--lamoo", "--cp", "0.5", "--gamma", "2"])
    assert (build_sampler(args).cp, build_sampler(args).gamma) == (0.5, 2.0)
    args = make_parser().parse_args(["optimize", "--lamoo"])
    assert (build_sampler(args).cp, build_sampler(args).gamma) == ("auto", "scale")
    args = make_parser().parse_args(["optimize", "--lamoo", "--mixing", "yield", "--global-fraction", "0.3"])
    assert (build_sampler(args).policy_.mixing, build_sampler(args).policy_.global_fraction) == ("yield", 0.3)


@pytest.mark.parametrize("extra, message", [
    (["--sampler", "cmaes", "--sampler-param", "pop_size=3"], "sampler 'cmaes' rejected the unknown argument 'pop_size'"),
    (["--ref-point", "1"], "ref_point"),
    (["--budget", "0"], "--budget must be an integer >= 1"),
])
def test_a_bad_run_leaves_no_output_folder(tmp_path, capsys, extra, message):
    out = tmp_path / "run"
    assert main(["optimize", "--budget", "12", *extra, "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_version_has_one_source(capsys):
    from importlib.metadata import version

    import lamoo

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"lamoo {lamoo.__version__}" == f"lamoo {version('lamoo')}"
