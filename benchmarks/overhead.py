"""How long one LaMOO iteration takes next to the plain random sampler.

One iteration = build the partition tree from the archive + select a region + propose a batch
with the random inner sampler. Archives of 100, 500 and 2,000 uniformly drawn points of
branin-currin (2 objectives) and vehicle-safety (3 objectives). Prints the median over repeats
and the ratio to the plain random sampler measured in the same run.

    python -m benchmarks.overhead [--sizes 100 500 2000] [--repeats 5] [--batch-size 5]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from lamoo import LaMOO
from lamoo.archive import Archive
from lamoo.problems import get_problem
from lamoo.region import Region
from samplers import RandomSampler


def archive_of(task, n: int, seed: int) -> Archive:
    rng = np.random.default_rng(seed)
    archive = Archive(task.space, task.objectives, task.ref_point)
    X = task.space.sample_uniform(n, rng)
    archive.append(X, task.evaluate(X), sources=["init"] * n)
    return archive


def time_propose(sampler, archive: Archive, batch_size: int, repeats: int) -> tuple[float, object]:
    times = []
    for r in range(repeats):
        start = time.perf_counter()
        sampler.propose(Region.whole(archive), archive, batch_size, np.random.default_rng(r))
        times.append(time.perf_counter() - start)
    return statistics.median(times), sampler


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000], help="archive sizes")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per setting (median reported)")
    parser.add_argument("--batch-size", type=int, default=5, help="points proposed per iteration")
    args = parser.parse_args(argv)

    print(f"{'problem':<16}{'m':>2}{'samples':>9}{'random [ms]':>13}{'LaMOO [ms]':>12}{'ratio':>9}"
          f"{'nodes':>7}{'depth':>7}")
    for name in ["branin-currin", "vehicle-safety"]:
        task = get_problem(name)
        for n in args.sizes:
            archive = archive_of(task, n, seed=n)
            t_random, _ = time_propose(RandomSampler(), archive, args.batch_size, args.repeats)
            t_lamoo, lamoo = time_propose(LaMOO(RandomSampler()), archive, args.batch_size, args.repeats)
            tree = lamoo.tree_
            print(f"{name:<16}{len(task.objectives):>2}{n:>9}{1e3 * t_random:>13.2f}{1e3 * t_lamoo:>12.1f}"
                  f"{t_lamoo / t_random:>9.0f}{len(tree.nodes):>7}{max(nd.depth for nd in tree.nodes):>7}")


if __name__ == "__main__":
    main()
