"""Method A against method B, seed by seed: who reaches the threshold first, and how sure that is.

Every method of a ``lamoo bench`` seed starts from the same initial design, so runs pair up by
seed. Per task and for the two methods' common seeds this prints the medians [Q1, Q3] of samples to
the threshold, the seeds where A is faster, tied and slower (a run that never reaches the threshold
is slower than one that does; two such runs tie), the two-sided sign test p-value over the untied
seeds, and a percentile bootstrap interval (seeds resampled in pairs) of the difference of medians
B - A (positive: A needs fewer samples). A censored run counts as the budget plus one in the
bootstrap, so an interval that involves censored runs understates the censored method's need.
Then the end of the runs: the seeds where A ends closer to the maximum hypervolume (a lower final
log10(max HV - HV)), tied and farther, the sign test p-value, and the median over seeds of the
paired difference of final log10 gaps B - A (positive: A ends closer).

    python -m benchmarks.paired_seeds benchmarks/results/nb201-seeds30 --a local --b optuna-motpe

A folder without its JSON records (``json/``, not committed) but with ``runs.csv`` (written by
``lamoo bench-report`` since the per-run table exists) is read from that table, so a new grid
can be paired with a committed one at the thresholds the table has (90, 95, 99, 99.9% and the
report's).

Run from the repository root (``benchmarks`` is not installed).
"""
from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.stats import binomtest

from benchmarks.lamoo_targets import load_all, threshold_of
from lamoo.bench.records import load_runs
from lamoo.bench.runs_table import read_runs_table
from lamoo.bench.specs import parse_seeds
from lamoo.bench.stats import censored_quantiles, samples_to_reach
from lamoo.bench.summary import floored_log10_gap
from lamoo.exceptions import InvalidInputError

N_BOOTSTRAP = 10_000
LEVEL = 0.95


def load_pairable(folder) -> list[dict]:
    """The run records of ``folder``, or, when it has no ``json/`` but a ``runs.csv`` (a committed
    folder whose records are gone), that table's rows (:func:`lamoo.bench.runs_table.read_runs_table`)."""
    folder = Path(folder)
    if not (folder / "json").is_dir() and (folder / "runs.csv").is_file():
        return read_runs_table(folder / "runs.csv")
    return load_runs(folder)


def samples_needed(run: dict, threshold: float) -> tuple[int, bool]:
    """Samples until ``run`` first reaches ``threshold`` of its task's maximum hypervolume, and
    whether it was censored (then the length of its hypervolume trace, the samples it made).
    A row of a runs table answers for the thresholds it has a column of."""
    if "hypervolume_trace" not in run:
        samples, key = run["samples_to"], round(threshold, 9)
        if key not in samples:
            have = ", ".join(f"{100 * f:g}%" for f in sorted(samples))
            raise InvalidInputError(f"{run['_path']} has no samples to {100 * threshold:g}% (its thresholds: {have}); "
                                    f"make its runs again for another threshold")
        k = samples[key]
        return (run["n_evaluations"], True) if k is None else (k, False)
    target = threshold * run["max_hypervolume"]
    return samples_to_reach(run["hypervolume_trace"], target)


def compare(runs: list[dict], a: str, b: str, threshold: float | None = None,
            rng: np.random.Generator | None = None) -> dict:
    """``{task: row}`` for the tasks where both methods ran; ``row`` holds ``seeds``, ``a``/``b``
    (quartile strings), ``faster``/``tied``/``slower`` (counts for A), ``p`` (sign test) and
    ``interval`` (the bootstrap interval of the median difference B - A, samples), and for the
    final log10 gaps ``closer``/``same``/``farther`` (counts for A), ``final_p`` (sign test) and
    ``final_diff`` (median over seeds of B's gap - A's)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    by_task = defaultdict(dict)
    for run in runs:
        if run.get("status") == "ok" and run["method"] in (a, b):
            by_task[run["task"]].setdefault(run["seed"], {})[run["method"]] = run
    out = {}
    for task, seeds in sorted(by_task.items()):
        pairs = [s for s in sorted(seeds) if len(seeds[s]) == 2]
        if not pairs:
            continue
        level = threshold if threshold is not None else threshold_of(task)
        need = {m: [samples_needed(seeds[s][m], level) for s in pairs] for m in (a, b)}
        budget = max(seeds[pairs[0]][m]["budget"] for m in (a, b))
        # A run that never got there ranks after every run that did: budget + 1.
        value = {m: np.array([n if not censored else budget + 1 for n, censored in need[m]]) for m in (a, b)}
        faster = int(np.sum(value[a] < value[b]))
        slower = int(np.sum(value[a] > value[b]))
        untied = faster + slower
        p = binomtest(faster, untied).pvalue if untied else 1.0
        picks = rng.integers(0, len(pairs), size=(N_BOOTSTRAP, len(pairs)))
        diffs = np.median(value[b][picks], axis=1) - np.median(value[a][picks], axis=1)
        tail = (1 - LEVEL) / 2 * 100
        gap = {m: np.array([final_log10_gap(seeds[s][m]) for s in pairs]) for m in (a, b)}
        closer, farther = int(np.sum(gap[a] < gap[b])), int(np.sum(gap[a] > gap[b]))
        out[task] = {
            "seeds": len(pairs),
            "threshold": level,
            "a": _quartiles(need[a]), "b": _quartiles(need[b]),
            "faster": faster, "tied": len(pairs) - untied, "slower": slower, "p": p,
            "interval": tuple(np.percentile(diffs, [tail, 100 - tail])),
            "closer": closer, "same": len(pairs) - closer - farther, "farther": farther,
            "final_p": binomtest(closer, closer + farther).pvalue if closer + farther else 1.0,
            "final_diff": float(np.median(gap[b] - gap[a])),
        }
    return out


def final_log10_gap(run: dict) -> float:
    """``log10(max HV - final HV)`` of ``run``, floored as in the report and the runs table (which
    holds it): :func:`lamoo.bench.summary.floored_log10_gap`."""
    if "hypervolume_trace" not in run:
        return run["final_log10_gap"]
    return floored_log10_gap(run["max_hypervolume"], run["hypervolume_trace"][-1])


def _quartiles(need: list[tuple[int, bool]]) -> str:
    q1, med, q3 = censored_quantiles([n for n, _ in need], [c for _, c in need])
    return f"{med.format()} [{q1.format()}, {q3.format()}]"


def table(rows: dict, a: str, b: str) -> str:
    lines = [f"| task | seeds | threshold | `{a}` | `{b}` | `{a}` faster / tied / slower | sign test p "
             f"| {LEVEL:.0%} interval of median {b} - {a} | final gap: `{a}` closer / same / farther | sign test p "
             f"| median final gap {b} - {a} |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for task, r in rows.items():
        low, high = r["interval"]
        lines.append(f"| {task} | {r['seeds']} | {r['threshold']:.1%} | {r['a']} | {r['b']} | "
                     f"{r['faster']} / {r['tied']} / {r['slower']} | {r['p']:.3g} | [{low:g}, {high:g}] | "
                     f"{r['closer']} / {r['same']} / {r['farther']} | {r['final_p']:.3g} | {r['final_diff']:+.3f} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", help="results folders written by 'lamoo bench'")
    parser.add_argument("--a", required=True, help="method A (a method label of the folders)")
    parser.add_argument("--b", required=True, help="method B")
    parser.add_argument("--threshold", type=float, default=None,
                        help="fraction of the maximum hypervolume (default: 0.99 on NB201 tasks, 0.9 elsewhere)")
    parser.add_argument("--seeds", default=None, help="only these seeds ('0-9', '0,3,7')")
    args = parser.parse_args(argv)
    if args.threshold is not None and not 0 < args.threshold <= 1:
        parser.error(f"--threshold must be a fraction in (0, 1], got {args.threshold}")
    seeds = set(parse_seeds(args.seeds)) if args.seeds else None
    rows = compare(load_all(args.results, seeds, loader=load_pairable), args.a, args.b, args.threshold)
    if not rows:
        raise InvalidInputError(f"no task has successful runs of both {args.a!r} and {args.b!r} on a common seed "
                                f"in {', '.join(args.results)}")
    print(table(rows, args.a, args.b))


if __name__ == "__main__":
    main()
