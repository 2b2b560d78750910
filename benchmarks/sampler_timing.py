"""Optimizer time per iteration of each sampler, alone and inside LaMOO, and a quick sanity
comparison of final hypervolumes.

    PYTHONPATH=. nice -n 10 python benchmarks/sampler_timing.py timing   # seconds per batch of 5
    PYTHONPATH=. nice -n 10 python benchmarks/sampler_timing.py compare  # X vs LaMOO(X), 3 seeds

``timing`` proposes one batch of ``--batch`` points on an archive of ``--archive`` Latin-hypercube
points of each problem and prints wall-clock and process-CPU seconds (median over ``--repeats``;
torch uses one thread). ``compare`` runs ``optimize`` with ``--budget`` evaluations for each
sampler alone and wrapped in LaMOO and prints the median final hypervolume and log10 of the gap to
the known maximum. This is a quick check, not the benchmark grid (see ``benchmarks/run.py``).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

SAMPLERS = ["random", "qehvi", "qlogehvi", "qlognehvi", "cmaes", "nsga2"]


def _limit_threads() -> None:
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass


def _make(name: str, wrapped: bool):
    from lamoo import LaMOO
    from samplers import get_sampler

    sampler = get_sampler(name)
    return LaMOO(sampler) if wrapped else sampler


def timing(problems, samplers, n_archive: int, batch: int, repeats: int, modes=(False, True)) -> list[dict]:
    from lamoo.archive import Archive
    from lamoo.problems import get_problem
    from lamoo.region import Region

    rows = []
    for problem in problems:
        task = get_problem(problem)
        rng = np.random.default_rng(0)
        X = task.space.sample_initial(n_archive, rng)
        archive = Archive(task.space, task.objectives, task.ref_point)
        archive.append(X, task.evaluate(X), sources=["init"] * len(X))
        small = Archive(task.space, task.objectives, task.ref_point)
        small.append(X[:12], archive.Y[:12], sources=["init"] * 12)
        for name in samplers:
            _make(name, False).propose(Region.whole(small), small, batch, np.random.default_rng(0))  # imports
            for wrapped in modes:
                walls, cpus = [], []
                for r in range(repeats):
                    sampler = _make(name, wrapped)
                    wall, cpu = time.perf_counter(), time.process_time()
                    sampler.propose(Region.whole(archive), archive, batch, np.random.default_rng(r))
                    walls.append(time.perf_counter() - wall)
                    cpus.append(time.process_time() - cpu)
                label = f"LaMOO({name})" if wrapped else name
                rows.append({"problem": problem, "method": label, "wall_s": float(np.median(walls)),
                             "cpu_s": float(np.median(cpus))})
                print(f"  {problem:15s} {label:18s} wall {rows[-1]['wall_s']:7.2f} s  cpu {rows[-1]['cpu_s']:7.2f} s",
                      flush=True)
    return rows


def compare(problem: str, samplers, seeds: int, budget: int, batch: int, n_init: int,
            modes=(False, True)) -> list[dict]:
    from lamoo import optimize
    from lamoo.problems import get_problem

    task = get_problem(problem)
    rows = []
    for name in samplers:
        for wrapped in modes:
            label = f"LaMOO({name})" if wrapped else name
            hvs, seconds = [], []
            for seed in range(seeds):
                start = time.perf_counter()
                result = optimize(task, _make(name, wrapped), budget=budget, n_init=n_init, batch_size=batch,
                                  seed=seed)
                seconds.append(time.perf_counter() - start)
                hvs.append(result.hypervolume())
            hvs = np.array(hvs)
            gap = np.log10(np.maximum(task.max_hypervolume - hvs, 1e-12)) if task.max_hypervolume else hvs * np.nan
            rows.append({"problem": problem, "method": label, "hv": hvs.tolist(), "hv_median": float(np.median(hvs)),
                         "log_gap_median": float(np.median(gap)), "seconds": float(np.mean(seconds))})
            print(f"  {label:18s} HV median {np.median(hvs):9.4f}  (seeds: {np.round(hvs, 3).tolist()})  "
                  f"log10 gap {np.median(gap):6.3f}  {np.mean(seconds):6.1f} s/run", flush=True)
    return rows


def _markdown(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    lines = ["| " + " | ".join(title for title, _ in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [f"{row[key]:.3f}" if isinstance(row[key], float) else str(row[key]) for _, key in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["timing", "compare", "all"])
    parser.add_argument("--problems", default="branin-currin,vehicle-safety", help="timing: comma-separated")
    parser.add_argument("--problem", default="branin-currin", help="compare: the problem")
    parser.add_argument("--samplers", default=",".join(SAMPLERS))
    parser.add_argument("--archive", type=int, default=200, help="timing: archived samples")
    parser.add_argument("--repeats", type=int, default=1, help="timing: proposals timed per method")
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--n-init", type=int, default=10)
    parser.add_argument("--modes", default="alone,lamoo", help="alone, lamoo or both (comma-separated)")
    args = parser.parse_args(argv)
    modes = tuple(m == "lamoo" for m in args.modes.split(","))
    _limit_threads()
    samplers = args.samplers.split(",")
    if args.part in ("timing", "all"):
        print(f"optimizer seconds per batch of {args.batch} at {args.archive} archived samples (1 torch thread)")
        rows = timing(args.problems.split(","), samplers, args.archive, args.batch, args.repeats, modes)
        print(_markdown(rows, [("problem", "problem"), ("method", "method"), ("wall s", "wall_s"),
                               ("CPU s", "cpu_s")]))
    if args.part in ("compare", "all"):
        print(f"{args.problem}: budget {args.budget}, batch {args.batch}, {args.n_init} initial, {args.seeds} seeds")
        rows = compare(args.problem, samplers, args.seeds, args.budget, args.batch, args.n_init, modes)
        print(_markdown(rows, [("method", "method"), ("median final HV", "hv_median"),
                               ("median log10(max HV - HV)", "log_gap_median"), ("s/run", "seconds")]))


if __name__ == "__main__":
    main()
