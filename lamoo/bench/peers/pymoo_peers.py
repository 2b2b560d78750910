"""pymoo's NSGA-II as a peer, through pymoo's ask/tell interface.

lamoo's initial design is the initial population. Continuous dimensions use pymoo's default
operators; integer and categorical ones pymoo's mixed-variable mating (categorical: ``Choice``, an
unordered choice among the codes ``0 .. k-1``, with uniform crossover and random-choice mutation).
pymoo's duplicate elimination works within its population only: a point evaluated before can come
back, is evaluated again and paid from the budget (``n_duplicates``).
"""
from __future__ import annotations

import numpy as np

from lamoo.bench.peers.common import check_options
from lamoo.driver import initial_design
from lamoo.exceptions import InvalidInputError
from lamoo.task import to_minimization


class PymooNSGA2:
    """``pymoo.algorithms.moo.nsga2.NSGA2`` through ask/tell: population ``pop_size`` (default
    ``n_init``: lamoo's initial design is the initial population), ``batch_size`` offspring per
    generation (a steady-state NSGA-II that keeps the batch size), binary tournament, rank and
    crowding survival. Continuous spaces use pymoo's default SBX (eta 15, p 0.9) and polynomial
    mutation (eta 20); spaces with integer or categorical dimensions use pymoo's mixed-variable
    mating (integers: rounded SBX/PM; categoricals: uniform crossover, random-choice mutation).
    Failed evaluations are told as the worst objective values seen (pymoo has no failure state)."""

    name = "pymoo-nsga2"
    library = "pymoo"
    defaults = {"pop_size": None}

    def __init__(self, **options):
        self.options = check_options(options, self.defaults, self.name)

    def config(self) -> dict:
        import pymoo

        return {"name": self.name, "library": "pymoo", "library_version": pymoo.__version__, "params": self.options,
                "resolved": getattr(self, "resolved_", None)}

    def _setup(self, space, m: int, n_init: int, batch_size: int, seed: int, init: np.ndarray, k: int = 0):
        from pymoo.algorithms.moo.nsga2 import NSGA2, binary_tournament
        from pymoo.core.population import Population
        from pymoo.core.problem import Problem
        from pymoo.core.termination import NoTermination
        from pymoo.operators.selection.tournament import TournamentSelection

        pop_size = int(self.options["pop_size"] or n_init)
        if pop_size < 2:
            raise InvalidInputError(f"pymoo-nsga2: pop_size must be >= 2, got {pop_size} (set n_init >= 2)")
        mixed = not all(k == "continuous" for k in space.kinds)
        self.resolved_ = {"pop_size": pop_size, "n_offsprings": batch_size, "seed": seed,
                          "operators": "mixed-variable (rounded SBX/PM, UX + random choice)" if mixed else
                          "SBX(eta=15, prob=0.9), PM(eta=20)"}
        if not mixed:
            problem = Problem(n_var=space.n_dims, n_obj=m, n_ieq_constr=k, xl=space.lower.copy(), xu=space.upper.copy())
            algorithm = NSGA2(pop_size=pop_size, n_offsprings=batch_size, sampling=init.copy(),
                              eliminate_duplicates=True)
        else:
            from pymoo.core.mixed import MixedVariableDuplicateElimination, MixedVariableMating
            from pymoo.core.variable import Choice, Integer, Real

            variables = {}
            for j, (name, kind) in enumerate(zip(space.names, space.kinds)):
                lo, hi = space.lower[j], space.upper[j]
                variables[name] = (Real(bounds=(float(lo), float(hi))) if kind == "continuous" else
                                   Integer(bounds=(int(lo), int(hi))) if kind == "integer" else
                                   Choice(options=list(range(int(hi) + 1))))
            problem = Problem(vars=variables, n_obj=m, n_ieq_constr=k)
            dedup = MixedVariableDuplicateElimination()
            mating = MixedVariableMating(selection=TournamentSelection(func_comp=binary_tournament),
                                         eliminate_duplicates=dedup)
            sampling = Population.new(X=np.array([self._to_dict(space, x) for x in init], dtype=object))
            algorithm = NSGA2(pop_size=pop_size, n_offsprings=batch_size, sampling=sampling, mating=mating,
                              eliminate_duplicates=dedup)
        algorithm.setup(problem, seed=seed, termination=NoTermination())
        return algorithm

    @staticmethod
    def _to_dict(space, x) -> dict:
        return {name: (float(v) if kind == "continuous" else int(v)) for name, kind, v in zip(space.names, space.kinds, x)}

    @staticmethod
    def _to_array(space, X) -> np.ndarray:
        if len(X) and isinstance(X[0], dict):
            return np.array([[float(row[name]) for name in space.names] for row in X], dtype=float)
        return np.asarray(X, dtype=float).reshape(-1, space.n_dims)

    def run(self, task, recorder, budget: int, n_init: int, batch_size: int, seed: int) -> None:
        from pymoo.core.evaluator import Evaluator
        from pymoo.problems.static import StaticProblem

        space, objectives = task.space, tuple(task.objectives)
        init = initial_design(space, n_init, seed)
        with recorder.optimizer():
            algorithm = self._setup(space, len(objectives), n_init, batch_size, seed, init, len(recorder.constraints))
        worst = None
        first = True
        while recorder.n < budget:
            with recorder.optimizer():
                pop = algorithm.ask()
            if pop is None or len(pop) == 0:  # mating found no new offspring (tiny finite space)
                break
            X = self._to_array(space, pop.get("X"))
            k = min(len(X), budget - recorder.n)
            Y, _ = recorder.evaluate(X[:k], "init" if first else "sampler")
            first = False
            if k < len(X):
                break
            F = to_minimization(Y, objectives)
            ok = ~np.isnan(F).any(axis=1)
            if ok.any():
                worst = F[ok].max(axis=0) if worst is None else np.maximum(worst, F[ok].max(axis=0))
            if not ok.all():  # pymoo has no failure state: a failed point gets the worst values seen
                F[~ok] = worst + 1.0 if worst is not None else 1e12
            G = recorder.relative_slack(slice(recorder.n - k, recorder.n))
            G[np.isnan(G)] = 1e12  # a failed point violates every constraint
            with recorder.optimizer():
                Evaluator().eval(StaticProblem(algorithm.problem, F=F, **({"G": G} if G.shape[1] else {})), pop)
                algorithm.tell(infills=pop)
        self.algorithm_ = algorithm  # the library's own state after the run, for inspection
