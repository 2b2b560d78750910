"""What a finite task's last hypervolume permille asks for, and how close runs come to it.

Issue 12 asks for 99.9% of NB201 CIFAR-10/FLOPs' maximum hypervolume within 150 samples. On a
finite task the whole table is known, so necessary conditions can be computed exactly. For each
objective ``j`` this script finds the smallest set of best cells in ``j`` (every cell at least as
good as some value ``v``) that a run must evaluate at least one of: with all of them left out,
every other cell together stays below the threshold. It then prints

- the set's size ``k`` and the bound ``v``; random search's chance to evaluate one of the ``k``
  within ``--budget`` uniform draws without replacement, and its expected draws to the first;
- the landscape of objective ``j`` under one-dimension changes (NB201: one edge's operation): how
  many cells are strict local optima, and from what share of all cells steepest descent (move to
  the best neighbour while it is better) ends inside the set;
- for each results folder given (``lamoo bench`` records of the task), per method: how far the
  runs are from the threshold after ``--budget`` samples (their hypervolume's shortfall from the
  maximum, in units of what the threshold leaves: 1 or less reaches it) and how many reached it,
  and per set the runs that evaluated one of its cells within ``--budget`` and within their whole
  budget, and the median samples to the first such cell.

    python -m benchmarks.last_permille                                   # nb201-c10-flops, 99.9%, 150
    python -m benchmarks.last_permille --tasks nb201-c10-flops nb201-c100-params RESULTS_FOLDER...

Run from the repository root; ``--table`` names another NB201 table than the shared one.
Unconstrained finite tasks only. Objectives are read in canonical (minimized) form: "best" is
the highest accuracy and the lowest cost.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from lamoo.exceptions import InvalidInputError
from lamoo.pareto import hypervolume
from lamoo.task import to_minimization


def canonical_table(task) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X, F, ref)``: every candidate of the finite, unconstrained ``task`` (``N x d``), its
    canonical values (``N x m``, minimized) and the canonical reference point (``m,``)."""
    if not task.space.is_finite:
        raise InvalidInputError(f"{type(task).__name__} has no finite candidate set: the script enumerates it")
    if getattr(task, "constraints", ()):
        raise InvalidInputError(f"{type(task).__name__} has outcome constraints; the script counts every cell")
    if getattr(task, "ref_point", None) is None:
        raise InvalidInputError(f"{type(task).__name__} has no reference point to measure hypervolumes from")
    X = task.space.candidates
    return X, to_minimization(task.evaluate(X), task.objectives), to_minimization(task.ref_point, task.objectives)


@dataclass
class NecessarySet:
    """The cells with ``F[:, objective] <= bound`` (``members``, a bool mask over the table): a
    run that evaluates none of them stays below the threshold."""
    objective: int
    bound: float
    members: np.ndarray

    @property
    def size(self) -> int:
        return int(self.members.sum())


def necessary_set(F: np.ndarray, ref: np.ndarray, threshold: float, objective: int) -> NecessarySet | None:
    """The smallest set of best cells in ``objective`` (every cell with ``F[:, objective] <= v``
    for the smallest such ``v``) whose absence keeps the hypervolume of the rest of ``F``
    (``N x m``, minimized) below ``threshold`` times that of all of ``F``; None when leaving out
    every cell but the worst in ``objective`` still reaches it."""
    target = threshold * hypervolume(F, ref)
    values = np.unique(F[:, objective])
    lo, hi = 0, len(values) - 1  # search the bound among the distinct values, all but the worst

    def short(i: int) -> bool:  # the rest stays below the target without the cells <= values[i]
        return hypervolume(F[F[:, objective] > values[i]], ref) < target

    if hi < 1 or not short(hi - 1):
        return None
    hi -= 1
    while lo < hi:  # the rest's hypervolume only falls as the bound rises
        mid = (lo + hi) // 2
        if short(mid):
            hi = mid
        else:
            lo = mid + 1
    return NecessarySet(objective, float(values[lo]), F[:, objective] <= values[lo])


def random_hit_probability(n_cells: int, k: int, draws: int) -> float:
    """Chance that ``draws`` uniform draws without replacement from ``n_cells`` include one of ``k``
    given cells."""
    draws = min(draws, n_cells)
    i = np.arange(draws)
    return float(1.0 - np.prod(np.clip((n_cells - k - i) / (n_cells - i), 0.0, 1.0)))


def neighbour_table(space) -> np.ndarray:
    """``(N x L)`` candidate index of each candidate's neighbours that differ from it in one
    dimension, ``L`` the sum over dimensions of their number of values; -1 in the column of the
    candidate's own value and where the changed point is not a candidate."""
    X = space.candidates
    columns = []
    for dim in range(X.shape[1]):
        for value in np.unique(X[:, dim]):
            Z = X.copy()
            Z[:, dim] = value
            idx = space.candidate_index(Z)
            idx[X[:, dim] == value] = -1  # the point itself
            columns.append(idx)
    return np.column_stack(columns)


def descent(values: np.ndarray, neighbours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(local_optima, ends)`` for ``values`` (``N,``, lower is better) on the neighbour table:
    the cells no neighbour beats, and the cell each steepest descent from every cell ends at."""
    padded = np.append(values, np.inf)  # index -1 (no neighbour) reads +inf
    best = neighbours[np.arange(len(values)), np.argmin(padded[neighbours], axis=1)]
    optima = padded[best] >= values
    ends = np.arange(len(values))
    for _ in range(len(values)):
        step = np.where(optima[ends], ends, best[ends])
        if (step == ends).all():
            break
        ends = step
    return np.flatnonzero(optima), ends


def first_hit(run: dict, space, members: np.ndarray) -> int | None:
    """The 1-based sample at which ``run`` first evaluated a cell of ``members`` (a bool mask over
    the candidates of ``space``), or None if it never did."""
    if "X" not in run:
        where = run.get("_path", "a run record")
        raise InvalidInputError(f"{where} holds no points: its run was made with --no-points")
    idx = space.candidate_index(np.asarray(run["X"], dtype=float))
    hit = np.flatnonzero((idx >= 0) & members[np.maximum(idx, 0)])
    return int(hit[0]) + 1 if len(hit) else None


def report_task(task, name: str, threshold: float, budget: int, folders: list[str]) -> None:
    from lamoo.bench.records import load_runs

    X, F, ref = canonical_table(task)
    n_cells, total = len(F), hypervolume(F, ref)
    allowance = total * (1 - threshold)
    print(f"{name}: {n_cells} cells, maximum hypervolume {total:.6g}; {100 * threshold:g}% leaves "
          f"{allowance:.4g} of it")
    neighbours = neighbour_table(task.space)
    runs = [r for folder in folders for r in load_runs(folder) if r.get("task") == name and r.get("status") == "ok"]
    for method in sorted({r["method"] for r in runs}):
        gaps = np.array([r["max_hypervolume"] - r["hypervolume_trace"][min(budget, len(r["hypervolume_trace"])) - 1]
                         for r in runs if r["method"] == method])
        q1, q2, q3 = np.percentile(gaps, [25, 50, 75]) / allowance
        print(f"  {method}: {len(gaps)} runs; hypervolume short of the maximum after {budget} samples, in units of "
              f"what {100 * threshold:g}% leaves: median {q2:.2f} [{q1:.2f}, {q3:.2f}]; {100 * threshold:g}% within "
              f"{budget}: {int((gaps <= allowance).sum())}")
    for j, objective in enumerate(task.objectives):
        needed = necessary_set(F, ref, threshold, j)
        if needed is None:
            print(f"  {objective.name}: no set of its best cells is necessary")
            continue
        raw_bound = needed.bound * objective.sign
        relation = ">=" if objective.direction == "maximize" else "<="
        p = random_hit_probability(n_cells, needed.size, budget)
        print(f"  {objective.name}: a run must evaluate one of the {needed.size} cells with {objective.name} "
              f"{relation} {raw_bound:.6g}; random search: {100 * p:.1f}% within {budget}, "
              f"{(n_cells + 1) / (needed.size + 1):.0f} draws expected to the first")
        optima, ends = descent(F[:, j], neighbours)
        print(f"    landscape of {objective.name} under one-dimension changes: {len(optima)} local optima; "
              f"steepest descent ends in the set from {100 * needed.members[ends].mean():.1f}% of the cells")
        by_method: dict[str, list] = {}
        for run in runs:
            hit = first_hit(run, task.space, needed.members)
            by_method.setdefault(run["method"], []).append(np.inf if hit is None else hit)
        for method, firsts in sorted(by_method.items()):
            firsts = np.array(firsts)
            median = np.median(firsts)
            print(f"    {method}: {len(firsts)} runs; one of the set within {budget}: {(firsts <= budget).sum()}, "
                  f"at all: {np.isfinite(firsts).sum()} (median first at "
                  f"{'> budget' if np.isinf(median) else f'{median:g}'})")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="*", help="results folders written by 'lamoo bench' (optional)")
    parser.add_argument("--tasks", nargs="+", default=["nb201-c10-flops"])
    parser.add_argument("--table", default=None,
                        help="NB201 table of the nb201-* tasks (default: the tasks' own, the shared table)")
    parser.add_argument("--threshold", type=float, default=0.999, help="fraction of the maximum hypervolume")
    parser.add_argument("--budget", type=int, default=150, help="samples the threshold is asked within")
    args = parser.parse_args(argv)
    if not 0 < args.threshold <= 1:
        raise InvalidInputError(f"--threshold must be in (0, 1], got {args.threshold}")
    from lamoo.plugins import get_task

    for name in args.tasks:
        task = get_task(name, **({"table": args.table} if args.table else {}))
        report_task(task, name, args.threshold, args.budget, args.results)


if __name__ == "__main__":
    main()
