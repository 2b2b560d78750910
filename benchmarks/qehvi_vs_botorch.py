"""lamoo's qEHVI sampler at its defaults against BoTorch's own tutorial loop, seed by seed.

Both methods run in one ``lamoo bench`` grid with the same initial design, budget and batch size:
``qlognehvi`` (``samplers.QEHVISampler()`` at its defaults: qLogNEHVI, 128 QMC samples, 20
restarts, 512 raw samples, 200 L-BFGS-B iterations, GP fits warm-started from the previous fit;
exact analytic-EHVI greedy over every candidate on finite spaces) and the ``botorch-qlognehvi``
peer (BoTorch's multi-objective tutorial loop: ``optimize_acqf`` with 10 restarts from 256 raw
samples and otherwise the same settings, a fresh fit each iteration; ``optimize_acqf_discrete``
over every unevaluated candidate on finite spaces). This script reads the grid's run records and
prints, per task and seed, each method's final ``log10(max HV - HV)``, the samples it needed to
reach 99% of the maximum hypervolume (``> n`` when it did not) and its median optimizer seconds
per batch, then the medians and how many seeds each method won. ``--run`` first runs (or
resumes) the grid:

    python -m benchmarks.qehvi_vs_botorch --run --tasks vehicle-safety --seeds 0-9 --budget 30
    python -m benchmarks.qehvi_vs_botorch            # the records already in --out

Run from the repository root (``benchmarks`` is not installed).
"""
from __future__ import annotations

import argparse

import numpy as np

from lamoo.bench.records import load_runs
from lamoo.bench.stats import censored_quantiles, samples_to_reach
from lamoo.bench.summary import GAP_FLOOR

OURS, PEER = "qlognehvi", "botorch-qlognehvi"
OUT = "benchmarks/results/qehvi-defaults"


def run_row(record: dict, threshold: float) -> dict:
    """The numbers compared for one run record: final log10 gap, samples to ``threshold`` of the
    maximum hypervolume (with whether the run never got there) and the median optimizer seconds
    of its batches after the initial design (the median: BoTorch compiles its fused qLogNEHVI
    kernel in the first batch of a process when its cache is stale)."""
    max_hv, trace = record["max_hypervolume"], record["hypervolume_trace"]
    gap = max(max_hv - trace[-1], GAP_FLOOR * max_hv)
    samples, censored = samples_to_reach(trace, threshold * max_hv)
    per_batch = [it["optimizer_seconds"] for it in record["timing"]["iterations"][1:]]  # after the initial design
    return {"log_gap": float(np.log10(gap)), "samples": samples, "censored": censored,
            "seconds": float(np.median(per_batch)) if per_batch else float("nan")}


def compare(records: list[dict], threshold: float = 0.99, methods: tuple[str, str] = (OURS, PEER)) -> list[str]:
    """The printed lines: per task, a table of the seeds both ``methods`` (labels: ours, the
    peer) finished, the medians and the seeds each won on the final gap."""
    ours, peer = methods
    lines = []
    by_key = {(r["task"], r["method"], r["seed"]): r for r in records if r.get("status", "ok") == "ok"}
    for task in sorted({t for t, _, _ in by_key}):
        seeds = sorted(s for t, m, s in by_key if t == task and m == ours and (task, peer, s) in by_key)
        if not seeds:
            continue
        rows = {m: [run_row(by_key[task, m, s], threshold) for s in seeds] for m in methods}
        budget = by_key[task, ours, seeds[0]]["budget"]
        lines += [f"{task}: budget {budget}, seeds {seeds}",
                  f"{'seed':>5} | {'log10 gap ' + ours:>24} {peer:>18} | {'to ' + f'{threshold:.0%}':>8} {ours:>9} "
                  f"{peer:>18} | {'s/batch':>7} {ours:>9} {peer:>18}"]
        for k, s in enumerate(seeds):
            a, b = rows[ours][k], rows[peer][k]
            lines.append(f"{s:>5} | {a['log_gap']:>24.3f} {b['log_gap']:>18.3f} | {'':>8} {_samples(a):>9} "
                         f"{_samples(b):>18} | {'':>7} {a['seconds']:>9.1f} {b['seconds']:>18.1f}")
        med = {m: (np.median([r["log_gap"] for r in rows[m]]),
                   censored_quantiles([r["samples"] for r in rows[m]], [r["censored"] for r in rows[m]], (50,))[0],
                   np.median([r["seconds"] for r in rows[m]])) for m in rows}
        lines.append(f"{'med.':>5} | {med[ours][0]:>24.3f} {med[peer][0]:>18.3f} | {'':>8} "
                     f"{med[ours][1].format('{:.0f}'):>9} {med[peer][1].format('{:.0f}'):>18} | {'':>7} "
                     f"{med[ours][2]:>9.1f} {med[peer][2]:>18.1f}")
        wins = sum(a["log_gap"] < b["log_gap"] for a, b in zip(rows[ours], rows[peer]))
        ties = sum(a["log_gap"] == b["log_gap"] for a, b in zip(rows[ours], rows[peer]))
        lines += [f"final gap: {ours} lower on {wins} of {len(seeds)} seeds, equal on {ties}, "
                  f"higher on {len(seeds) - wins - ties}", ""]
    return lines


def _samples(row: dict) -> str:
    return f"> {row['samples']}" if row["censored"] else str(row["samples"])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=OUT, help=f"the grid's results folder (default: {OUT})")
    parser.add_argument("--run", action="store_true", help="run (or resume) the grid first")
    parser.add_argument("--tasks", nargs="+", default=["vehicle-safety"])
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--budget", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=5)
    parser.add_argument("--n-init", type=int, default=10)
    parser.add_argument("--threshold", type=float, default=0.99, help="fraction of the maximum hypervolume")
    args = parser.parse_args(argv)
    if args.run:
        from lamoo.bench.run import main as bench

        bench(["--tasks", *args.tasks, "--methods", OURS, PEER, "--seeds", args.seeds, "--budget", str(args.budget),
               "--batch-size", str(args.batch_size), "--n-init", str(args.n_init), "--workers", "1",
               "--out", args.out])
    print("\n".join(compare(load_runs(args.out), args.threshold)))


if __name__ == "__main__":
    main()
