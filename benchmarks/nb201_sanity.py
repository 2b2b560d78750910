"""A quick sanity check on NAS-Bench-201 (not the benchmark grid, which is benchmarks/run.py):
random search against LaMOO(random) with raw and one-hot classifier features.

    python benchmarks/nb201_sanity.py [--table PATH] [--objectives cifar10_test_acc,flops]
        [--seeds 3] [--budget 300] [--batch-size 5] [--n-init 10]

For each method and seed it prints the number of evaluations needed to reach 99% and 99.9% of
the table's maximum hypervolume (">B" when the budget ran out) and the final hypervolume ratio,
then the mean over seeds (runs that never reached the level count as the budget, so the mean is
a lower bound) and the ratio random / LaMOO.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "nb201" / "nb201_cifar.csv"
LEVELS = (0.99, 0.999)


def samples_to_reach(trace: np.ndarray, target: float) -> int | None:
    hit = np.flatnonzero(trace >= target)
    return int(hit[0]) + 1 if len(hit) else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", default=str(SHARED))
    parser.add_argument("--objectives", default="cifar10_test_acc,flops")
    parser.add_argument("--dataset", default="cifar10")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=5)
    parser.add_argument("--n-init", type=int, default=10)
    parser.add_argument("--methods", default="random,lamoo-raw,lamoo-onehot")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from lamoo import LaMOO, optimize
    from nas_tasks import NB201TableTask
    from samplers import RandomSampler

    if not Path(args.table).is_file():
        print(f"table not found: {args.table}")
        return 1
    task = NB201TableTask(args.table, args.objectives.split(","), dataset=args.dataset)
    makers = {
        "random": RandomSampler,
        "lamoo-raw": lambda: LaMOO(RandomSampler(), features="raw"),
        "lamoo-onehot": lambda: LaMOO(RandomSampler(), features="onehot"),
    }
    methods = args.methods.split(",")
    print(f"{task!r}\nref_point={task.ref_point.tolist()} max_hypervolume={task.max_hypervolume:.6g} "
          f"budget={args.budget} batch={args.batch_size} n_init={args.n_init} seeds=0..{args.seeds - 1}\n")
    means = {}
    for name in methods:
        counts = {lv: [] for lv in LEVELS}
        finals, secs = [], []
        for seed in range(args.seeds):
            t = time.perf_counter()
            res = optimize(task, makers[name](), budget=args.budget, n_init=args.n_init, batch_size=args.batch_size,
                           seed=seed)
            secs.append(time.perf_counter() - t)
            trace = np.asarray(res.hypervolume_trace)
            finals.append(trace[-1] / task.max_hypervolume)
            cells = []
            for lv in LEVELS:
                n = samples_to_reach(trace, lv * task.max_hypervolume)
                counts[lv].append(n)
                cells.append(f"{n:>4}" if n is not None else f">{args.budget}")
            print(f"{name:>13} seed {seed}: to 99%: {cells[0]:>5}  to 99.9%: {cells[1]:>5}  "
                  f"final HV ratio {finals[-1]:.5f}  ({secs[-1]:.1f} s)", flush=True)
        means[name] = {lv: float(np.mean([c if c is not None else args.budget for c in counts[lv]])) for lv in LEVELS}
        reached = {lv: sum(c is not None for c in counts[lv]) for lv in LEVELS}
        print(f"{name:>13}   mean: to 99%: {means[name][0.99]:.1f} ({reached[0.99]}/{args.seeds} reached)  "
              f"to 99.9%: {means[name][0.999]:.1f} ({reached[0.999]}/{args.seeds} reached)  "
              f"final ratio {np.mean(finals):.5f}  {np.mean(secs):.1f} s/run\n", flush=True)
    if "random" in means:
        for name in methods:
            if name != "random":
                r = means["random"][0.99] / means[name][0.99]
                print(f"random / {name} (samples to 99%): {r:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
