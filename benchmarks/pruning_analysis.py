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
    result = {"partitions": {}, "yield": {}, "windows": {}}
    for (method, seed), path in found.items():
        key = f"{method}-s{seed}"
        run = Result.from_journal(path)
        yields = front_yield(run)
        result["yield"][key] = {"mean": float(np.mean([y["yield"] for y in yields])),
                                "per_batch": [y["yield"] for y in yields]}
        if method.startswith("lamoo-"):
            result["partitions"][key] = partitions(method, path, setting["pop_size"])
        ensemble = FrontEnsemble.from_result(task, run)
        result["windows"][key] = {"recorded_accuracy_matches": ensemble.evaluate()["recorded_accuracy_matches"],
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
