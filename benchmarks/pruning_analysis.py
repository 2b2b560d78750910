"""What the pruning benchmark's runs mean, read back from their journals
(``benchmarks/results/pruning*/journals/``, written by ``python -m benchmarks.pruning run``).

- LaMOO's partitions (:func:`nas_tasks.pruning.partitions.partition_analysis`): every LaMOO
  run's trees rebuilt batch by batch with the run's own sampler; per split the SVM's training and
  cross-validated accuracy on its good/bad labels, how much of its decision the number of active
  bits explains, the bits it leans on, and the selected region against the rest;
- the yield of each method's batches (:func:`~nas_tasks.pruning.partitions.front_yield`): the
  share of a batch's genomes that nothing evaluated by then dominates;
- the released code's percentile-window ensembles of every front
  (:meth:`nas_tasks.pruning.FrontEnsemble.windows`);
- the influential units of one front and their Grad-CAM (``gradcam.png``).

    OMP_NUM_THREADS=1 nice -n 19 python -m benchmarks.pruning_analysis --out benchmarks/results/pruning

Writes ``analysis.json`` and ``gradcam.png`` in the results folder; ``python -m
benchmarks.pruning report`` adds them to ``REPORT.md``.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from benchmarks.pruning import RESULTS, make_sampler
from lamoo.bench.provenance import git_commit

ROOT_KEYS = ("n", "train_accuracy", "cv_accuracy", "density_corr", "label_density_corr", "good_density",
             "bad_density")


def journals(out: Path) -> dict[tuple[str, int], Path]:
    """``{(method, seed): journal}`` of the runs in ``out/journals``."""
    found = {}
    for path in sorted((out / "journals").glob("*-s*.jsonl")):
        method, seed = path.stem.rsplit("-s", 1)
        found[(method, int(seed))] = path
    return found


def partitions(method: str, path: Path, pop_size: int) -> dict:
    """The partition summary of one LaMOO run, with its root splits batch by batch."""
    from nas_tasks.pruning.partitions import partition_analysis, summarize

    analysis = partition_analysis(path, make_sampler(method, pop_size))
    per_batch = []
    for b in analysis["batches"]:
        root = next((s for s in b["splits"] if s["id"] == 0), None)
        per_batch.append({"batch": b["batch"], "n_samples": b["n_samples"], "n_leaves": b["n_leaves"],
                          "tree_matches": b["tree_matches"], "n_global": b["n_global"],
                          "root": None if root is None else {k: root[k] for k in ROOT_KEYS + ("top_bits",)},
                          "selected": b["selected"]})
    return {"summary": summarize(analysis), "batches": per_batch}


def analyze(out: Path, gradcam_run: str | None) -> dict:
    """Everything in the module docstring, for the runs of ``out``."""
    from lamoo import Result
    from nas_tasks.pruning.ensemble import FrontEnsemble
    from nas_tasks.pruning.neurons import gradcam_figure, influential_units
    from nas_tasks.pruning.partitions import front_yield

    data = json.loads((out / "results.json").read_text())
    setting = data["setting"]
    task = _task(setting)
    found = journals(out)
    result = {"n_bits": setting["layout"]["length"], "commit": git_commit(), "partitions": {}, "yield": {}, "windows": {},
              "ensembles": {}}
    for (method, seed), path in found.items():
        key = f"{method}-s{seed}"
        run = Result.from_journal(path)
        yields = front_yield(run)
        result["yield"][key] = {"mean": float(np.mean([y["yield"] for y in yields])),
                                "per_batch": [y["yield"] for y in yields]}
        if method.startswith("lamoo-"):
            result["partitions"][key] = partitions(method, path, setting["pop_size"])
        ensemble = FrontEnsemble.from_result(task, run)
        result["ensembles"][key] = ensemble.evaluate()
        result["windows"][key] = {"recorded_accuracy_matches": result["ensembles"][key]["recorded_accuracy_matches"],
                                  "rows": ensemble.windows()}
        print(f"{key}: yield {result['yield'][key]['mean']:.3f}", flush=True)
    if gradcam_run is None and found:
        gradcam_run = "lamoo-nsga2-binary-s0" if ("lamoo-nsga2-binary", 0) in found else "%s-s%d" % next(iter(found))
    if gradcam_run:
        method, seed = gradcam_run.rsplit("-s", 1)
        ensemble = FrontEnsemble.from_result(task, Result.from_journal(found[(method, int(seed))]))
        neurons = influential_units(task, ensemble.genomes, ensemble.recorded, 10)
        neurons["gradcam"] = gradcam_figure(task, ensemble.genomes, ensemble.recorded, out / "gradcam.png", top_k=5)
        result["neurons"] = {"run": gradcam_run, **{k: v for k, v in neurons.items() if k != "frequency"}}
    (out / "analysis.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


def _task(setting: dict):
    import torch

    from nas_tasks.pruning.presets import prune_digits

    torch.set_num_threads(1)
    return prune_digits(hidden=setting["layout"]["n_hidden"], level=setting["layout"]["level"], training="fast",
                        device="cpu", num_threads=1)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=RESULTS, help="results folder (default: benchmarks/results/pruning)")
    p.add_argument("--gradcam-run", default=None, metavar="METHOD-sSEED",
                   help="the run whose front's influential units get Grad-CAM (default: the first journal)")
    args = p.parse_args(argv)
    analyze(args.out, args.gradcam_run)


if __name__ == "__main__":
    main()


def _mean(values) -> float:
    values = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def partition_lines(analysis: dict) -> list[str]:
    """The report's section on LaMOO's partitions and the batches' yields."""
    parts = analysis.get("partitions", {})
    if not parts:
        return []
    lines = ["", "## What LaMOO's SVM partitions mean here", "",
             "Every LaMOO run's trees rebuilt from its journal, batch by batch, with the run's own sampler "
             "(`nas_tasks.pruning.partitions.partition_analysis`; `tree matches`: batches whose rebuilt tree selects "
             "the node the run recorded). Good/bad labels are LaMOO's (dominance number, best half good); accuracy "
             "is the SVM's on those labels, on its own samples (train) and 5-fold cross-validated (CV, 0.5 = chance); "
             "density corr is the correlation of the SVM's decision value (positive = good side) with the number of "
             "active bits; densities are the children's mean fraction of active bits; the selected region is the "
             "one each batch was proposed in.", "",
             "| run | batches (tree matches) | root n | root train acc | root CV acc | all splits train / CV acc "
             "| root density corr | root labels' density corr | good / bad child density | selected: share of samples "
             "/ of front | selected HV / rest HV |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, p in sorted(parts.items()):
        s = p["summary"]
        matches = sum(b["tree_matches"] for b in p["batches"])
        lines.append(f"| {key} | {s['n_batches']} ({matches}) | {s['root_n']:.0f} | {s['root_train_accuracy']:.2f} | "
                     f"{s['root_cv_accuracy']:.2f} | {s['all_train_accuracy']:.2f} / {s['all_cv_accuracy']:.2f} | "
                     f"{s['root_density_corr']:+.2f} | {s['root_label_density_corr']:+.2f} | "
                     f"{s['root_good_density']:.2f} / {s['root_bad_density']:.2f} | "
                     f"{s['selected_share_of_samples']:.2f} / {s['selected_share_of_front']:.2f} | "
                     f"{s['selected_hv_inside']:.2f} / {s['selected_hv_outside']:.2f} |")
    for method in sorted({key.rsplit("-s", 1)[0] for key in parts}):
        lines += ["", _partition_summary(method, [p for k, p in parts.items() if k.rsplit("-s", 1)[0] == method],
                                         analysis.get("n_bits", "?"))]
    return lines + yield_lines(analysis)


def _partition_summary(method: str, parts: list[dict], n_bits) -> str:
    """One paragraph of means over ``method``'s runs (their :func:`partitions` entries)."""
    summaries = [p["summary"] for p in parts]
    m = {k: _mean([s[k] for s in summaries]) for k in summaries[0]}
    top = [b["root"]["top_bits"][0][0] for p in parts for b in p["batches"] if b["root"]]
    return (f"{method}, means over {len(parts)} runs: the root SVM reproduces its labels on "
            f"{m['root_train_accuracy']:.0%} of its own samples and on {m['root_cv_accuracy']:.0%} of held-out ones "
            f"({m['all_train_accuracy']:.0%} and {m['all_cv_accuracy']:.0%} over all splits; {n_bits} bits, "
            f"{m['root_n']:.0f} samples at the root, {m['all_n']:.0f} per split). Its decision value correlates "
            f"{m['root_density_corr']:+.2f} with the number of active bits (R² {m['root_density_r2']:.2f}; the good "
            f"child keeps {m['root_good_density']:.0%} of the bits, the bad one {m['root_bad_density']:.0%}; the labels "
            f"themselves correlate {m['root_label_density_corr']:+.2f}). The bit most correlated with a root's decision "
            f"changes from batch to batch ({len(set(top))} distinct bits over {len(top)} root splits). The selected "
            f"regions hold {m['selected_share_of_samples']:.0%} of the samples and {m['selected_share_of_front']:.0%} "
            f"of the current front, with {m['selected_density']:.0%} of the bits active on average.")


def yield_lines(analysis: dict) -> list[str]:
    """The table of mean batch yields per method."""
    by_method: dict[str, list[float]] = {}
    for key, y in analysis.get("yield", {}).items():
        by_method.setdefault(key.rsplit("-s", 1)[0], []).append(y["mean"])
    if not by_method:
        return []
    lines = ["", "Batch yield: the share of a batch's genomes that nothing evaluated by the batch's end dominates "
                 "(`front_yield`), averaged over the batches after the initial design, then over seeds:", "",
             "| method | mean yield | per seed |", "|---|---|---|"]
    lines += [f"| {m} | {np.mean(v):.3f} | {', '.join(f'{x:.3f}' for x in v)} |" for m, v in sorted(by_method.items())]
    pairs = [(m, m.removeprefix("lamoo-")) for m in sorted(by_method) if m.startswith("lamoo-")
             and m.removeprefix("lamoo-") in by_method]
    if pairs:
        lines += ["", "Wrapped in LaMOO, the yield changes by " + "; ".join(
            f"{np.mean(by_method[m]) - np.mean(by_method[inner]):+.3f} for {inner}" for m, inner in pairs) + "."]
    return lines


def window_lines(analysis: dict) -> list[str]:
    """The report's section on the released code's percentile-window ensembles (test split)."""
    windows = analysis.get("windows", {})
    if not windows:
        return []
    rows: dict[tuple, list[dict]] = {}
    for w in windows.values():
        for r in w["rows"]:
            rows.setdefault((r["by"], tuple(r["window"])), []).append(r)
    checks = sum(bool(w["recorded_accuracy_matches"]) for w in windows.values())
    lines = ["", "## Percentile-window ensembles (the released code's)", "",
             "The released code's ensemble scripts (ari-dasci/S-MOEvoPruneDeepTL, `ensemble/plots_ensembles_accuracy.py`"
             " and `ensemble/plot_ensembles_OoD.py`) vote among the models whose accuracy (for accuracy) or AUROC (for "
             "OoD detection) lies in a percentile window of all models', and compare with the window's best member. "
             "Here: every run's front, members chosen by their validation values, ensembles measured on test "
             f"(`FrontEnsemble.windows`, `lamoo prune-report --window`); differences averaged over the {len(windows)} "
             f"runs (heads retrained; their validation accuracy matched the recorded one in {checks} of "
             f"{len(windows)}). Best single: chosen on validation within the window; max member: the best on test "
             "(the released code's comparison, an oracle). AUROC: the vote's on the 100-threshold grid against the "
             "single models' on the same grid.", "",
             "| selected by | window | mean members | vote - best single acc | vote - max member acc "
             "| vote - best single grid AUROC | vote - max member grid AUROC |", "|---|---|---|---|---|---|---|"]
    for (by, (lo, hi)), rs in sorted(rows.items()):
        diff = lambda a, b: _mean([r[a] - r[b] for r in rs if a in r])  # noqa: E731
        auroc = (f"{diff('vote_grid_auroc', 'best_grid_auroc'):+.4f} | {diff('vote_grid_auroc', 'max_grid_auroc'):+.4f}"
                 if "vote_grid_auroc" in rs[0] else " | ")
        lines.append(f"| {by} | {lo:g}-{hi:g} | {_mean([len(r['members']) for r in rs]):.1f} | "
                     f"{diff('vote_accuracy', 'best_accuracy'):+.2f} | {diff('vote_accuracy', 'max_accuracy'):+.2f} | "
                     f"{auroc} |")
    return lines


def neuron_lines(analysis: dict) -> list[str]:
    """The report's section on the influential units and their Grad-CAM figure."""
    n = analysis.get("neurons")
    if not n:
        return []
    top = ", ".join(f"{t['unit']} ({t['frequency']:.0%})" for t in n["top"][:5])
    return ["", "## Influential units and Grad-CAM", "",
            f"In the front of `{n['run']}` ({n['n_models']} models), the {n['unit_kind']}s kept most often: {top}; "
            f"kept by every model: {n['kept_by_all'] or 'none'}; by none: {len(n['kept_by_none'])} units. "
            f"[gradcam.png](gradcam.png) shows {n['gradcam']['method']} of the five most kept on the backbone's "
            f"`{n['gradcam']['feature_map']}` map for one {n['gradcam']['part']} image of each of four classes "
            "(8 x 8 images: the maps are coarse).", "", "![Grad-CAM](gradcam.png)"]


def recomputed_ensembles(out: Path) -> tuple[dict, str | None]:
    """``({"METHOD-sSEED": FrontEnsemble.evaluate() report}, commit)`` of ``out/analysis.json``
    (the ensembles recomputed from the journals by the analysis' code), or ``({}, None)``."""
    path = out / "analysis.json"
    if not path.is_file():
        return {}, None
    analysis = json.loads(path.read_text())
    return analysis.get("ensembles", {}), analysis.get("commit")


def report_lines(out: Path) -> list[str]:
    """Every analysis section of ``out/analysis.json`` (none without it)."""
    path = out / "analysis.json"
    if not path.is_file():
        return []
    analysis = json.loads(path.read_text())
    return partition_lines(analysis) + window_lines(analysis) + neuron_lines(analysis)
