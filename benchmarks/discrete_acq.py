"""Seconds per iteration of exact discrete maximization against the number of candidates.

On a finite space the qEHVI sampler builds a batch by sequential greedy steps, each scoring every
unevaluated in-region candidate: by default with the analytic EHVI and Kriging-believer batches
(``samplers.botorch_discrete``), or with a Monte-Carlo acquisition and the earlier picks pending
(``discrete="mc"``, ``samplers.botorch_select.select_discrete``, as BoTorch's
``optimize_acqf_discrete``). This script times one batch of each on an NB201 table task: an
archive of ``n`` uniformly drawn cells, the sampler's GP fitted on it, then the greedy batch over
``N`` unevaluated candidates. It prints the measured seconds, the cost per
scored candidate of the first step (no pending point) and of the later steps (pending points), and
the seconds one batch over every unevaluated cell of the table would take at those costs
(``projected``: a product of measured rates, not a measurement).

    python -m benchmarks.discrete_acq --table PATH           # n = 100, N = 250 and 1000, batch 5
    python -m benchmarks.discrete_acq --table PATH --archive 300 --candidates 15625 --methods analytic

Run from the repository root (``benchmarks`` is not installed), with the NB201 table at
``--table`` (default: the shared one).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from lamoo.archive import Archive
from lamoo.plugins import get_task
from lamoo.region import Region
from samplers import QEHVISampler
from samplers.botorch_acq import make_acquisition, score
from samplers.botorch_discrete import select_discrete_analytic
from samplers.botorch_select import select_discrete



def time_batch(method: str, archive: Archive, model, train_X, U, q: int, seed: int) -> tuple[float, float, float]:
    """``(seconds of the batch, seconds per candidate of step 1, of the later steps)`` of
    ``method``: ``"analytic"`` (the sampler's default on finite spaces) or a Monte-Carlo
    acquisition's name (``discrete="mc"``)."""
    import torch

    valid = archive.valid_indices
    F, ref_F = archive.F[valid], archive.reference_F()
    if method == "analytic":
        Y, ref = torch.as_tensor(-F), torch.as_tensor(-ref_F)
        start = time.perf_counter()
        select_discrete_analytic(model, Y, ref, U, 1)
        first = (time.perf_counter() - start) / len(U)
        start = time.perf_counter()
        select_discrete_analytic(model, Y, ref, U, q)
    else:
        acq = make_acquisition(method, model, train_X, F, ref_F, mc_samples=128, seed=seed)
        start = time.perf_counter()
        score(acq, U)
        first = (time.perf_counter() - start) / len(U)
        start = time.perf_counter()
        select_discrete(acq, U, q)
    batch = time.perf_counter() - start
    later = max(batch - first * len(U), 0.0) / max(sum(len(U) - k for k in range(1, q)), 1)
    return batch, first, later


def measure(task, archive_sizes, candidates, methods, batch_size: int) -> list[str]:
    """Print and return one row per archive size ``n``, method and candidate count ``N`` on
    ``task`` (a finite space): fit seconds, batch seconds, milliseconds per candidate of step 1
    and of the later steps, and the projected seconds of a batch over every unevaluated cell."""
    import torch

    header = (f"{'method':<12}{'n':>5}{'N':>7}{'fit [s]':>9}{'batch [s]':>11}{'ms/cand step 1':>16}"
              f"{'ms/cand later':>15}{'all ' + str(task.space.n_candidates) + ' cells, projected [s]':>32}")
    print(header)
    rows = [header]
    for n in archive_sizes:
        rng = np.random.default_rng(n)
        archive = Archive(task.space, task.objectives, task.ref_point)
        X = task.space.candidates[rng.choice(task.space.n_candidates, n, replace=False)]
        archive.append(X, task.evaluate(X))
        C = Region.whole(archive).candidates()
        start = time.perf_counter()
        model, train_X = QEHVISampler()._fit(archive, archive.valid_indices)
        fit = time.perf_counter() - start
        for name in methods:
            for N in candidates:
                U = torch.as_tensor(task.space.to_unit(C[rng.choice(len(C), min(N, len(C)), replace=False)]))
                batch, first, later = time_batch(name, archive, model, train_X, U, batch_size, seed=n)
                whole = len(C) * first + sum(len(C) - k for k in range(1, batch_size)) * later
                rows.append(f"{name:<12}{n:>5}{len(U):>7}{fit:>9.2f}{batch:>11.2f}{first * 1e3:>16.2f}"
                            f"{later * 1e3:>15.2f}{whole:>32.0f}")
                print(rows[-1], flush=True)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="nb201-c10-flops")
    parser.add_argument("--table", default=None,
                        help="NB201 table of the nb201-* tasks (default: the tasks' own, the shared table)")
    parser.add_argument("--methods", nargs="+", default=["analytic", "qlogehvi", "qlognehvi"],
                        help="analytic (EHVI, Kriging believer) and/or Monte-Carlo acquisitions")
    parser.add_argument("--archive", type=int, nargs="+", default=[100], help="evaluated cells (n)")
    parser.add_argument("--candidates", type=int, nargs="+", default=[250, 1000], help="candidates scored (N)")
    parser.add_argument("--batch-size", type=int, default=5)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    measure(get_task(args.task, table=args.table), args.archive, args.candidates, args.methods, args.batch_size)


if __name__ == "__main__":
    main()
