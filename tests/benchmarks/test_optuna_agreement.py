"""benchmarks/optuna_agreement.py pairs optuna-lamoo runs with the native ones of a real grid."""
import pytest

pytest.importorskip("optuna")

from benchmarks import optuna_agreement  # noqa: E402
from lamoo.bench.run import main as bench  # noqa: E402


def test_pairs_and_agreement_of_a_small_grid(tmp_path, capsys):
    assert bench(["--tasks", "toy", "--add-task", "toy=lamoo.testing.toys:ToyTask", "--methods", "lamoo-random",
                  "optuna-lamoo", "optuna-lamoo:storage=journal", "random", "--seeds", "0-1", "--budget", "14",
                  "--n-init", "6", "--batch-size", "4", "--workers", "0", "--no-progress", "--out", str(tmp_path)]) == 0
    rows = optuna_agreement.agreement(tmp_path)
    assert [(r["method"], r["native"], r["pairs"], r["same_points"], r["max_hv_diff"]) for r in rows] == [
        ("optuna-lamoo", "lamoo-random", 2, 2, 0.0), ("optuna-lamoo:storage=journal", "lamoo-random", 2, 2, 0.0)]
    assert all(r["failed_optuna"] == r["failed_native"] == 0 for r in rows)
    capsys.readouterr()
    optuna_agreement.main([str(tmp_path)])
    out = capsys.readouterr().out
    assert "| toy | `optuna-lamoo` | `lamoo-random` | 2 | 2/2 | 0 |" in out and out.count("| 0 / 0 |") == 2
    assert optuna_agreement.native_label("optuna-lamoo:inner=cmaes:leaf_size=20") is None
