"""The XNAS trend on digits: searching for (accuracy, introspectability) jointly finds a front
with a larger hypervolume than searching for accuracy alone, at the same budget.

For each seed, two searches of ``--budget`` trained cells each: multi-objective (accuracy and
introspectability) and accuracy-only. The accuracy-only run's cells are then measured for
introspectability too (their checkpoints are cached: nothing is retrained), and both runs'
evaluated cells are scored by the hypervolume of their (accuracy %, introspectability) front with
reference point (100 / classes, 0). Cells shared by the two runs are trained once (disk cache).

    PYTHONPATH=. nice -n 10 python benchmarks/xnas_trend.py --seeds 0 1 2 --budget 30
    PYTHONPATH=. python benchmarks/xnas_trend.py --sampler nsga2 --lamoo --seeds 0 1 2 3 4 --budget 60

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
    hv_m = np.array([r["hv_multi"] for r in rows])
    hv_s = np.array([r["hv_accuracy_only"] for r in rows])
    summary = {"config": {k: (str(v) if k == "cache_dir" else v) for k, v in vars(args).items()},
               "ref_point": ref.tolist(), "rows": rows,
               "hv_multi_mean": float(hv_m.mean()), "hv_multi_std": float(hv_m.std(ddof=1)) if len(rows) > 1 else 0.0,
               "hv_accuracy_only_mean": float(hv_s.mean()),
               "hv_accuracy_only_std": float(hv_s.std(ddof=1)) if len(rows) > 1 else 0.0,
               "multi_wins": int((hv_m > hv_s).sum()), "seeds": len(rows)}
    print(f"\nmean HV over {len(rows)} seeds (ref {ref.tolist()}): multi-objective {summary['hv_multi_mean']:.4g} "
          f"+- {summary['hv_multi_std']:.2g}, accuracy-only {summary['hv_accuracy_only_mean']:.4g} "
          f"+- {summary['hv_accuracy_only_std']:.2g}; multi-objective larger in {summary['multi_wins']}/{len(rows)} seeds; "
          f"ratio {summary['hv_multi_mean'] / max(summary['hv_accuracy_only_mean'], 1e-12):.3f}")
    return summary


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
    args = p.parse_args(argv)
    summary = run(args)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(summary, f, indent=1)
    return summary


if __name__ == "__main__":
    main()
