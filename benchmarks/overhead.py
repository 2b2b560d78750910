"""Optimizer time of one iteration: each sampler alone and wrapped in LaMOO, side by side.

One iteration = (for LaMOO: build the partition tree from the archive + select a region +) propose
a batch. Archives of uniformly drawn points of branin-currin (2 objectives) and vehicle-safety
(3 objectives). Prints the median over repeats and the ratio LaMOO(X) / X measured in the same run
(torch on one thread).

    python -m benchmarks.overhead                                   # LaMOO(random): 100, 500, 2000 samples
    python -m benchmarks.overhead --samplers qehvi cmaes nsga2 --sizes 200 --repeats 2
    python -m benchmarks.overhead --sizes 2000 10000 30000 --exact  # and the tree without subsampling

LaMOO uses each sampler's region policy (``LaMOO(sampler)``). ``--exact`` also times LaMOO with
``max_fit=None`` (every node labels and fits on all its samples) and prints the speed-up of the
default subsampled tree over it, measured in the same run.

Run from the repository root (``benchmarks`` is not installed). The tree size and the depth of the
region searched come from LaMOO's proposal (``Proposal.info``: ``n_nodes``, ``depth``).
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from lamoo import LaMOO
from lamoo.archive import Archive
from lamoo.plugins import get_sampler
from lamoo.problems import get_problem
from lamoo.region import Region


def archive_of(task, n: int, seed: int) -> Archive:
    """An archive of ``n`` uniform points of ``task``."""
    rng = np.random.default_rng(seed)
    archive = Archive(task.space, task.objectives, task.ref_point)
    X = task.space.sample_uniform(n, rng)
    archive.append(X, task.evaluate(X), sources=["init"] * n)
    return archive


def time_propose(make_sampler, archive: Archive, batch_size: int, repeats: int) -> tuple[float, object]:
    """Median wall seconds of ``propose`` over ``repeats`` fresh samplers (after one untimed call
    that pays the imports); returns it with the last proposal."""
    make_sampler().propose(Region.whole(archive), archive, batch_size, np.random.default_rng(12345))
    times = []
    for r in range(repeats):
        sampler = make_sampler()
        start = time.perf_counter()
        proposal = sampler.propose(Region.whole(archive), archive, batch_size, np.random.default_rng(r))
        times.append(time.perf_counter() - start)
    return statistics.median(times), proposal


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samplers", nargs="+", default=["random"], help="registry names (default: random)")
    parser.add_argument("--problems", nargs="+", default=["branin-currin", "vehicle-safety"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000], help="archive sizes")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per setting (median reported)")
    parser.add_argument("--batch-size", type=int, default=5, help="points proposed per iteration")
    parser.add_argument("--exact", action="store_true",
                        help="also time LaMOO without node subsampling (max_fit=None) and print the speed-up")
    args = parser.parse_args(argv)
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass

    exact = f"{'exact [s]':>11}{'speed-up':>10}" if args.exact else ""
    print(f"{'problem':<16}{'m':>2}{'samples':>9}  {'sampler':<10}{'alone [s]':>11}{'LaMOO [s]':>11}"
          f"{'ratio':>9}{'nodes':>7}{'leaf depth':>11}{exact}")
    for name in args.problems:
        task = get_problem(name)
        for n in args.sizes:
            archive = archive_of(task, n, seed=n)
            for sampler in args.samplers:
                t_alone, _ = time_propose(lambda: get_sampler(sampler), archive, args.batch_size, args.repeats)
                t_lamoo, proposal = time_propose(lambda: LaMOO(get_sampler(sampler)), archive, args.batch_size,
                                                 args.repeats)
                row = (f"{name:<16}{len(task.objectives):>2}{n:>9}  {sampler:<10}{t_alone:>11.4f}{t_lamoo:>11.4f}"
                       f"{t_lamoo / t_alone:>9.1f}{proposal.info['n_nodes']:>7}{proposal.info['depth']:>11}")
                if args.exact:
                    t_exact, _ = time_propose(lambda: LaMOO(get_sampler(sampler), max_fit=None), archive,
                                              args.batch_size, args.repeats)
                    row += f"{t_exact:>11.4f}{t_exact / t_lamoo:>10.1f}"
                print(row, flush=True)

if __name__ == "__main__":
    main()
