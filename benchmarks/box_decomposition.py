"""qLogNEHVI's box decompositions: BoTorch's loops against lamoo's NumPy ones, side by side.

qLogNEHVI decomposes the baseline's front once per Monte-Carlo sample when it is built and again
after each of the ``q - 1`` pending points of a greedy batch; with three or more objectives BoTorch
does each decomposition alone. This script builds the acquisition both ways on the same model, the
same baseline and the same QMC draws: BoTorch's ``qLogNoisyExpectedHypervolumeImprovement`` and
lamoo's ``samplers.botorch_boxes.QLogNEHVI`` (the same class with the exact decomposition in NumPy).
For each problem, kind of archive (``uniform``: ``n`` uniform points; ``nsga2``: the ``n`` points
of a pymoo NSGA-II run, many near the front, as late in a run) and size, with the qEHVI sampler's
GP fitted on the archive, it prints the baseline after pruning, the most cells of one sample's
decomposition, the seconds to build the acquisition and add the pending points each way and their
ratio, whether the cells are equal bit for bit, and the largest difference between the two
acquisitions' values at 256 uniform points. ``--batch`` also times one whole greedy batch
(``select_continuous``, the sampler's default restarts and draws unless given) with each, from
the same seeds, and says whether the two batches are the same points.

    python -m benchmarks.box_decomposition                          # vehicle-safety, dtlz2 (4 objectives)
    python -m benchmarks.box_decomposition --sizes 100 --batch      # and one greedy batch each

Run from the repository root (``benchmarks`` is not installed); torch on one thread.
"""
from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone

import numpy as np

from lamoo.archive import Archive
from lamoo.bench.provenance import git_commit
from lamoo.driver import optimize
from lamoo.plugins import get_sampler
from lamoo.problems import get_problem
from lamoo.region import Region
from samplers.botorch_gp import fit_gp, quiet_warnings
from samplers.botorch_select import select_continuous
from samplers.qehvi import QEHVISampler

PROBLEMS = {"vehicle-safety": ("vehicle-safety", {}), "dtlz2-4": ("dtlz2", {"dim": 6, "num_objectives": 4})}


def points(task, kind: str, n: int, seed: int) -> np.ndarray:
    """``(n x d)`` archive points of ``task``: ``uniform`` draws or a pymoo NSGA-II run's."""
    if kind == "uniform":
        return task.space.sample_uniform(n, np.random.default_rng(seed))
    return optimize(task, get_sampler("nsga2"), budget=n, batch_size=10, seed=seed).X


def build(cls, model, train_X, ref, pending, mc_samples: int):
    """``(acquisition, seconds)``: ``cls`` built on ``train_X`` (pruned baseline, ``mc_samples``
    QMC draws, seed 0) and told the pending points one at a time, as a greedy batch does."""
    import torch
    from botorch.sampling.normal import SobolQMCNormalSampler

    torch.manual_seed(0)  # baseline pruning draws from torch's generator: the same draws for both
    start = time.perf_counter()
    acq = cls(model=model, ref_point=ref, X_baseline=train_X, prune_baseline=True,
              sampler=SobolQMCNormalSampler(sample_shape=torch.Size([mc_samples]), seed=0))
    for i in range(1, len(pending) + 1):
        acq.set_X_pending(pending[:i])
    return acq, time.perf_counter() - start


def greedy_batch(acq, archive: Archive, q: int, options: dict) -> tuple[np.ndarray, float]:
    """``(q x d points, seconds)`` of one greedy batch from fixed seeds."""
    import torch

    torch.manual_seed(0)
    start = time.perf_counter()
    X, _ = select_continuous(acq, Region.whole(archive), q, np.random.default_rng(0), pull_back_steps=8, **options)
    return X, time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS), choices=list(PROBLEMS))
    parser.add_argument("--archives", nargs="+", default=["uniform", "nsga2"], choices=["uniform", "nsga2"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200], help="archive sizes")
    parser.add_argument("--q", type=int, default=5, help="batch size (q - 1 pending points)")
    parser.add_argument("--batch", action="store_true", help="also time one whole greedy batch with each")
    defaults = QEHVISampler()
    parser.add_argument("--num-restarts", type=int, default=defaults.num_restarts)
    parser.add_argument("--raw-samples", type=int, default=defaults.raw_samples)
    parser.add_argument("--mc-samples", type=int, default=defaults.mc_samples)
    args = parser.parse_args(argv)
    for n in args.sizes:
        if n < 2:
            parser.error(f"--sizes: every archive size must be at least 2, got {n}")
    if args.q < 1:
        parser.error(f"--q: the batch size must be at least 1, got {args.q}")

    import torch
    from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement

    from samplers.botorch_boxes import QLogNEHVI

    torch.set_num_threads(1)
    options = {"num_restarts": args.num_restarts, "raw_samples": args.raw_samples, "maxiter": defaults.maxiter}
    print(f"# {datetime.now(timezone.utc):%Y-%m-%dT%H:%M:%SZ}, git {git_commit()}, torch on 1 thread, "
          f"q {args.q}, {args.mc_samples} MC samples" + (f", batch: {options}" if args.batch else ""))
    batch_header = f"{'batch BoTorch':>14}{'lamoo':>8}{'ratio':>7}  same" if args.batch else ""
    print(f"{'problem':<16}{'m':>2}{'archive':>8}{'n':>5}{'baseline':>9}{'cells':>7}{'BoTorch [s]':>13}"
          f"{'lamoo [s]':>11}{'ratio':>7}  {'same cells':<11}{'max |dacq|':>11}{batch_header}")
    warmed = False
    for name in args.problems:
        problem, kwargs = PROBLEMS[name]
        task = get_problem(problem, **kwargs)
        m = len(task.objectives)
        ref = torch.as_tensor(-task.ref_point, dtype=torch.float64)  # BoTorch maximizes
        for kind, n in ((kind, n) for kind in args.archives for n in args.sizes):
            rng = np.random.default_rng([n, 1])  # pending and probe points, apart from the archive's
            archive = Archive(task.space, task.objectives, task.ref_point)
            X = points(task, kind, n, seed=n)
            archive.append(X, task.evaluate(X), sources=["init"] * n)
            train_X = torch.as_tensor(task.space.to_unit(X), dtype=torch.float64)
            with quiet_warnings():
                model, _ = fit_gp(task.space, train_X, torch.as_tensor(-archive.F, dtype=torch.float64))
            pending = torch.as_tensor(task.space.to_unit(task.space.sample_uniform(args.q - 1, rng)))
            probe = torch.as_tensor(task.space.to_unit(task.space.sample_uniform(256, rng)))[:, None]
            if not warmed:  # the first build of a process pays one-time costs: not timed
                with quiet_warnings():
                    build(qLogNoisyExpectedHypervolumeImprovement, model, train_X, ref, pending, args.mc_samples)
                warmed = True
            with quiet_warnings():
                theirs, t_theirs = build(qLogNoisyExpectedHypervolumeImprovement, model, train_X, ref, pending,
                                         args.mc_samples)
                ours, t_ours = build(QLogNEHVI, model, train_X, ref, pending, args.mc_samples)
                with torch.no_grad():
                    gap = float((theirs(probe) - ours(probe)).abs().max())
            same = (torch.equal(theirs.cell_lower_bounds, ours.cell_lower_bounds)
                    and torch.equal(theirs.cell_upper_bounds, ours.cell_upper_bounds))
            row = (f"{name:<16}{m:>2}{kind:>8}{n:>5}{len(ours.X_baseline) - len(pending):>9}"
                   f"{ours.cell_lower_bounds.shape[-2]:>7}{t_theirs:>13.2f}{t_ours:>11.2f}{t_theirs / t_ours:>7.1f}  "
                   f"{'yes' if same else 'NO':<11}{gap:>11.1e}")
            if args.batch:
                with quiet_warnings():
                    # fresh acquisitions: select_continuous sets and replaces the pending points itself
                    theirs, _ = build(qLogNoisyExpectedHypervolumeImprovement, model, train_X, ref, pending[:0],
                                      args.mc_samples)
                    ours, _ = build(QLogNEHVI, model, train_X, ref, pending[:0], args.mc_samples)
                    X_theirs, b_theirs = greedy_batch(theirs, archive, args.q, options)
                    X_ours, b_ours = greedy_batch(ours, archive, args.q, options)
                row += (f"{b_theirs:>14.1f}{b_ours:>8.1f}{b_theirs / b_ours:>7.1f}  "
                        f"{'yes' if np.array_equal(X_theirs, X_ours) else 'no'}")
            print(row, flush=True)


if __name__ == "__main__":
    main()
