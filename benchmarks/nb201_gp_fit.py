"""How well the qEHVI sampler's GP ranks NAS-Bench-201 cells it has not seen.

qEHVI picks cells by the GP's posterior; on a table task the last percent of hypervolume means
telling apart cells near the front. This script fits the sampler's GP (``samplers.botorch_gp``)
on ``n`` uniformly drawn cells and reports, on 3,000 other cells, the Spearman rank correlation of
the posterior mean with each objective's true value, over all of them and within the top decile
of the first objective (the cells that decide the front), for each categorical kernel:
``hamming`` (the default, ``MixedSingleTaskGP``) and ``ordinal`` (RBF on the unit-scaled op codes).

    python -m benchmarks.nb201_gp_fit                                  # nb201-c10-flops, n = 100
    python -m benchmarks.nb201_gp_fit --tasks nb201-c10-flops nb201-c100-params --archive 50 100 200

Run from the repository root, with the NB201 table at ``--table`` (default: the shared one).
"""
from __future__ import annotations

import argparse

import numpy as np

KERNELS = ("hamming", "ordinal")


def rank_quality(task, n: int, seed: int, kernel: str, n_test: int = 3000) -> tuple[float, ...]:
    """``(rho_0, ..., rho_{m-1}, rho_0 in the top decile)``: Spearman correlations of the GP's
    posterior means (fitted on ``n`` random cells) with the true values of ``n_test`` other cells."""
    import torch
    from scipy.stats import spearmanr

    from samplers.botorch_gp import fit_gp
    from samplers.botorch_marginals import Marginals

    C = task.space.candidates
    Y = -task.evaluate(C)  # maximized, as the GP sees them
    order = np.random.default_rng(seed).permutation(len(C))
    train, test = order[:n], order[n:n + n_test]
    model, _ = fit_gp(task.space, torch.as_tensor(task.space.to_unit(C[train])), torch.as_tensor(Y[train]),
                      categorical=kernel)
    mean = Marginals(model, torch.as_tensor(task.space.to_unit(C[test]))).mean.numpy()
    rhos = [spearmanr(mean[:, j], Y[test, j])[0] for j in range(Y.shape[1])]
    top = Y[test, 0] >= np.quantile(Y[:, 0], 0.9)
    return (*rhos, spearmanr(mean[top, 0], Y[test][top, 0])[0])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", default=["nb201-c10-flops"])
    parser.add_argument("--table", default=None,
                        help="NB201 table of the nb201-* tasks (default: the tasks' own, the shared table)")
    parser.add_argument("--archive", type=int, nargs="+", default=[100], help="cells the GP is fitted on (n)")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    import torch

    from lamoo.plugins import get_task

    torch.set_num_threads(1)
    for name in args.tasks:
        task = get_task(name, table=args.table)
        names = [o.name for o in task.objectives]
        print(f"{name}: Spearman(posterior mean, true value) on 3,000 unseen cells, mean over {args.seeds} seeds "
              f"[min, max]; last column: {names[0]} within its top decile")
        print(f"{'kernel':<9}{'n':>5}  " + "".join(f"{c:>26}" for c in [*names, f"{names[0]} top 10%"]))
        for n in args.archive:
            for kernel in KERNELS:
                rho = np.array([rank_quality(task, n, seed, kernel) for seed in range(args.seeds)])
                cells = [f"{m:.3f} [{lo:.3f}, {hi:.3f}]" for m, lo, hi in zip(rho.mean(0), rho.min(0), rho.max(0))]
                print(f"{kernel:<9}{n:>5}  " + "".join(f"{c:>26}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
