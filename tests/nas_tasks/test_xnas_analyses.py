"""The XNAS analyses: their formulas on known inputs, and `lamoo analyze xnas` on a real tiny run."""
import json

import numpy as np
import pytest
import torch

from lamoo.exceptions import InvalidInputError
from lamoo.pareto import hypervolume
from nas_tasks.nb201.encoding import OPS
from nas_tasks.xnas.calibration import (activation_confidence, calibration_bins, calibration_correlation,
                                        misprediction_gain, softmax_confidence)
from nas_tasks.xnas.motifs import discover_motifs, enumerate_motifs, op_counts, op_frequencies
from nas_tasks.xnas.plots import hypervolume_region


def test_a_calibrated_score_correlates_and_a_reversed_one_anticorrelates():
    rng = np.random.default_rng(0)
    conf = rng.uniform(0, 1, 20000)
    correct = rng.uniform(0, 1, 20000) < conf  # P(correct | confidence c) = c: perfectly calibrated
    good = calibration_correlation(conf, correct)
    assert good["bins"] == 50 and good["pearson"] > 0.95 and good["spearman"] > 0.95
    bad = calibration_correlation(1 - conf, correct)
    assert bad["pearson"] < -0.95
    b = calibration_bins(np.array([0.0, 0.01, 0.99, 1.0]), np.array([1, 0, 1, 1]))
    assert b["count"][0] == 2 and b["accuracy"][0] == 0.5 and b["count"][-1] == 2 and np.isnan(b["accuracy"][1])
    assert np.isnan(calibration_correlation(np.array([0.5, 0.5]), np.array([1, 0]))["pearson"])


def test_confidences():
    d = np.array([[0.0, 2.0], [1.0, 0.5]])
    assert activation_confidence(d, np.array([0, 1])).tolist() == [1.0, 0.75]
    assert softmax_confidence(np.array([[0.0, 0.0], [np.log(3), 0.0]])).tolist() == pytest.approx([0.5, 0.75])


def test_misprediction_gain_removes_the_lowest_scores_first():
    score = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    correct = np.array([0, 0, 1, 1, 1, 1, 1, 1, 1, 1], dtype=bool)  # the two lowest are the errors
    gain = misprediction_gain(score, correct, percentiles=(10, 20, 50))
    assert gain == pytest.approx([100 * (8 / 9 - 0.8), 100 * (1 - 0.8), 100 * (1 - 0.8)])
    with pytest.raises(InvalidInputError, match="same length"):
        misprediction_gain(score, correct[:3])


def test_the_shaded_region_is_the_hypervolume():
    rng = np.random.default_rng(1)
    F = rng.uniform(0, 1, size=(30, 2))
    ref = np.array([1.1, 1.2])
    P = hypervolume_region(F, ref)
    area = 0.5 * abs(np.dot(P[:, 0], np.roll(P[:, 1], 1)) - np.dot(P[:, 1], np.roll(P[:, 0], 1)))
    assert area == pytest.approx(hypervolume(F, ref))
    assert len(hypervolume_region(F + 5, ref)) == 0


def cells(*rows):
    return np.array([[OPS.index(op) for op in r] for r in rows], dtype=float)


def test_motifs_follow_appendix_g():
    c3, sk, no = "nor_conv_3x3", "skip_connect", "none"
    # a conv on edge 1<-0 in the 4 most accurate cells, a skip there in the 4 least accurate
    front = cells(*[[sk, no, no, sk, no, sk]] * 4, *[[c3, c3, no, sk, no, sk]] * 4)
    front[:, 4] = [0, 1, 2, 3, 4, 0, 1, 2]  # make the cells distinct on an uninformative edge
    acc = np.arange(8.0)
    table = discover_motifs(front, acc)
    assert (table["support"] >= 3).all() and (table["abs_spearman"] >= 0.2).all()
    row = table.set_index("motif").loc["1<-0:nor_conv_3x3"]
    assert row["support"] == 4 and row["spearman"] == pytest.approx(0.8729, abs=1e-4)  # step vs 0..7
    assert table.set_index("motif").loc["1<-0:skip_connect", "spearman"] < 0
    assert "3<-0:skip_connect" not in set(table["motif"])  # in every cell: no information
    best = set(table.loc[table["pareto"], "motif"])
    assert "1<-0:nor_conv_3x3" in best  # its supersets have the same support and correlation: not kept
    assert not any("&" in m and "nor_conv_3x3" in m for m in best)
    assert len(enumerate_motifs(front[:1])) == 2 ** 6 - 2  # sizes 1..5 of one cell


def test_operator_statistics():
    X = cells(["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3", "avg_pool_3x3"])
    assert op_counts(X) == {"conv": pytest.approx([2]), "pool": pytest.approx([2])}
    freq = op_frequencies(X)
    assert freq.shape == (6, 5) and freq.to_numpy().sum() == 6 and freq.loc["3<-2", "avg_pool_3x3"] == 1


# ---------------------------------------------------------------------------------- a real run
@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from lamoo.cli import main

    root = tmp_path_factory.mktemp("xnas")
    torch.set_num_threads(1)
    rc = main(["optimize", "--task", "nb201-train", "--sampler", "nsga2", "--budget", "8", "--n-init", "4",
               "--batch-size", "4",
               "--epochs", "2", "--channels", "4", "--cells-per-stage", "1", "--max-train", "300", "--num-threads",
               "1", "--cache-dir", str(root / "cache"), "--out", str(root / "run"), "--no-progress"])
    assert rc == 0
    return root


def test_lamoo_analyze_xnas_writes_every_table_and_plot(tiny_run, capsys):
    from lamoo.cli import main

    assert main(["analyze", "xnas", str(tiny_run / "run"), "--num-threads", "1"]) == 0
    out = tiny_run / "run" / "analysis"
    summary = json.loads((out / "summary.json").read_text())
    for name in ("front.png", "front_ops.png", "motifs.csv", "op_frequencies.csv", "calibration.csv",
                 "calibration.png", "mispredictions.csv", "mispredictions.png", "activations_heatmap_most.png",
                 "activations_pca_most.png", "phylogeny.png", "phylogeny.csv"):
        assert name in summary["files"]
    import pandas as pd

    cal = pd.read_csv(out / "calibration.csv")
    assert len(cal) == summary["pareto_models"] == summary["calibrated_models"] >= 1
    assert cal["activation_pearson"].between(-1, 1).all()
    mis = pd.read_csv(out / "mispredictions.csv")
    assert set(mis["score"]) == {"activation", "softmax"} and "wrote" in capsys.readouterr().out


def test_calibration_matches_a_direct_computation_and_retrains_missing_cells(tiny_run):
    """With an empty cache the run's models are trained again; the activation confidence equals
    1 - d/2 computed by hand from forward_features."""
    from nas_tasks.xnas.calibration import calibrate
    from nas_tasks.xnas.run import TrainedRun

    run = TrainedRun.load(tiny_run / "run", cache_dir=tiny_run / "empty-cache", num_threads=1)
    i = int(run.pareto_indices()[0])
    model, data = run.model(run.result.X[i]), run.data()
    assert (tiny_run / "empty-cache" / "nb201-train").is_dir()  # trained again into the new cache
    cal = calibrate(model, data)

    def vectors(part):
        feats, labels = [], []
        with torch.no_grad():
            for x, y in data.batches(part, 1000):
                f, _ = model.forward_features(x)
                feats.append(torch.cat([f[k].flatten(1) for k in model.feature_names], 1).double())
                labels.append(y)
        return torch.cat(feats).numpy(), torch.cat(labels).numpy()

    A, y = vectors("train")
    means = np.stack([A[y == c].mean(0) for c in range(10)])
    T, _ = vectors("test")
    cos = (T / np.linalg.norm(T, axis=1, keepdims=True)) @ (means / np.linalg.norm(means, axis=1, keepdims=True)).T
    expected = 1 - (1 - cos[np.arange(len(T)), cal.predicted]) / 2
    assert cal.activation == pytest.approx(expected, abs=1e-6)
    with pytest.raises(InvalidInputError, match="not a 'lamoo optimize' run folder"):
        TrainedRun.load(tiny_run)


def test_the_journal_records_each_nsga2_childs_parents(tiny_run):
    from nas_tasks.xnas.phylogeny import ancestry, run_parents

    parents = run_parents(tiny_run / "run" / "journal.jsonl")
    assert set(parents) <= {4, 5, 6, 7} and len(parents) >= 3  # the mated batch (uniform fills have none)
    assert all(len(p) == 2 and all(0 <= i < 4 for i in p) for p in parents.values())
    child = min(parents)
    assert ancestry(parents, child) == [(1, child, p) for p in parents[child]]


def test_ancestry_walks_generations_once_per_ancestor():
    from nas_tasks.xnas.phylogeny import ancestry, most_bred

    parents = {5: (3, 4), 4: (1, 2), 3: (1, 0)}
    assert ancestry(parents, 5) == [(1, 5, 3), (1, 5, 4), (2, 3, 1), (2, 3, 0), (2, 4, 1), (2, 4, 2)]
    assert ancestry(parents, 5, max_depth=1) == [(1, 5, 3), (1, 5, 4)]
    assert most_bred(parents, [4, 5, 0]) == 5 and most_bred(parents, [0, 1]) is None


def test_corrupted_labels_move_to_another_class_and_are_found_by_rank():
    from nas_tasks.xnas.debugging import corrupt_labels, detection_rates

    y = np.arange(100) % 10
    noisy, mask = corrupt_labels(y, 10, 0.2, np.random.default_rng(0))
    assert mask.sum() == 20 and (noisy[mask] != y[mask]).all() and (noisy[~mask] == y[~mask]).all()
    score = np.where(mask, 0.1, 0.9)  # a perfect score: the corrupted ones lowest
    assert detection_rates(score, mask, (10, 20, 50)).tolist() == [50.0, 100.0, 100.0]
    with pytest.raises(InvalidInputError, match="corrupted fraction"):
        corrupt_labels(y, 10, 1.5, np.random.default_rng(0))


def test_close_class_means_predict_the_confused_pair():
    from nas_tasks.xnas.debugging import confusion_vs_distance, folded_confusion

    means = np.array([[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 3, 2, 3])
    pred = np.array([1, 1, 0, 0, 0, 1, 2, 3, 3, 3])  # 0 and 1 (the closest means) are confused most
    F = folded_confusion(labels, pred, 4)
    assert F[0, 1] == F[1, 0] == 4 and F[2, 3] == 1 and np.trace(F) == 0
    r = confusion_vs_distance(means, labels, pred)
    assert r["pair"] == (0, 1) and r["pair_confusions"] == 4 and r["spearman"] == pytest.approx(0.5)


def test_repair_and_label_noise_run_on_a_real_model(tiny_run):
    from nas_tasks.xnas.debugging import label_noise_detection, repair_pair
    from nas_tasks.xnas.run import TrainedRun

    run = TrainedRun.load(tiny_run / "run", num_threads=1)
    model = run.model(run.result.X[0])
    state = {k: v.clone() for k, v in model.state_dict().items()}
    r = repair_pair(run, model, (0, 1), epochs=1)
    assert r["confusions_before"] >= 0 and 0 <= r["accuracy_after"] <= 100
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in state.items())  # the run's model is untouched
    det = label_noise_detection(run, run.result.X[0], 0.2, seed=0, percentiles=(10, 50))
    assert all(0 <= v <= 100 for v in det["activation"]) and det["activation"][0] <= det["activation"][1]


@pytest.mark.slow  # two MNIST-sized trainings and an analysis: ~10-25 s on 2 shared cores
def test_the_same_commands_work_on_mnist_files_under_data_root(tmp_path):
    """A user's MNIST (here a tiny fake in the official idx format) goes through lamoo optimize
    with the XNAS preset and lamoo analyze xnas unchanged (the preset's 5 MNIST epochs are
    checked in test_xnas_preset; one epoch here keeps the test short)."""
    from lamoo.cli import main
    from tests.nas_tasks.test_data import write_idx

    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 120), ("t10k", 40)):
        y = (np.arange(n) % 10).astype(np.uint8)
        x = rng.integers(0, 60, (n, 28, 28), dtype=np.uint8)
        x[np.arange(n), y * 2, :] = 255  # a class-specific bright row
        write_idx(raw / f"{prefix}-images-idx3-ubyte", x)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", y)
    run = tmp_path / "run"
    assert main(["optimize", "--task", "nb201-train", "--dataset", "mnist", "--data-root", str(tmp_path / "data"),
                 "--preset", "xnas", "--epochs", "1", "--sampler", "xnas", "--budget", "2", "--n-init", "2",
                 "--channels", "2",
                 "--cells-per-stage", "1", "--num-threads", "1", "--cache-dir", str(tmp_path / "cache"),
                 "--out", str(run), "--no-progress"]) == 0
    header = json.loads((run / "journal.jsonl").read_text().splitlines()[0])
    assert header["task"]["dataset"] == "mnist" and header["sampler"]["params"]["pop_size"] == 64
    assert main(["analyze", "xnas", str(run), "--repair-epochs", "1", "--num-threads", "1"]) == 0
    assert (run / "analysis" / "calibration.csv").is_file() and (run / "analysis" / "debug_models.csv").is_file()
