"""The XNAS trend on digits, tested: does searching for (accuracy, introspectability) jointly find a
front with a larger hypervolume than searching for accuracy alone, at the same budget?

This is the question the script measures, not a result it assumes. The two committed runs
disagree (``benchmarks/results/measurements/xnas_trend.md``): at budget 60 with 10 epochs the two
searches tie (10 seeds), at budget 100 with 20 epochs and batches of 10 the multi-objective
search is ahead in 5 of 5 seeds (git 5714bfe) and, rerun with the current code, in 9 of 10 (sign
test p = 0.021). ``--compare`` prints them side by side with paired statistics.

For each seed, two searches of ``--budget`` trained cells each: multi-objective (accuracy and
introspectability) and accuracy-only. The accuracy-only run's cells are then measured for
introspectability too (their checkpoints are cached: nothing is retrained), and both runs'
evaluated cells are scored by the hypervolume of their (accuracy %, introspectability) front with
reference point (100 / classes, 0). Cells shared by the two runs are trained once (disk cache).
Seeds are paired (the same seed drives both searches), so the summary reports the paired
difference, a two-sided exact sign test and a Wilcoxon signed-rank test.

    PYTHONPATH=. nice -n 10 python benchmarks/xnas_trend.py --seeds 0 1 2 --budget 30
    PYTHONPATH=. python benchmarks/xnas_trend.py --sampler nsga2 --lamoo --seeds 0 1 2 3 4 --budget 60
    PYTHONPATH=. python benchmarks/xnas_trend.py --compare benchmarks/results/measurements/xnas_trend*.json
    PYTHONPATH=. python benchmarks/xnas_trend.py --merge seed0.json seed5.json --out both.json   # one seed a job

Prints one row per seed and the mean; ``--out FILE`` also writes the numbers as JSON.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np


def front_hypervolume(Y: np.ndarray, ref: np.ndarray) -> float:
    """HV of raw (accuracy, introspectability) rows (both maximized) w.r.t. ``ref``."""
    from lamoo.pareto import hypervolume

    Y = Y[np.isfinite(Y).all(1)]
    return float(hypervolume(-Y, -ref)) if len(Y) else 0.0


def paired_stats(hv_multi, hv_accuracy_only) -> dict:
    """Paired comparison of per-seed hypervolumes (two ``(n,)`` arrays, same seeds in order):
    mean difference (multi minus accuracy-only) and its sample std, wins of each side, the
    two-sided exact sign-test p-value (ties dropped) and the two-sided Wilcoxon signed-rank
    p-value (None with fewer than 2 non-zero differences)."""
    from scipy.stats import binomtest, wilcoxon

    diff = np.asarray(hv_multi, float) - np.asarray(hv_accuracy_only, float)
    wins, losses = int((diff > 0).sum()), int((diff < 0).sum())
    sign_p = float(binomtest(wins, wins + losses, 0.5).pvalue) if wins + losses else 1.0
    nonzero = diff[diff != 0]
    wil_p = float(wilcoxon(nonzero).pvalue) if len(nonzero) >= 2 else None
    return {"mean_diff": float(diff.mean()), "std_diff": float(diff.std(ddof=1)) if len(diff) > 1 else 0.0,
            "multi_wins": wins, "accuracy_only_wins": losses, "sign_test_p": sign_p, "wilcoxon_p": wil_p}


def compare(paths) -> list[dict]:
    """Print the committed runs ``paths`` (JSON written by ``--out``) side by side: settings, mean
    HV of each search and the paired statistics. Returns one dict per run."""
    out = []
    for path in paths:
        with open(path) as f:
            run_ = json.load(f)
        c = run_["config"]
        st = paired_stats([r["hv_multi"] for r in run_["rows"]], [r["hv_accuracy_only"] for r in run_["rows"]])
        row = {"path": str(path), "budget": c["budget"], "epochs": c["epochs"], "batch_size": c["batch_size"],
               "seeds": len(run_["rows"]), "hv_multi_mean": run_["hv_multi_mean"],
               "hv_accuracy_only_mean": run_["hv_accuracy_only_mean"], **st}
        out.append(row)
        wil = "n/a" if st["wilcoxon_p"] is None else f"{st['wilcoxon_p']:.3f}"
        print(f"{path}: budget {c['budget']}, {c['epochs']} epochs, batch {c['batch_size']}, {row['seeds']} seeds: "
              f"HV multi {row['hv_multi_mean']:.2f}, accuracy-only {row['hv_accuracy_only_mean']:.2f}; paired "
              f"difference {st['mean_diff']:+.2f} +- {st['std_diff']:.2f}; multi ahead in {st['multi_wins']}, "
              f"behind in {st['accuracy_only_wins']}; sign test p = {st['sign_test_p']:.3f}, Wilcoxon p = {wil}")
    return out


def make_sampler(name: str, lamoo: bool):
    from lamoo import LaMOO
    from samplers import get_sampler

    s = get_sampler(name)
    return LaMOO(s) if lamoo else s


def run(args) -> dict:
    from lamoo import optimize
    from nas_tasks import NB201TrainTask

    common = dict(epochs=args.epochs, channels=args.channels, cells_per_stage=args.cells_per_stage,
                  batch_size=args.train_batch_size, num_threads=args.threads, cache_dir=args.cache_dir)
    mo_task = NB201TrainTask("digits", objectives=["accuracy", "introspectability"], **common)
    so_task = NB201TrainTask("digits", objectives=["accuracy"], **common)
    ref = mo_task.ref_point
    rows = []
    for seed in args.seeds:
        start = time.perf_counter()
        mo = optimize(mo_task, make_sampler(args.sampler, args.lamoo), args.budget, args.n_init, args.batch_size, seed)
        so = optimize(so_task, make_sampler(args.sampler, args.lamoo), args.budget, args.n_init, args.batch_size, seed)
        so_Y = mo_task.evaluate(so.X)  # introspectability of the accuracy-only run's cells (cached weights)
        row = {"seed": seed, "hv_multi": front_hypervolume(mo.Y, ref), "hv_accuracy_only": front_hypervolume(so_Y, ref),
               "best_acc_multi": float(np.nanmax(mo.Y[:, 0])), "best_acc_accuracy_only": float(np.nanmax(so.Y[:, 0])),
               "best_intro_multi": float(np.nanmax(mo.Y[:, 1])), "best_intro_accuracy_only": float(np.nanmax(so_Y[:, 1])),
               "seconds": time.perf_counter() - start}
        rows.append(row)
        print(f"seed {seed}: HV multi {row['hv_multi']:.4g}  accuracy-only {row['hv_accuracy_only']:.4g}  "
              f"(best acc {row['best_acc_multi']:.1f} / {row['best_acc_accuracy_only']:.1f} %, "
              f"best introspectability {row['best_intro_multi']:.3f} / {row['best_intro_accuracy_only']:.3f})  "
              f"{row['seconds']:.0f} s", flush=True)
    config = {k: (str(v) if k == "cache_dir" else v) for k, v in vars(args).items()}
    return summarize(rows, config, ref.tolist())


def summarize(rows: list[dict], config: dict, ref: list) -> dict:
    """The JSON summary of per-seed ``rows`` (means, stds, wins, paired statistics); prints it."""
    hv_m = np.array([r["hv_multi"] for r in rows])
    hv_s = np.array([r["hv_accuracy_only"] for r in rows])
    summary = {"config": config, "ref_point": ref, "rows": rows,
               "hv_multi_mean": float(hv_m.mean()), "hv_multi_std": float(hv_m.std(ddof=1)) if len(rows) > 1 else 0.0,
               "hv_accuracy_only_mean": float(hv_s.mean()),
               "hv_accuracy_only_std": float(hv_s.std(ddof=1)) if len(rows) > 1 else 0.0,
               "multi_wins": int((hv_m > hv_s).sum()), "seeds": len(rows), "paired": paired_stats(hv_m, hv_s)}
    print(f"\nmean HV over {len(rows)} seeds (ref {ref}): multi-objective {summary['hv_multi_mean']:.4g} "
          f"+- {summary['hv_multi_std']:.2g}, accuracy-only {summary['hv_accuracy_only_mean']:.4g} "
          f"+- {summary['hv_accuracy_only_std']:.2g}; multi-objective larger in {summary['multi_wins']}/{len(rows)} seeds; "
          f"ratio {summary['hv_multi_mean'] / max(summary['hv_accuracy_only_mean'], 1e-12):.3f}; paired sign-test "
          f"p = {summary['paired']['sign_test_p']:.3f} (a trend needs a small p here, not a larger mean)")
    return summary


def merge(paths) -> dict:
    """One summary of several ``--out`` JSON files run with the same settings (e.g. one seed per
    process): their rows in seed order, statistics recomputed. Paths and seeds may differ, nothing
    else in the configs."""
    from pathlib import Path

    runs = [json.loads(Path(p).read_text()) for p in paths]
    ignore = ("seeds", "cache_dir", "out", "compare", "merge")
    settings = {json.dumps({k: v for k, v in r["config"].items() if k not in ignore}, sort_keys=True) for r in runs}
    if len(settings) > 1 or len({json.dumps(r["ref_point"]) for r in runs}) > 1:
        raise SystemExit(f"cannot merge runs with different settings: {sorted(settings)}")
    rows = sorted((row for r in runs for row in r["rows"]), key=lambda row: row["seed"])
    if len({row["seed"] for row in rows}) < len(rows):
        raise SystemExit("cannot merge: a seed appears twice")
    config = {k: v for k, v in runs[0]["config"].items() if k not in ("cache_dir", "out", "merge")}
    return summarize(rows, {**config, "seeds": [row["seed"] for row in rows]}, runs[0]["ref_point"])


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--budget", type=int, default=30)
    p.add_argument("--n-init", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=5)
    p.add_argument("--sampler", default="random", help="inner sampler (e.g. nsga2 once registered)")
    p.add_argument("--lamoo", action="store_true", help="wrap the sampler in LaMOO")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--channels", type=int, default=8)
    p.add_argument("--cells-per-stage", type=int, default=1)
    p.add_argument("--train-batch-size", type=int, default=512)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--cache-dir", default=None, help="trained-cell cache (default: $LAMOO_CACHE_DIR or ~/.cache/lamoo)")
    p.add_argument("--out", default=None, help="write the numbers as JSON here")
    p.add_argument("--compare", nargs="+", default=None, metavar="JSON",
                   help="only print committed runs (JSON from --out) side by side with paired statistics")
    p.add_argument("--merge", nargs="+", default=None, metavar="JSON",
                   help="combine runs (JSON from --out, same settings, other seeds) into one summary (--out)")
    args = p.parse_args(argv)
    if args.compare:
        return {"compare": compare(args.compare)}
    summary = merge(args.merge) if args.merge else run(args)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(summary, f, indent=1)
    return summary


if __name__ == "__main__":
    main()
