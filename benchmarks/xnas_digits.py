"""XNAS claims reproduced on a small dataset (default: the bundled digits), with what agrees with the
paper's CIFAR-10 figures and what does not written out plainly.

Two searches with the same seed and budget (``lamoo optimize --task nb201-train``, NSGA-II):
plain training, and training with the introspection regularizer (Eq. 5, weight ``--weight``).
Each run is then analysed (:func:`nas_tasks.xnas.report.analyze`) and three claims are checked:

1. high-introspectability models calibrate better by activations than low ones (Fig. 7): the
   Spearman correlation, over the plain run's Pareto-optimal models, of introspectability with the
   activation-calibration Pearson r, and the most against the least introspectable model;
2. they identify more mispredictions at the 20th percentile (Fig. 8 top): accuracy gain from
   removing the 20 % lowest activation confidences, most against least introspectable model;
3. the regularizer raises introspectability and hypervolume (Table 1): best introspectability and
   HV of the regularized run against the plain one (same reference point);
4. they find more corrupted labels at the 20th percentile (Fig. 8 bottom; the paper: about 20 %
   more on CIFAR-10): 20 % of the training labels corrupted, the most and the least
   introspectable cells of the plain run retrained on them, share of the corrupted samples among
   the 20 % lowest activation confidences.

    OMP_NUM_THREADS=1 PYTHONPATH=. nice -n 19 python benchmarks/xnas_digits.py --out benchmarks/results/xnas_digits
    ... --dataset mnist --data-root ~/data --epochs 5          # the same on MNIST files a user has
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np


def search(args, work: Path, name: str, weight: float) -> Path:
    """One ``lamoo optimize`` run in ``work / name``; returns its folder."""
    from lamoo.cli import main

    out = work / name
    argv = ["optimize", "--task", "nb201-train", "--dataset", args.dataset, "--sampler", args.sampler,
            "--budget", str(args.budget), "--n-init", str(args.n_init), "--batch-size", str(args.batch_size),
            "--epochs", str(args.epochs), "--channels", str(args.channels), "--cells-per-stage",
            str(args.cells_per_stage), "--num-threads", str(args.threads), "--seed", str(args.seed),
            "--cache-dir", str(args.cache_dir), "--out", str(out), "--no-progress"]
    if args.data_root:
        argv += ["--data-root", args.data_root]
    if weight > 0:
        argv += ["--introspection-weight", str(weight)]
    if main(argv) != 0:
        raise SystemExit(f"the {name} search failed")
    return out


def claims(plain: dict, reg: dict) -> list[dict]:
    """The four checks from the two runs' analysis tables (see the module docstring): each a dict
    with ``id``, ``claim``, ``measured`` (text), ``values`` (the numbers) and ``agrees``
    (:func:`verdict` of the values)."""
    from scipy.stats import spearmanr

    cal, mis = plain["calibration"], plain["mispredictions"]
    rho = float(spearmanr(cal["introspectability"], cal["activation_pearson"], nan_policy="omit")[0]) \
        if len(cal) >= 3 else float("nan")
    hi, lo = cal.loc[cal["introspectability"].idxmax()], cal.loc[cal["introspectability"].idxmin()]
    g = mis[(mis["score"] == "activation") & (mis["percentile"] == 20)].set_index("model")["accuracy_gain"]
    g_hi, g_lo = float(g.get("highest introspectability", np.nan)), float(g.get("lowest introspectability", np.nan))
    rows = [
        {"id": "calibration", "claim": "high-introspectability models calibrate better by activations (Fig. 7)",
         "measured": f"Spearman(introspectability, activation Pearson r) over {len(cal)} Pareto models = {rho:.2f}; "
                     f"most introspectable ({hi['introspectability']:.3f}) r = {hi['activation_pearson']:.3f}, "
                     f"least ({lo['introspectability']:.3f}) r = {lo['activation_pearson']:.3f}",
         "values": {"spearman_front": rho, "n_models": int(len(cal)), "r_most": float(hi["activation_pearson"]),
                    "r_least": float(lo["activation_pearson"])}},
        {"id": "mispredictions", "claim": "they identify more mispredictions at the 20th percentile (Fig. 8 top)",
         "measured": f"accuracy gain removing the lowest 20 % activation confidences: most introspectable "
                     f"{g_hi:+.2f} pp, least {g_lo:+.2f} pp",
         "values": {"gain_most": g_hi, "gain_least": g_lo}},
        {"id": "regularizer", "claim": "the regularizer raises introspectability and hypervolume (Table 1)",
         "measured": f"best introspectability {reg['best_intro']:.3f} with the regularizer vs {plain['best_intro']:.3f} "
                     f"without; HV {reg['hv']:.4g} vs {plain['hv']:.4g}",
         "values": {"intro_regularized": float(reg["best_intro"]), "intro_plain": float(plain["best_intro"]),
                    "hv_regularized": float(reg["hv"]), "hv_plain": float(plain["hv"])}},
        _label_noise_claim(plain.get("label_noise")),
    ]
    return [{**r, "agrees": verdict(r["id"], r["values"])} for r in rows]


def _label_noise_claim(noise) -> dict:
    claim = "they find more corrupted labels at the 20th percentile (Fig. 8 bottom; paper: ~20 % more)"
    if noise is None or len(noise) == 0:
        return {"id": "corrupted_labels", "claim": claim, "measured": "not measured", "values": {}}
    d = noise[(noise["score"] == "activation") & (noise["percentile"] == 20)].set_index("model")["detected_percent"]
    hi, lo = float(d.get("highest introspectability", np.nan)), float(d.get("lowest introspectability", np.nan))
    return {"id": "corrupted_labels", "claim": claim,
            "measured": f"corrupted labels among the lowest 20 % activation confidences: most introspectable "
                        f"{hi:.1f} %, least {lo:.1f} % (chance 20 %)",
            "values": {"detected_most": hi, "detected_least": lo}}


def _greater(a, b):
    """a > b, or None when either is missing (NaN: e.g. a front of one model has no least one)."""
    a, b = float(a), float(b)
    return None if np.isnan(a) or np.isnan(b) else bool(a > b)


def verdict(claim_id: str, v: dict) -> str:
    """"yes", "no", "partly (PART only)" or "n/a" for claim ``claim_id`` from its ``values``;
    a part that cannot be measured (a Pareto front of one model has no least introspectable
    model, of two no correlation) is n/a, never "no"."""
    nan = float("nan")
    if claim_id == "calibration":
        n = v.get("n_models", 0)
        parts = {"across the front": _greater(v["spearman_front"], 0) if n >= 3 else None,
                 "most vs least": _greater(v["r_most"], v["r_least"]) if n >= 2 else None}
    elif claim_id == "mispredictions":
        parts = {"most vs least": _greater(v.get("gain_most", nan), v.get("gain_least", nan))}
    elif claim_id == "regularizer":
        parts = {"introspectability": _greater(v["intro_regularized"], v["intro_plain"]),
                 "hypervolume": _greater(v["hv_regularized"], v["hv_plain"])}
    else:
        parts = {"most vs least": _greater(v.get("detected_most", nan), v.get("detected_least", nan))}
    measured = {k: ok for k, ok in parts.items() if ok is not None}
    if not measured:
        return "n/a"
    held = [k for k, ok in measured.items() if ok]
    out = "yes" if len(held) == len(measured) else "no" if not held else f"partly ({', '.join(held)} only)"
    missing = [k for k, ok in parts.items() if ok is None]
    return out + (f" ({', '.join(missing)}: n/a)" if missing else "")


def analysed(run_dir: Path, args) -> dict:
    """Analyse the finished run in ``run_dir`` (:func:`nas_tasks.xnas.report.analyze`, into
    ``run_dir / "analysis"``) and :func:`read_run` it."""
    from nas_tasks.xnas.report import analyze

    noise = args.corrupt if run_dir.name == "plain" else 0.0
    analyze(run_dir, run_dir / "analysis", args.cache_dir, args.data_root, "cpu", args.threads, args.max_models,
            corrupt_labels=noise)
    return read_run(run_dir)


def read_run(run_dir: Path) -> dict:
    """An analysed run's tables (``calibration``, ``mispredictions``, ``label_noise`` or None) and
    summary (``hv``, ``best_intro``, ``best_acc``, ``n`` cells)."""
    import pandas as pd
    from lamoo.result import Result

    path = run_dir / "analysis" / "label_noise.csv"
    res = Result.from_journal(run_dir / "journal.jsonl")
    intro = res.Y[:, [o.name for o in res.objectives].index("introspectability")]
    return {"calibration": pd.read_csv(run_dir / "analysis" / "calibration.csv"),
            "mispredictions": pd.read_csv(run_dir / "analysis" / "mispredictions.csv"),
            "label_noise": pd.read_csv(path) if path.is_file() else None,
            "hv": res.hypervolume(), "best_intro": float(np.nanmax(intro)),
            "best_acc": float(np.nanmax(res.Y[:, 0])), "n": len(res)}


def write_report(out: Path, args, rows: list[dict], runs: dict, seconds: float) -> None:
    lines = [f"# XNAS claims on {args.dataset}", "",
             f"Setting: NB201 cells, C={args.channels}, N={args.cells_per_stage}, {args.epochs} epochs, "
             f"sampler {args.sampler}, budget {args.budget} (n_init {args.n_init}, batches of {args.batch_size}), "
             f"seed {args.seed}, regularizer weight {args.weight}; one seed, so each line is one measurement, "
             f"not a trend. " + (f"Wall time {seconds / 60:.1f} min on a shared 2-core machine." if seconds is not None
                                  else "Re-read from finished runs (--from-runs); wall time not measured here."), "",
             "| claim (paper, CIFAR-10) | measured here | agrees |", "|---|---|---|"]
    lines += [f"| {r['claim']} | {r['measured']} | {r['agrees']} |" for r in rows]
    lines += ["", "Runs: " + "; ".join(f"{k}: {v['n']} cells, best accuracy {v['best_acc']:.1f} %, best introspectability "
                                   f"{v['best_intro']:.3f}, HV {v['hv']:.4g}" for k, v in runs.items()), "",
              "Files: `plain_*` and `regularized_*` are the analyses' tables" + ("" if args.no_plots else " and plots")
              + " of the two runs."]
    (out / "REPORT.md").write_text("\n".join(lines) + "\n")


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", default="digits")
    p.add_argument("--data-root", default=None)
    p.add_argument("--sampler", default="nsga2")
    p.add_argument("--budget", type=int, default=50)
    p.add_argument("--n-init", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=10)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--channels", type=int, default=8)
    p.add_argument("--cells-per-stage", type=int, default=1)
    p.add_argument("--weight", type=float, default=0.5, help="introspection regularizer weight (paper: 0.5)")
    p.add_argument("--corrupt", type=float, default=0.2, help="corrupted label fraction (paper: 0.2; 0: skip)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--max-models", type=int, default=10, help="Pareto models calibrated per run")
    p.add_argument("--cache-dir", type=Path, default=None, help="trained-cell cache (default: a temporary folder)")
    p.add_argument("--out", type=Path, required=True, help="folder for REPORT.md, claims.json and the analyses")
    p.add_argument("--no-plots", action="store_true", help="copy the analyses' tables only")
    p.add_argument("--from-runs", type=Path, default=None,
                   help="re-read finished, analysed runs (FOLDER/plain, FOLDER/regularized) instead of running them")
    args = p.parse_args(argv)
    start = time.perf_counter()
    if args.from_runs is not None:
        work, seconds = args.from_runs, None
        runs = {name: read_run(work / name) for name in ("plain", "regularized")}
    else:
        work = Path(tempfile.mkdtemp(prefix="xnas-digits-"))
        args.cache_dir = args.cache_dir or work / "cache"
        runs = {name: analysed(search(args, work, name, w), args) for name, w in (("plain", 0.0),
                                                                                  ("regularized", args.weight))}
        seconds = time.perf_counter() - start
    rows = claims(runs["plain"], runs["regularized"])
    copy_analyses(work, args.out, plots=not args.no_plots)
    config = {k: str(v) for k, v in vars(args).items() if k not in ("cache_dir", "data_root", "out", "from_runs")}
    summary = {k: {f: v[f] for f in ("n", "best_acc", "best_intro", "hv")} for k, v in runs.items()}
    (args.out / "claims.json").write_text(json.dumps({"config": config, "runs": summary, "claims": rows},
                                                     indent=1) + "\n")
    write_report(args.out, args, rows, runs, seconds)
    for r in rows:
        print(f"agrees: {r['agrees']}: {r['claim']}: {r['measured']}")
    return rows


def copy_analyses(work: Path, out: Path, plots: bool = True) -> None:
    """Copy each run's analysis tables (and plots) from ``work/RUN/analysis`` to ``out/RUN_FILE``."""
    out.mkdir(parents=True, exist_ok=True)
    files = ["calibration.csv", "mispredictions.csv", "motifs.csv", "debug_models.csv", "label_noise.csv"]
    files += ["front.png", "calibration.png", "mispredictions.png", "activations_pca_most.png",
              "phylogeny.png"] if plots else []
    for name in ("plain", "regularized"):
        for f in files:
            if (work / name / "analysis" / f).is_file():
                shutil.copy(work / name / "analysis" / f, out / f"{name}_{f}")


if __name__ == "__main__":
    main()
