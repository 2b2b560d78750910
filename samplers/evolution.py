"""Regularized (aging) evolution (Real et al., AAAI 2019), stateless and region-aware.

Real et al. keep a queue of the ``P`` most recent models: each cycle samples ``S`` of them, mutates
the best of the sample, evaluates the child, appends it and removes the *oldest* model (not the
worst): that is the "regularization". This sampler rebuilds that queue from the archive on every
call, so it carries no state between calls:

- **population**: the last ``population_size`` successful evaluations inside the region, in
  archive order (the initial design counts: with the driver's ``n_init = population_size`` and
  ``batch_size = 1`` a run is exactly Real et al.'s loop, with the initial population in the
  budget);
- **tournament**: ``sample_size`` distinct members drawn by the rng; the winner is the member that
  no other sampled member dominates (for one objective: the best), ties broken by the rng; with
  outcome constraints, by constraint-domination (a feasible member beats an infeasible one, the
  smaller violation wins between infeasible ones);
- **mutation**: one dimension of the winner, chosen uniformly among those that can change, is
  redrawn: a categorical or integer dimension takes another of its values, uniformly (for a
  NAS-Bench-201 cell: another operation on one edge); a continuous one moves by a Gaussian step of
  ``sigma`` times its range, reflected into the bounds.

A batch of ``n`` runs ``n`` tournaments on the same population. A child outside the region, not a
valid point (on a finite space whose candidates are not the whole grid), already evaluated or
already in the batch is dropped and its tournament repeated, at most ``max_tries`` rounds; a
remaining shortfall is topped up by the driver (:func:`lamoo.proposal.complete`) with uniform draws
from the region.
"""
from __future__ import annotations

import numpy as np

from lamoo.archive import Archive
from lamoo.checks import check_int, check_number
from lamoo.exceptions import InvalidInputError
from lamoo.proposal import NewPoints, Proposal
from lamoo.region import Region
from lamoo.sampler import Sampler
from samplers.mutation import mutate_one, tournament_winner


class EvolutionSampler(Sampler):
    """Regularized evolution: tournament of ``sample_size`` among the region's last
    ``population_size`` evaluations, one-dimension mutation of the winner.

    Args:
        population_size: ``P``, how many of the most recent successful in-region evaluations form
            the population (Kulbach and Thoma use 10).
        sample_size: ``S``, tournament size (Kulbach and Thoma use 5); capped at the population.
        sigma: Gaussian mutation step of a continuous dimension, as a fraction of its range.
        max_tries: tournament rounds before a shortfall is filled with uniform region draws.

    The proposal's ``info`` holds ``n_population``, ``n_offspring`` (mutants kept), ``parents``
    (per kept mutant, in the proposal's order, ``[archive index of the mutated winner]``: the
    ancestry :mod:`nas_tasks.xnas.phylogeny` reads from the journal) and ``fallback`` (why no
    tournament ran, or None).
    """

    name = "evolution"

    def __init__(self, *, population_size: int = 10, sample_size: int = 5, sigma: float = 0.1, max_tries: int = 20):
        check_int(population_size, "population_size", 1)
        check_int(sample_size, "sample_size", 1)
        check_number(sigma, "sigma", low=0, high=1, low_open=True)
        check_int(max_tries, "max_tries", 1)
        if sample_size > population_size:
            raise InvalidInputError(f"sample_size must be <= population_size ({population_size}), got {sample_size}")
        self.population_size = population_size
        self.sample_size = sample_size
        self.sigma = sigma
        self.max_tries = max_tries

    def population(self, region: Region) -> np.ndarray:
        """Archive indices of the population: the region's last ``population_size`` successful
        members, oldest first."""
        return np.sort(region.members)[-self.population_size:]

    def tournament(self, F: np.ndarray, rng: np.random.Generator, violation: np.ndarray | None = None) -> int:
        """Row of ``F`` (``k x m``, minimized: the population's values; ``violation``, ``(k,)``:
        their constraint violations, None without constraints) that wins one tournament."""
        return tournament_winner(F, self.sample_size, rng, violation)

    def mutate(self, x: np.ndarray, space, rng: np.random.Generator) -> np.ndarray:
        """A copy of the point ``x`` (``d,``) with one dimension redrawn (see the module docstring)."""
        return mutate_one(x, space, self.sigma, rng)

    def propose(self, region: Region, archive: Archive, n: int, rng: np.random.Generator) -> Proposal:
        space = archive.space
        members = self.population(region)
        info = {"n_population": int(len(members)), "n_offspring": 0, "fallback": None, "parents": []}
        if len(members) == 0:
            info["fallback"] = "no successful evaluation in the region"
            return Proposal(region.sample(n, rng), region, info)
        points = NewPoints(region, n)
        X, F = archive.X[members], archive.F[members]
        violation = archive.violation[members] if archive.constraints else None
        for _ in range(self.max_tries):
            need = n - len(points)
            if need <= 0:
                break
            winners, children = [], []
            for _ in range(need):
                winners.append(self.tournament(F, rng, violation))
                children.append(self.mutate(X[winners[-1]], space, rng))
            children = np.array(children)
            valid = space.contains(children)  # off-candidate children on sparse finite spaces
            for child, w in zip(children[valid], np.asarray(winners)[valid]):
                if points.offer(child[None]):
                    info["parents"].append([int(members[w])])
            info["n_offspring"] = len(info["parents"])
        return Proposal(points.array(), region, info)
