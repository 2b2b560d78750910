"""Asynchronous evaluation on a local Ray cluster: evaluations per second against the number of workers.

The task is :class:`lamoo.testing.toys.SleepTask`: each evaluation sleeps a duration drawn
uniformly from ``[0.5, 2]`` s, fixed by the point (a simulated expensive evaluation that uses no
CPU, so the workers scale past the machine's cores). For each worker count ``w`` one run
``optimize(task, RandomSampler(), budget=E * w, n_init=w, evaluator=RayEvaluator(n_workers=w))``
is timed (``E``: ``--evals-per-worker``), all on one local Ray cluster of ``max(w)`` logical CPUs,
started once and warmed up (every worker process started) before the first timed run.

Printed per ``w``: ``evals/s``: points told / wall seconds of the ``optimize`` call (asks,
tells and the end of the run, when workers go idle one by one as the budget runs out, included);
``vs linear``: that rate over ``w`` times the rate of ``w = 1`` measured in the same run (the
target is >= 0.9); ``steady/s`` and its ``vs linear``: the rate until the ``(budget - w)``-th
point is told, while every worker that finished got a new point at once (the end of the run
left out); ``vs ideal``: ``evals/s`` over ``w / mean duration`` of the points that run evaluated
(removes the luck of the drawn durations); ``busy``: the workers' evaluation seconds over
``w x wall``.

    python -m benchmarks.ray_scaling                       # w = 1..16, 20 evaluations per worker
    python -m benchmarks.ray_scaling --workers 1 2 4 8 16 --evals-per-worker 10

Run from the repository root (``benchmarks`` is not installed); needs Ray (``pip install 'lamoo[ray]'``).
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from lamoo import optimize
from lamoo.evaluators import RayEvaluator, connect_ray
from lamoo.testing.toys import SleepTask
from samplers import RandomSampler


def timed_run(task: SleepTask, n_workers: int, evals_per_worker: int, seed: int) -> dict:
    """One asynchronous run on ``n_workers`` workers; its rate, ideal rate and worker busy share."""
    budget = evals_per_worker * n_workers
    told_at: list[float] = []
    start = time.perf_counter()
    res = optimize(task, RandomSampler(), budget=budget, n_init=n_workers, seed=seed,
                   evaluator=RayEvaluator(n_workers=n_workers),
                   callback=lambda study, X, Y: told_at.append(time.perf_counter() - start))
    wall = time.perf_counter() - start
    steady = budget - n_workers
    durations = np.array([task.duration(x) for x in res.X])
    told = len(res.X) - int(np.isnan(res.Y).any(axis=1).sum())
    return {"workers": n_workers, "evals": len(res.X), "failed": len(res.X) - told, "wall": wall,
            "rate": len(res.X) / wall, "ideal": n_workers / durations.mean(),
            "steady": steady / told_at[steady - 1] if steady > 0 else float("nan"),
            "busy": durations.sum() / (n_workers * wall)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=list(range(1, 17)))
    parser.add_argument("--evals-per-worker", type=int, default=20)
    parser.add_argument("--low", type=float, default=0.5, help="shortest evaluation, seconds (default: 0.5)")
    parser.add_argument("--high", type=float, default=2.0, help="longest evaluation, seconds (default: 2)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    import ray

    print(f"machine: {os.cpu_count()} CPU cores ({platform.processor() or platform.machine()}), load average "
          f"{os.getloadavg()[0]:.1f} at start; Python {platform.python_version()}, Ray {ray.__version__}")
    print(f"task: SleepTask, each evaluation sleeps U[{args.low}, {args.high}] s (no CPU); sampler: random; "
          f"budget = {args.evals_per_worker} x workers, n_init = workers; one local Ray cluster of "
          f"{max(args.workers)} logical CPUs, 1 CPU (and 1 thread) per worker")
    connect_ray(num_cpus=max(args.workers))
    try:
        start = time.perf_counter()
        optimize(SleepTask(0.2, 0.3), RandomSampler(), budget=2 * max(args.workers), seed=args.seed,
                 evaluator=RayEvaluator(n_workers=max(args.workers)))  # warm-up: start every worker process
        print(f"warm-up (cluster of {max(args.workers)} workers started): {time.perf_counter() - start:.1f} s\n")
        task = SleepTask(args.low, args.high, seed=args.seed)
        print(f"{'workers':>7} {'evals':>5} {'failed':>6} {'wall s':>7} {'evals/s':>8} {'vs linear':>9} "
              f"{'steady/s':>8} {'vs linear':>9} {'vs ideal':>8} {'busy':>5}")
        base = None
        for w in args.workers:
            row = timed_run(task, w, args.evals_per_worker, args.seed + w)
            base = base if base is not None else (row["rate"] / w, row["steady"] / w)
            print(f"{w:>7} {row['evals']:>5} {row['failed']:>6} {row['wall']:>7.2f} {row['rate']:>8.3f} "
                  f"{row['rate'] / (w * base[0]):>9.3f} {row['steady']:>8.3f} {row['steady'] / (w * base[1]):>9.3f} "
                  f"{row['rate'] / row['ideal']:>8.3f} {row['busy']:>5.2f}", flush=True)
    finally:
        ray.shutdown()
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
