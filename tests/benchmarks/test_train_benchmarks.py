"""The training benchmarks run (tiny settings) and compute what they claim."""
import numpy as np
import pytest

pytest.importorskip("torch")


def test_front_hypervolume_of_maximized_objectives():
    from benchmarks.xnas_trend import front_hypervolume

    Y = np.array([[50.0, 0.5], [80.0, 0.2], [np.nan, np.nan], [40.0, 0.1]])  # last point is dominated
    ref = np.array([10.0, 0.0])
    assert front_hypervolume(Y, ref) == pytest.approx(40 * 0.5 + 30 * 0.2)


def test_xnas_trend_smoke(tmp_path, monkeypatch):
    from benchmarks.xnas_trend import main

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    s = main(["--seeds", "0", "--budget", "3", "--n-init", "2", "--batch-size", "1", "--epochs", "1",
              "--channels", "4", "--threads", "1", "--cache-dir", str(tmp_path), "--out", str(tmp_path / "r.json")])
    assert s["seeds"] == 1 and s["hv_multi_mean"] >= 0 and (tmp_path / "r.json").is_file()
