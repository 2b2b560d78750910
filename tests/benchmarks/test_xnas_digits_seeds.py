"""The digits reproduction's verdicts (n/a where a seed cannot measure a part) and their
aggregation over seeds."""
import json

import pytest

from benchmarks.xnas_digits import verdict
from benchmarks.xnas_digits_seeds import main

NAN = float("nan")


def test_a_part_a_seed_cannot_measure_is_na_not_no():
    one_model = {"spearman_front": NAN, "n_models": 1, "r_most": 0.3, "r_least": 0.3}
    assert verdict("calibration", one_model) == "n/a"
    two_models = {"spearman_front": NAN, "n_models": 2, "r_most": 0.5, "r_least": 0.3}
    assert verdict("calibration", two_models) == "yes (across the front: n/a)"
    assert verdict("calibration", {**two_models, "n_models": 3, "spearman_front": -0.5}) == "partly (most vs least only)"
    assert verdict("mispredictions", {"gain_most": 2.4, "gain_least": NAN}) == "n/a"
    assert verdict("mispredictions", {"gain_most": 1.0, "gain_least": 2.0}) == "no"
    assert verdict("corrupted_labels", {}) == "n/a"
    reg = {"intro_regularized": 0.9, "intro_plain": 0.6, "hv_regularized": 50.0, "hv_plain": 60.0}
    assert verdict("regularizer", reg) == "partly (introspectability only)"


def seed_folder(tmp_path, seed: int, gain_most: float, budget: str = "30"):
    folder = tmp_path / f"seed{seed}"
    folder.mkdir()
    claims = [{"claim": "calibration", "measured": "m", "values": {"spearman_front": NAN, "n_models": 1,
                                                                  "r_most": 0.3, "r_least": 0.3}},
              {"claim": "mispredictions", "measured": "m", "values": {"gain_most": gain_most, "gain_least": 3.0}},
              {"claim": "regularizer", "measured": "m", "values": {"intro_regularized": 0.9, "intro_plain": 0.6,
                                                                  "hv_regularized": 80.0, "hv_plain": 60.0}},
              {"claim": "corrupted labels", "measured": "m", "values": {}, "agrees": "stale"}]
    config = {"dataset": "digits", "channels": "8", "cells_per_stage": "1", "epochs": "20", "sampler": "nsga2",
              "budget": budget, "n_init": "10", "batch_size": "10", "weight": "0.5", "corrupt": "0.2",
              "max_models": "8", "seed": str(seed)}
    run = {"n": 30, "best_acc": 96.0, "best_intro": 0.6, "hv": 60.0}
    (folder / "claims.json").write_text(json.dumps({"config": config, "claims": claims,
                                                    "runs": {"plain": run, "regularized": run}}))
    return folder


def test_seeds_aggregate_as_k_of_n_with_each_seeds_verdict(tmp_path):
    folders = [str(seed_folder(tmp_path, s, g)) for s, g in ((2, 5.0), (0, 1.0), (1, 4.0))]
    rows = main(["--out", str(tmp_path / "agg"), "--aggregate", *folders])
    by_id = {r["id"]: r for r in rows}
    assert (by_id["mispredictions"]["yes"], by_id["mispredictions"]["no"], by_id["mispredictions"]["n"]) == (2, 1, 3)
    assert [p["seed"] for p in by_id["mispredictions"]["per_seed"]] == [0, 1, 2]
    assert by_id["calibration"]["na"] == 3 and by_id["regularizer"]["yes"] == 3
    assert by_id["corrupted_labels"]["per_seed"][0]["agrees"] == "n/a"  # recomputed, not the stale text
    text = (tmp_path / "agg" / "SEEDS.md").read_text()
    assert "agrees on 2 of 3 seeds (1 no)" in text and "0: no; 1: yes; 2: yes" in text
    assert json.loads((tmp_path / "agg" / "seeds.json").read_text())["claims"][2]["yes"] == 3


def test_seeds_run_with_different_settings_are_refused(tmp_path):
    folders = [str(seed_folder(tmp_path, 0, 5.0)), str(seed_folder(tmp_path, 1, 5.0, budget="50"))]
    with pytest.raises(SystemExit, match="different settings"):
        main(["--out", str(tmp_path / "agg"), "--aggregate", *folders])
