"""``lamoo optimize --task prune`` and ``lamoo prune-report``, from a checkpoint to the front's ensembles."""
import json

import torch

from lamoo.cli import main
from tests.nas_tasks.pruning.nets import tiny_cnn


def test_optimize_a_pruning_task_then_report_its_front(tmp_path, cache_dir, capsys):
    torch.save(tiny_cnn().state_dict(), tmp_path / "net.pt")
    out = tmp_path / "run"
    base = ["optimize", "--task", "prune", "--dataset", "digits", "--classes", "5-9", "--ood", "digits[0-4]",
            "--sampler", "nsga2", "--sampler-param", "operators=binary", "--sampler-param", "pop_size=6", "--budget",
            "12", "--n-init", "6", "--batch-size", "6", "--head-training", "fast", "--hidden", "8", "--max-train",
            "100", "--seed", "0", "--no-progress", "--out", str(out)]
    assert main(base[:-2] + ["--out", str(tmp_path / "nothing")]) == 2
    assert "--task prune needs a backbone" in capsys.readouterr().err
    assert main(base + ["--backbone-checkpoint", str(tmp_path / "net.pt")]) == 2
    assert "needs --backbone-module" in capsys.readouterr().err
    rc = main(base + ["--backbone-checkpoint", str(tmp_path / "net.pt"), "--backbone-module",
                      "tests.nas_tasks.pruning.nets:tiny_cnn"])
    assert rc == 0
    header = json.loads((out / "journal.jsonl").read_text().splitlines()[0])
    assert header["task"]["backbone"]["source"]["kind"] == "checkpoint" and header["task"]["layout"]["length"] == 12
    assert main(["prune-report", str(out), "--top-k", "3", "--gradcam-units", "2"]) == 0
    assert "| mean probability |" in capsys.readouterr().out
    report = json.loads((out / "ensemble.json").read_text())
    assert report["recorded_accuracy_matches"] and report["n_members"] >= 2
    neurons = json.loads((out / "neurons.json").read_text())
    assert len(neurons["top"]) == 3 and neurons["gradcam"]["units"] == [r["unit"] for r in neurons["top"][:2]]
    assert (out / "gradcam.png").is_file() and (out / "ensemble.md").is_file()
    windows = json.loads((out / "windows.json").read_text())
    assert windows and {w["by"] for w in windows} == {"accuracy", "robustness"}
    assert (out / "windows.md").read_text().startswith("| selected by (val) |")
    assert main(["prune-report", str(out), "--window", "0,100", "--gradcam-units", "1", "--out",
                 str(tmp_path / "all")]) == 0
    assert json.loads((tmp_path / "all" / "ensemble.json").read_text())["n_members"] == report["n_members"]
    assert main(["prune-report", str(out), "--window", "50"]) == 2
    assert "--window takes two percentiles" in capsys.readouterr().err


def test_the_readme_walkthrough_commands_parse():
    """Every ``lamoo`` command of the README's pruning walkthrough is one the CLI accepts (they
    were run as written on digits; this keeps their options from drifting)."""
    import re
    import shlex
    from pathlib import Path

    from lamoo.cli import make_parser

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("## Pruning a transferred network", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, flags=re.S).group(1)
    commands = [shlex.split(c, comments=True) for c in block.replace("\\\n", " ").splitlines() if c.strip()]
    assert [c[:2] for c in commands] == [["lamoo", "optimize"], ["lamoo", "optimize"], ["lamoo", "prune-report"]]
    parser = make_parser()
    for argv in commands:
        args = parser.parse_args(argv[1:])
        assert args.command == argv[1]
    assert args.run_dir == Path("runs/prune")


def test_a_window_that_is_not_two_percentiles_is_named(tmp_path, capsys):
    from nas_tasks.pruning.cli import _window

    assert _window("50,60") == (50.0, 60.0) and _window(None) is None
    for bad in ("50", "a,b", "50,60,70"):
        assert main(["prune-report", str(tmp_path), "--window", bad]) == 2
        assert f"--window takes two percentiles LO,HI (e.g. 50,60), got {bad!r}" in capsys.readouterr().err
