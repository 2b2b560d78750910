"""Peers: real runs of Optuna's and pymoo's multi-objective optimizers, on lamoo tasks.

Each peer runs its library's own ask/tell loop; every evaluation goes through the
:class:`~lamoo.bench.recorder.Recorder` (lamoo's ``evaluate_safely``), with the same budget, the same
initial design (lamoo's, for the seed: enqueued in Optuna, the initial population in pymoo) and
the same batch size as the lamoo methods. The search space maps onto each library's own types:
continuous -> float, integer -> integer, categorical -> an unordered choice among the codes
``0 .. k-1`` (Optuna ``CategoricalDistribution``; pymoo ``Choice`` with uniform crossover and
random-choice mutation). Neither library avoids re-proposing a point it evaluated before: on a
finite space such a repeat is evaluated again and paid from the budget (``n_duplicates``). On a
finite space whose candidates are not the whole grid, a proposal that is not a candidate is
evaluated at the nearest candidate (``n_repaired``) and its value told for the proposal.

A peer is a class: ``Peer(**options)`` validates its options, ``config()`` describes it, and
``run(task, recorder, budget, n_init, batch_size, seed)`` runs it. :data:`PEERS` maps method names
to the classes. Optuna and pymoo are imported only when a peer runs.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from lamoo.exceptions import InvalidInputError
from lamoo.task import to_minimization
from lamoo.driver import initial_design


def _check_options(options: dict, allowed: dict, who: str) -> dict:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise InvalidInputError(f"{who}: unknown option(s) {unknown}; allowed: {sorted(allowed)}")
    out = dict(allowed)
    for key, value in options.items():
        if not (value is None or (isinstance(value, numbers.Real) and not isinstance(value, bool) and value > 0)):
            raise InvalidInputError(f"{who}: option {key} must be a positive number, got {value!r}")
        out[key] = value
    return out


def _batch_sizes(budget: int, n_init: int, batch_size: int):
    """Sizes of the successive asks: the initial design, then batches, cut at the budget."""
    done = 0
    first = min(n_init, budget)
    if first > 0:
        yield first
        done = first
    while done < budget:
        k = min(batch_size, budget - done)
        yield k
        done += k


# ---------------------------------------------------------------------------- Optuna
class _OptunaPeer:
    library = "optuna"
    defaults: dict = {}

    def __init__(self, **options):
        self.options = _check_options(options, self.defaults, self.name)

    def config(self) -> dict:
        import optuna

        return {"name": self.name, "library": "optuna", "library_version": optuna.__version__,
                "params": self.options, "resolved": getattr(self, "resolved_", None)}

    def make_sampler(self, n_init: int, batch_size: int, seed: int):
        raise NotImplementedError

    @staticmethod
    def distributions(space) -> dict:
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        out = {}
        for j, (name, kind) in enumerate(zip(space.names, space.kinds)):
            lo, hi = float(space.lower[j]), float(space.upper[j])
            if kind == "continuous":
                out[name] = FloatDistribution(lo, hi)
            elif kind == "integer":
                out[name] = IntDistribution(int(lo), int(hi))
            else:  # unordered choices; the codes 0 .. k-1 are lamoo's own encoding
                out[name] = CategoricalDistribution(list(range(int(hi) + 1)))
        return out

    def run(self, task, recorder, budget: int, n_init: int, batch_size: int, seed: int) -> None:
        import optuna
        from optuna.trial import TrialState

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        space = task.space
        dists = self.distributions(space)
        with recorder.optimizer(), warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study = optuna.create_study(directions=[o.direction for o in task.objectives],
                                        sampler=self.make_sampler(n_init, batch_size, seed))
            for x in initial_design(space, n_init, seed):
                study.enqueue_trial({name: (float(v) if kind == "continuous" else int(v))
                                     for name, kind, v in zip(space.names, space.kinds, x)})
        for i, k in enumerate(_batch_sizes(budget, n_init, batch_size)):
            with recorder.optimizer(), warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                trials = [study.ask(dists) for _ in range(k)]
                X = np.array([[trial.params[name] for name in space.names] for trial in trials], dtype=float)
            Y, errors = recorder.evaluate(X, "init" if i == 0 else "sampler")
            with recorder.optimizer():
                for trial, y, error in zip(trials, Y, errors):
                    if error is None:
                        study.tell(trial, [float(v) for v in y])
                    else:
                        study.tell(trial, state=TrialState.FAIL)


class OptunaNSGA2(_OptunaPeer):
    """``optuna.samplers.NSGAIISampler``: population ``population_size`` (default: ``n_init``,
    so that generation 0 is lamoo's initial design), Optuna's default operators otherwise."""

    name = "optuna-nsga2"
    defaults = {"population_size": None, "mutation_prob": None, "crossover_prob": 0.9, "swapping_prob": 0.5}

    def make_sampler(self, n_init, batch_size, seed):
        import optuna

        o = self.options
        pop = int(o["population_size"] or n_init)
        if pop < 2:
            raise InvalidInputError(f"optuna-nsga2: population_size must be >= 2, got {pop} (set n_init >= 2)")
        self.resolved_ = {"population_size": pop, "seed": seed}
        return optuna.samplers.NSGAIISampler(population_size=pop, mutation_prob=o["mutation_prob"],
                                             crossover_prob=o["crossover_prob"], swapping_prob=o["swapping_prob"],
                                             seed=seed)


class OptunaMOTPE(_OptunaPeer):
    """``optuna.samplers.TPESampler`` on a multi-objective study (MOTPE), multivariate, with
    ``n_startup_trials = n_init`` (the enqueued initial design) and the constant liar so that a
    batch's asks do not pile onto one point."""

    name = "optuna-motpe"
    defaults = {"n_ei_candidates": 24}

    def make_sampler(self, n_init, batch_size, seed):
        import optuna

        self.resolved_ = {"n_startup_trials": n_init, "multivariate": True, "constant_liar": True, "seed": seed}
        return optuna.samplers.TPESampler(n_startup_trials=n_init, n_ei_candidates=int(self.options["n_ei_candidates"]),
                                          multivariate=True, constant_liar=True, seed=seed)


# ---------------------------------------------------------------------------- pymoo
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
        self.options = _check_options(options, self.defaults, self.name)

    def config(self) -> dict:
        import pymoo

        return {"name": self.name, "library": "pymoo", "library_version": pymoo.__version__, "params": self.options,
                "resolved": getattr(self, "resolved_", None)}

    def _setup(self, space, m: int, n_init: int, batch_size: int, seed: int, init: np.ndarray):
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
            problem = Problem(n_var=space.n_dims, n_obj=m, xl=space.lower.copy(), xu=space.upper.copy())
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
            problem = Problem(vars=variables, n_obj=m)
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
            algorithm = self._setup(space, len(objectives), n_init, batch_size, seed, init)
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
            with recorder.optimizer():
                Evaluator().eval(StaticProblem(algorithm.problem, F=F), pop)
                algorithm.tell(infills=pop)


PEERS: dict[str, type] = {cls.name: cls for cls in (OptunaNSGA2, OptunaMOTPE, PymooNSGA2)}
