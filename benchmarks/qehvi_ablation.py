"""Where lamoo's qLogNEHVI and BoTorch's tutorial loop differ, one step at a time, on the same histories.

The two loops differ in their model (lamoo: one batched multi-output GP whose fit starts at the
previous fit's hyperparameters; BoTorch's tutorial: a ``ModelListGP`` fitted from BoTorch's
defaults each iteration) and in how they maximize the acquisition (lamoo: ``select_continuous``,
all restarts in one L-BFGS-B call, the pick the best of the optimized points and the draws;
the tutorial: ``optimize_acqf``, ``sequential=True``, restarts in calls of ``batch_limit`` 5, a
second try from new starts when L-BFGS-B reports a failure). This script takes the points of a
finished run (a ``lamoo bench`` run record), cuts its history at a few sizes and, at each:

- fits the three models, ``warm`` (lamoo's fit, warm-started fit by fit along the history as a
  run does), ``cold`` (lamoo's fit from BoTorch's defaults) and ``list`` (the tutorial's), and
  prints each one's exact marginal log likelihood per point (higher: the better fit);
- with the ``--models`` given (default ``list``, so only the optimizer differs), builds one batch
  of ``q`` points with each optimizer, ``select`` and ``optimize_acqf``, ``--repeats`` times
  (the acquisition's QMC seed and the starts vary), and scores each batch twice: its joint
  qLogNEHVI value under one fixed judge per cut (the ``list`` model, 512 QMC samples, seed 0,
  built once under its own torch seed; the value each optimizer tries to raise) and the
  hypervolume it truly adds (the task evaluated at its points: the outcome of that step).

    python -m benchmarks.qehvi_ablation RECORD.json --cuts 50 100 --repeats 4

Run from the repository root (``benchmarks`` is not installed); one thread per process.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from lamoo.archive import Archive
from lamoo.pareto import hypervolume
from lamoo.problems import get_problem
from lamoo.region import Region
from samplers._common import unit_to_space
from samplers.botorch_acq import make_acquisition
from samplers.botorch_gp import fit_gp, gp_state, quiet_warnings
from samplers.botorch_select import select_continuous

OPTIONS = {"num_restarts": 10, "raw_samples": 256, "mc_samples": 128, "maxiter": 200}
MODELS = ("warm", "cold", "list")
OPTIMIZERS = ("select", "optimize_acqf")


def fit_models(space, X: np.ndarray, F: np.ndarray, n: int, batch: int, n_init: int) -> dict:
    """The three models on the first ``n`` points: ``{name: (model, mll per point, seconds)}``; the
    warm one is fitted along the history as a run fits it (``n_init`` points, then ``batch`` more
    at a time, then ``n``), and its seconds are the whole chain's."""
    import torch
    from lamoo.bench.peers.botorch_peers import _fit_model

    def unit(k):
        return (torch.as_tensor(space.to_unit(X[:k]), dtype=torch.float64),
                torch.as_tensor(-F[:k], dtype=torch.float64))

    models = {}
    warm = None
    start = time.perf_counter()
    for k in [*range(n_init, n, batch), n]:
        model, _ = fit_gp(space, *unit(k), warm=warm)
        warm = gp_state(model)
    models["warm"] = (model, time.perf_counter() - start)
    start = time.perf_counter()
    models["cold"] = (fit_gp(space, *unit(n))[0], time.perf_counter() - start)
    start = time.perf_counter()
    models["list"] = (_fit_model(space, *unit(n)), time.perf_counter() - start)
    return {name: (model, marginal_log_likelihood(model), seconds) for name, (model, seconds) in models.items()}


def marginal_log_likelihood(model) -> float:
    """The exact marginal log likelihood per data point (GPyTorch divides by n), summed over the
    outputs, at the fitted hyperparameters (in the standardized outcome scale each model was
    fitted in)."""
    import torch
    from botorch.models import ModelListGP
    from gpytorch.mlls import ExactMarginalLogLikelihood

    parts = model.models if isinstance(model, ModelListGP) else [model]
    total = 0.0
    for gp in parts:
        gp.train()
        with torch.no_grad():
            out = gp(*gp.train_inputs)
            value = ExactMarginalLogLikelihood(gp.likelihood, gp)(out, gp.train_targets)
        gp.eval()
        total += float(value.sum())
    return total


def propose(kind: str, acq, archive: Archive, q: int, seed: int, options: dict) -> np.ndarray:
    """``(q x d)`` points from one optimizer (``select`` or ``optimize_acqf``), in the space's
    units, with ``options`` (``num_restarts``, ``raw_samples``, ``maxiter``)."""
    import torch
    from botorch.optim.optimize import optimize_acqf

    space = archive.space
    if kind == "select":
        X, _ = select_continuous(acq, Region.whole(archive), q, np.random.default_rng(seed),
                                 num_restarts=options["num_restarts"], raw_samples=options["raw_samples"],
                                 maxiter=options["maxiter"], pull_back_steps=8)
        return X
    bounds = torch.stack([torch.zeros(space.n_dims), torch.ones(space.n_dims)]).to(torch.float64)
    U, _ = optimize_acqf(acq, bounds=bounds, q=q, num_restarts=options["num_restarts"],
                         raw_samples=options["raw_samples"], sequential=True,
                         options={"batch_limit": 5, "maxiter": options["maxiter"]})
    return unit_to_space(space, U.detach().numpy())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("record", help="a lamoo bench run record (.json) with its points")
    parser.add_argument("--cuts", type=int, nargs="+", default=[40, 70, 100], help="history sizes")
    parser.add_argument("--repeats", type=int, default=2, help="acquisition seeds per cell")
    parser.add_argument("--q", type=int, default=5, help="batch size")
    parser.add_argument("--models", nargs="+", default=["list"], choices=MODELS,
                        help="models to optimize with (all three are fitted and their likelihoods printed)")
    parser.add_argument("--optimizers", nargs="+", default=list(OPTIMIZERS), choices=OPTIMIZERS)
    for name, value in OPTIONS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=value,
                            help=f"default {value} (the tutorial's)")
    args = parser.parse_args(argv)
    options = {name: getattr(args, name) for name in OPTIONS}

    import torch

    record = json.loads(Path(args.record).read_text())
    if "X" not in record:
        raise SystemExit(f"{args.record} holds no points: its run was made with --no-points")
    task = get_problem(record["task"])
    X = np.asarray(record["X"], dtype=float)
    F = task.evaluate(X)
    ref = task.ref_point
    print(f"{record['task']} {record['method']} seed {record['seed']}; max HV {task.max_hypervolume:.4f}")
    for n in args.cuts:
        archive = Archive(task.space, task.objectives, ref_point=ref)
        archive.append(X[:n], F[:n])
        hv0 = hypervolume(F[:n], ref)
        with quiet_warnings():
            models = fit_models(task.space, X, F, n, record["batch_size"], record["n_init"])
        print(f"\nhistory {n}: HV {hv0:.4f}, gap {task.max_hypervolume - hv0:.4f}")
        for name in MODELS:
            _, mll, fit_s = models[name]
            print(f"  model {name:5}: mll/pt {mll:7.3f}, fit {fit_s:5.1f} s")
        U = torch.as_tensor(task.space.to_unit(X[:n]))
        judge = make_judge(models["list"][0], U, F[:n], ref)
        for name in args.models:
            for kind in args.optimizers:
                gains, values, secs = [], [], []
                for r in range(args.repeats):
                    seed = 1000 * n + r
                    with torch.random.fork_rng(devices=[]), quiet_warnings():
                        torch.manual_seed(seed)
                        acq = make_acquisition("qlognehvi", models[name][0], U, F[:n], ref,
                                               mc_samples=options["mc_samples"], seed=seed)
                        start = time.perf_counter()
                        B = propose(kind, acq, archive, args.q, seed, options)
                        secs.append(time.perf_counter() - start)
                        with torch.no_grad():
                            values.append(float(judge(torch.as_tensor(task.space.to_unit(B))[None])))
                    gains.append(hypervolume(np.vstack([F[:n], task.evaluate(B)]), ref) - hv0)
                print(f"  {name:5} {kind:13} | batch log-acq {_fmt(values, 3)} | HV gain {_fmt(gains, 4)} | "
                      f"{np.mean(secs):.0f} s", flush=True)


def make_judge(model, U, F: np.ndarray, ref: np.ndarray):
    """The fixed judge of every batch at one cut: qLogNEHVI on ``model`` with 512 QMC samples,
    seed 0, built under its own torch seed (``prune_baseline`` draws from torch's global
    generator), so it is the same whatever ran before it."""
    import torch

    with torch.random.fork_rng(devices=[]), quiet_warnings():
        torch.manual_seed(0)
        return make_acquisition("qlognehvi", model, U, F, ref, mc_samples=512, seed=0)


def _fmt(values, digits: int) -> str:
    return f"median {np.median(values):.{digits}f} (" + " ".join(f"{v:.{digits}f}" for v in values) + ")"


if __name__ == "__main__":
    main()
