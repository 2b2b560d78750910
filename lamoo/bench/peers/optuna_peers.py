"""Optuna's multi-objective samplers as peers: NSGA-II, MOTPE and the Gaussian-process sampler.

Each runs Optuna's own ask/tell loop with lamoo's initial design enqueued (so generation 0, or
the startup trials, are lamoo's points), one ``study.ask`` per point of a batch before the batch is
told. The search space maps onto Optuna's types: continuous -> ``FloatDistribution``, integer ->
``IntDistribution``, categorical -> ``CategoricalDistribution`` over the codes ``0 .. k-1`` (an
unordered choice). Optuna does not avoid re-proposing a point it evaluated before: on a finite
space such a repeat is evaluated again and paid from the budget (``n_duplicates``).
"""
from __future__ import annotations

import inspect
import warnings

import numpy as np

from lamoo.bench.peers.common import batch_sizes, check_options
from lamoo.driver import initial_design
from lamoo.exceptions import InvalidInputError


class _OptunaPeer:
    library = "optuna"
    defaults: dict = {}

    def __init__(self, **options):
        self.options = check_options(options, self.defaults, self.name)

    def config(self) -> dict:
        import optuna

        return {"name": self.name, "library": "optuna", "library_version": optuna.__version__,
                "params": self.options, "resolved": getattr(self, "resolved_", None)}

    def make_sampler(self, n_init: int, batch_size: int, seed: int, constraints_func=None):
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
            constrained = bool(recorder.constraints)
            per_trial = hasattr(optuna.trial.Trial, "set_constraint")  # Optuna >= 5
            study = optuna.create_study(directions=[o.direction for o in task.objectives],
                                        sampler=self.make_sampler(n_init, batch_size, seed,
                                                                  _constraints_func if constrained and not per_trial
                                                                  else None))
            for x in initial_design(space, n_init, seed):
                study.enqueue_trial({name: (float(v) if kind == "continuous" else int(v))
                                     for name, kind, v in zip(space.names, space.kinds, x)})
        for i, k in enumerate(batch_sizes(budget, n_init, batch_size)):
            with recorder.optimizer(), warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                trials = [study.ask(dists) for _ in range(k)]
                X = np.array([[trial.params[name] for name in space.names] for trial in trials], dtype=float)
            Y, errors = recorder.evaluate(X, "init" if i == 0 else "sampler")
            G = recorder.relative_slack(slice(recorder.n - k, recorder.n))
            with recorder.optimizer():
                for trial, y, error, g in zip(trials, Y, errors, G):
                    if constrained and error is None:
                        _set_constraints(trial, recorder.constraints, g, per_trial)
                    if error is None:
                        study.tell(trial, [float(v) for v in y])
                    else:
                        study.tell(trial, state=TrialState.FAIL)
        self.study_ = study  # the library's own record of the run, for inspection


CONSTRAINTS_ATTR = "lamoo_constraint_slack"


def _constraints_func(trial) -> list[float]:
    """Optuna's ``constraints_func`` (before Optuna 5): the trial's relative slacks (feasible
    where all ``<= 0``)."""
    return trial.user_attrs[CONSTRAINTS_ATTR]


def _set_constraints(trial, constraints, slack, per_trial: bool) -> None:
    """Give Optuna ``trial``'s relative ``slack`` per constraint, before it is told."""
    if per_trial:
        for c, v in zip(constraints, slack):
            trial.set_constraint(str(c), float(v))
    else:
        trial.set_user_attr(CONSTRAINTS_ATTR, [float(v) for v in slack])


class OptunaNSGA2(_OptunaPeer):
    """``optuna.samplers.NSGAIISampler``: population ``population_size`` (default: ``n_init``,
    so that generation 0 is lamoo's initial design), Optuna's default operators otherwise."""

    name = "optuna-nsga2"
    defaults = {"population_size": None, "mutation_prob": None, "crossover_prob": 0.9, "swapping_prob": 0.5}

    def make_sampler(self, n_init, batch_size, seed, constraints_func=None):
        import optuna

        o = self.options
        pop = int(o["population_size"] or n_init)
        if pop < 2:
            raise InvalidInputError(f"optuna-nsga2: population_size must be >= 2, got {pop} (set n_init >= 2)")
        self.resolved_ = {"population_size": pop, "seed": seed}
        return optuna.samplers.NSGAIISampler(population_size=pop, mutation_prob=o["mutation_prob"],
                                             crossover_prob=o["crossover_prob"], swapping_prob=o["swapping_prob"],
                                             seed=seed, constraints_func=constraints_func)


class OptunaMOTPE(_OptunaPeer):
    """``optuna.samplers.TPESampler`` on a multi-objective study (MOTPE), multivariate, with
    ``n_startup_trials = n_init`` (the enqueued initial design) and the constant liar so that a
    batch's asks do not pile onto one point."""

    name = "optuna-motpe"
    defaults = {"n_ei_candidates": 24}

    def make_sampler(self, n_init, batch_size, seed, constraints_func=None):
        import optuna

        self.resolved_ = {"n_startup_trials": n_init, "multivariate": True, "constant_liar": True, "seed": seed}
        return optuna.samplers.TPESampler(n_startup_trials=n_init, n_ei_candidates=int(self.options["n_ei_candidates"]),
                                          multivariate=True, constant_liar=True, seed=seed,
                                          constraints_func=constraints_func)


class OptunaGP(_OptunaPeer):
    """``optuna.samplers.GPSampler`` (Optuna >= 4.4 supports several objectives): independent GPs
    with a Matern-5/2 ARD kernel (categorical dimensions by Hamming distance: unordered), log
    expected hypervolume improvement, and for the later points of a batch qLogEHVI with the
    batch's earlier asks as running trials; the acquisition is maximized by QMC preliminary
    samples and local search (L-BFGS-B on continuous dimensions, exhaustive or line search on
    each discrete one). ``n_startup_trials = n_init`` (the enqueued initial design).
    ``deterministic_objective`` (Optuna's default: false) fixes the GP noise near zero, as
    Optuna advises for noise-free objectives. On a finite space the sampler searches the product
    of the dimensions' choices and may return a cell it has evaluated (a repeat, paid from the
    budget and counted)."""

    name = "optuna-gp"
    defaults = {"deterministic_objective": False}

    def make_sampler(self, n_init, batch_size, seed, constraints_func=None):
        import optuna

        deterministic = bool(self.options["deterministic_objective"])
        self.resolved_ = {"n_startup_trials": n_init, "deterministic_objective": deterministic, "seed": seed}
        extra = {} if constraints_func is None else {"constraints_func": constraints_func}
        if "warn_independent_sampling" in inspect.signature(optuna.samplers.GPSampler).parameters:  # Optuna >= 4.5
            extra["warn_independent_sampling"] = False
        return optuna.samplers.GPSampler(seed=seed, n_startup_trials=n_init, deterministic_objective=deterministic,
                                         **extra)
