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


def test_paired_stats_tell_a_tie_from_a_consistent_lead():
    from benchmarks.xnas_trend import paired_stats

    tie = paired_stats([1.0, 3.0, 2.0, 4.0], [2.0, 2.0, 3.0, 3.0])
    assert tie["mean_diff"] == 0 and tie["multi_wins"] == 2 and tie["sign_test_p"] == 1.0
    lead = paired_stats([5.0, 6.0, 7.0, 8.0, 9.0, 10.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert lead["mean_diff"] == 4 and lead["multi_wins"] == 6 and lead["sign_test_p"] == pytest.approx(2 / 64)


def test_compare_reports_both_committed_measurements(capsys):
    from pathlib import Path

    from benchmarks.xnas_trend import main

    folder = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "measurements"
    rows = main(["--compare", str(folder / "xnas_trend.json"), str(folder / "xnas_trend_main_job_settings.json")])
    by_budget = {r["budget"]: r for r in rows["compare"]}
    assert by_budget[60]["hv_multi_mean"] == pytest.approx(48.78, abs=0.01)
    assert by_budget[60]["hv_accuracy_only_mean"] == pytest.approx(48.82, abs=0.01)
    assert by_budget[60]["sign_test_p"] > 0.5 and by_budget[100]["multi_wins"] == 5
    assert "paired difference" in capsys.readouterr().out


def trend_json(path, seed, hv_multi, hv_acc, epochs=20):
    import json

    config = {"seeds": [seed], "budget": 100, "epochs": epochs, "batch_size": 10, "sampler": "nsga2",
              "lamoo": True, "cache_dir": f"/tmp/c{seed}", "out": str(path), "compare": None}
    row = {"seed": seed, "hv_multi": hv_multi, "hv_accuracy_only": hv_acc}
    path.write_text(json.dumps({"config": config, "ref_point": [10.0, 0.0], "rows": [row]}))
    return str(path)


def test_xnas_trend_merges_one_seed_jobs_into_one_paired_summary(tmp_path):
    from benchmarks.xnas_trend import main

    files = [trend_json(tmp_path / f"s{s}.json", s, m, a) for s, m, a in ((5, 67.9, 67.5), (0, 64.9, 62.5),
                                                                          (6, 60.0, 61.0))]
    s = main(["--merge", *files, "--out", str(tmp_path / "all.json")])
    assert [r["seed"] for r in s["rows"]] == [0, 5, 6] and s["config"]["seeds"] == [0, 5, 6]
    assert s["multi_wins"] == 2 and s["paired"]["accuracy_only_wins"] == 1
    assert s["hv_multi_mean"] == pytest.approx((67.9 + 64.9 + 60.0) / 3)
    assert "cache_dir" not in s["config"] and (tmp_path / "all.json").is_file()
    with pytest.raises(SystemExit, match="different settings"):
        main(["--merge", files[0], trend_json(tmp_path / "e.json", 7, 1.0, 2.0, epochs=10)])
    with pytest.raises(SystemExit, match="a seed appears twice"):
        main(["--merge", files[0], trend_json(tmp_path / "d.json", 5, 1.0, 2.0)])


def test_xnas_digits_claims_say_yes_no_and_partly():
    import pandas as pd

    from benchmarks.xnas_digits import claims

    cal = pd.DataFrame({"introspectability": [0.2, 0.5, 0.8], "activation_pearson": [0.1, 0.5, 0.9]})
    mis = pd.DataFrame({"model": ["highest introspectability", "lowest introspectability"], "score": "activation",
                        "percentile": 20, "accuracy_gain": [3.0, 1.0]})
    plain = {"calibration": cal, "mispredictions": mis, "best_intro": 0.8, "hv": 50.0}
    rows = claims(plain, {"best_intro": 0.9, "hv": 40.0})
    assert [r["agrees"] for r in rows] == ["yes", "yes", "partly (introspectability only)", "n/a"]
    cal["activation_pearson"] = [0.9, 0.5, 0.1]
    mis["accuracy_gain"] = [1.0, 3.0]
    plain["label_noise"] = pd.DataFrame({"model": ["highest introspectability", "lowest introspectability"],
                                         "score": "activation", "percentile": 20, "detected_percent": [30.0, 40.0]})
    rows = claims(plain, {"best_intro": 0.7, "hv": 40.0})
    assert [r["agrees"] for r in rows] == ["no", "no", "no", "no"]
