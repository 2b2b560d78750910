"""The XNAS analyses of a finished ``nb201-train`` run, as tables and plots in one folder.

    from nas_tasks.xnas.report import analyze
    summary = analyze("runs/xnas-digits")          # writes runs/xnas-digits/analysis/

or ``lamoo analyze xnas runs/xnas-digits``. What is written (``OUT``, default ``RUN_DIR/analysis``):

==========================  =========================================================================
``front.png``               the front with its hypervolume region shaded (Fig. 2)
``front_ops.png``           every evaluation coloured by convolution / pooling edges (Fig. 4)
``op_frequencies.csv``      operation counts per edge, on the front and over every evaluation
``motifs.csv``              Appendix G motifs of the front (:mod:`~nas_tasks.xnas.motifs`)
``calibration.csv/.png``    activation vs softmax calibration per Pareto-optimal model (Fig. 7)
``mispredictions.csv/.png`` accuracy gain from removing low-score percentiles, for the most and the
                            least introspectable Pareto-optimal models (Fig. 8 top)
``activations_*.png``       z-scored class-mean activations per block (Fig. 5) and their 2-D PCA
                            (Fig. 6), for the most and the least introspectable models
``phylogeny.png/.csv``      the ancestry of one Pareto-optimal model (Fig. 3; default: the one
                            with the deepest recorded ancestry), when the sampler recorded parents
``debug_models.csv``        Appendix K for the most and least introspectable models: Spearman of
                            class-mean closeness vs folded confusion, and the repair of the most
                            confused pair by ``repair_epochs`` of pair-weighted fine-tuning
``label_noise.csv``         with ``corrupt_labels`` > 0 (Fig. 8 bottom): detection rates of the
                            corrupted training labels, same two models retrained on them
``summary.json``            the headline numbers
==========================  =========================================================================

Calibration needs each Pareto-optimal model: reloaded from the trained-cell cache, or trained
again with the run's settings when its checkpoint is gone. Class means come from the training
split; scores are measured on the test split, which the search never saw.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from nas_tasks.xnas.calibration import PERCENTILES, calibrate, misprediction_gain

INTRO = "introspectability"


def calibration_table(run, indices=None):
    """One row per evaluation in ``indices`` (default: the Pareto-optimal ones) of a
    :class:`~nas_tasks.xnas.run.TrainedRun`: ``evaluation``, ``arch``, the run's objective values,
    ``introspectability`` (the run's, or Eq. 1 on the training class means when the run did not
    measure it), ``test_accuracy`` and the four calibration correlations. Returns
    ``(DataFrame, {evaluation: ModelCalibration})``."""
    import pandas as pd
    from nas_tasks.nb201.encoding import decode
    from nas_tasks.objectives.introspectability import introspectability_from_means
    import torch

    indices = run.pareto_indices() if indices is None else np.asarray(indices, int)
    data, rows, cals = run.data(), [], {}
    for i in indices:
        cal = calibrate(run.model(run.result.X[i]), data)
        cals[int(i)] = cal
        row = {"evaluation": int(i), "arch": decode(run.result.X[i])}
        row.update({name: float(run.result.Y[i, j]) for j, name in enumerate(run.objective_names)})
        if INTRO not in row:
            means = torch.as_tensor(cal.means)
            row[INTRO] = introspectability_from_means(torch.nan_to_num(means), torch.isfinite(means).all(1))
        row["test_accuracy"] = 100.0 * float(cal.correct.mean())
        row.update(cal.correlations())
        rows.append(row)
    return pd.DataFrame(rows), cals


def misprediction_table(table, cals: dict, percentiles=PERCENTILES):
    """Accuracy gains (percentage points) from removing the lowest ``percentiles`` by activation
    and by softmax confidence, for the most and the least introspectable models of ``table``
    (:func:`calibration_table`): columns ``model``, ``evaluation``, ``introspectability``,
    ``score``, ``percentile``, ``accuracy_gain``."""
    import pandas as pd

    rows = []
    for label, r in extremes(table).items():
        cal = cals[int(r["evaluation"])]
        for score in ("activation", "softmax"):
            for p, g in zip(percentiles, misprediction_gain(getattr(cal, score), cal.correct, percentiles)):
                rows.append({"model": label, "evaluation": int(r["evaluation"]), INTRO: float(r[INTRO]),
                             "score": score, "percentile": p, "accuracy_gain": float(g)})
    return pd.DataFrame(rows)


def front_tables(run) -> dict:
    """``{"motifs": DataFrame, "op_frequencies": DataFrame}`` of the run's front (motifs ordered
    by the first objective) and of every successful evaluation."""
    import pandas as pd
    from nas_tasks.xnas.motifs import discover_motifs, op_frequencies

    idx, ok = run.pareto_indices(), ~run.result.failed
    motifs = discover_motifs(run.result.X[idx], run.result.Y[idx, 0])
    freq = pd.concat({"front": op_frequencies(run.result.X[idx]), "all": op_frequencies(run.result.X[ok])}, axis=0)
    return {"motifs": motifs, "op_frequencies": freq}


def activation_plots(run, table, cals: dict, out: Path) -> list[Path]:
    """Fig. 5 heatmaps and Fig. 6 PCAs of the most and least introspectable models of ``table``."""
    from nas_tasks.xnas.plots import block_class_means, plot_activation_heatmap, plot_class_mean_pca

    order = table.sort_values(INTRO, ascending=False)
    picks = {"most": order.iloc[0]} if len(order) == 1 else {"most": order.iloc[0], "least": order.iloc[-1]}
    classes = run.task.splits.dataset.classes
    paths = []
    for tag, r in picks.items():
        i = int(r["evaluation"])
        title = f"{tag} introspectable: evaluation {i}, introspectability {r[INTRO]:.3f}"
        blocks = block_class_means(run.model(run.result.X[i]), run.data())
        paths.append(plot_activation_heatmap(blocks, out / f"activations_heatmap_{tag}.png", title))
        paths.append(plot_class_mean_pca(cals[i].means, out / f"activations_pca_{tag}.png", classes, title))
    return paths


def phylogeny(run, out: Path, index: int | None = None) -> int | None:
    """Write ``phylogeny.png`` and ``phylogeny.csv``: the ancestry of evaluation ``index``
    (default: the Pareto-optimal one with the deepest recorded ancestry). Returns the evaluation
    drawn, or None when the run recorded no parents."""
    from lamoo.runfolder import JOURNAL
    from nas_tasks.xnas.phylogeny import ancestry_table, most_bred, plot_ancestry, run_parents

    parents = run_parents(run.run_dir / JOURNAL)
    index = most_bred(parents, run.pareto_indices()) if index is None else int(index)
    if index is None:
        return None
    plot_ancestry(run.result, parents, index, out / "phylogeny.png")
    ancestry_table(run.result, parents, index).to_csv(out / "phylogeny.csv", index=False)
    return index


def extremes(table) -> dict:
    """``{"highest introspectability": row, "lowest introspectability": row}`` of ``table``
    (one entry when it has one row)."""
    order = table.sort_values(INTRO, ascending=False)
    picks = {"highest introspectability": order.iloc[0]}
    if len(order) > 1:
        picks["lowest introspectability"] = order.iloc[-1]
    return picks


def debugging_tables(run, table, cals: dict, repair_epochs: int = 3, corrupt_labels: float = 0.0,
                     seed: int = 0) -> dict:
    """``{"debug_models": DataFrame, "label_noise": DataFrame or None}`` for the most and least
    introspectable models of ``table`` (see :mod:`nas_tasks.xnas.debugging`)."""
    import pandas as pd
    from nas_tasks.xnas.debugging import confusion_vs_distance, label_noise_detection, repair_pair

    models, noise = [], []
    for label, r in extremes(table).items():
        i = int(r["evaluation"])
        cal = cals[i]
        row = {"model": label, "evaluation": i, INTRO: float(r[INTRO]),
               **confusion_vs_distance(cal.means, cal.labels, cal.predicted)}
        if repair_epochs > 0:
            row.update(repair_pair(run, run.model(run.result.X[i]), row["pair"], epochs=repair_epochs))
        models.append(row)
        if corrupt_labels > 0:
            det = label_noise_detection(run, run.result.X[i], corrupt_labels, seed)
            for score in ("activation", "softmax"):
                noise += [{"model": label, "evaluation": i, INTRO: float(r[INTRO]), "score": score, "percentile": p,
                           "detected_percent": float(v)} for p, v in zip(det["percentiles"], det[score])]
    return {"debug_models": pd.DataFrame(models), "label_noise": pd.DataFrame(noise) if noise else None}


def analyze(run_dir, out=None, cache_dir=None, data_root=None, device: str = "cpu", num_threads: int | None = None,
            max_models: int | None = None, ancestry_of: int | None = None, repair_epochs: int = 3,
            corrupt_labels: float = 0.0) -> dict:
    """Run every analysis on ``run_dir`` and write them to ``out`` (default ``RUN_DIR/analysis``);
    ``max_models`` caps the Pareto-optimal models calibrated (evenly spread along the front);
    ``ancestry_of``: the evaluation whose phylogeny is drawn (see :func:`phylogeny`);
    ``repair_epochs``: fine-tuning epochs of the pair repair (0: skip it); ``corrupt_labels``:
    fraction of training labels corrupted for the label-noise detection (0: skip it; it trains
    two cells again).
    Returns the summary also written to ``summary.json``."""
    from nas_tasks.xnas.motifs import op_counts
    from nas_tasks.xnas.plots import plot_calibration, plot_front, plot_front_by_ops, plot_mispredictions
    from nas_tasks.xnas.run import TrainedRun

    run = TrainedRun.load(run_dir, cache_dir, data_root, device, num_threads)
    out = Path(out) if out is not None else Path(run_dir) / "analysis"
    out.mkdir(parents=True, exist_ok=True)
    front = run.pareto_indices()
    front = front[np.argsort(run.result.Y[front, 0], kind="stable")]
    if max_models is not None and len(front) > max_models:
        front = front[np.unique(np.linspace(0, len(front) - 1, max_models).round().astype(int))]
    plot_front(run.result, out / "front.png")
    plot_front_by_ops(run.result, op_counts(run.result.X), out / "front_ops.png")
    tables = front_tables(run)
    tables["motifs"].to_csv(out / "motifs.csv", index=False)
    tables["op_frequencies"].to_csv(out / "op_frequencies.csv", index_label=["cells", "edge"])
    cal, cals = calibration_table(run, front)
    cal.to_csv(out / "calibration.csv", index=False)
    plot_calibration(cal, out / "calibration.png")
    mis = misprediction_table(cal, cals)
    mis.to_csv(out / "mispredictions.csv", index=False)
    plot_mispredictions(mis, out / "mispredictions.png")
    activation_plots(run, cal, cals, out)
    drawn = phylogeny(run, out, ancestry_of)
    debug = debugging_tables(run, cal, cals, repair_epochs, corrupt_labels)
    debug["debug_models"].to_csv(out / "debug_models.csv", index=False)
    if debug["label_noise"] is not None:
        debug["label_noise"].to_csv(out / "label_noise.csv", index=False)
    summary = {"run_dir": str(run_dir), "evaluations": len(run.result), "pareto_models": int(len(run.pareto_indices())),
               "calibrated_models": int(len(cal)), "hypervolume": run.result.hypervolume(),
               "phylogeny_of": drawn, "motifs_kept": int(len(tables["motifs"])), "pareto_motifs": int(tables["motifs"]["pareto"].sum()),
               "calibration_mean": {c: _mean_or_none(cal[c]) for c in cal.columns if c.endswith(("pearson", "spearman"))},
               "files": sorted(p.name for p in out.iterdir())}
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary


def _mean_or_none(values) -> float | None:
    """Mean of the finite ``values``; None (JSON null) when there is none (a correlation is
    undefined when fewer than 3 calibration bins are filled)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    return float(v.mean()) if len(v) else None
