"""NSGA-II offspring from pymoo's operators, seeded from the region's members.

The sampler is stateless: every call rebuilds the parent population from the archive. The region's
successful members are ranked by non-dominated sorting and crowding distance (pymoo's
``RankAndCrowding`` survival) and the best ``pop_size`` become the parents; offspring come from
binary tournament selection (dominance, then crowding, as pymoo's NSGA-II) and the operators of
a named preset (``operators=``):

- ``"real"`` (the default): simulated binary crossover and polynomial mutation; the defaults follow
  XNAS for integer encodings: SBX with probability 0.9 and eta 3, polynomial mutation of each
  variable with probability ``1/d`` and eta 3;
- ``"binary"``: uniform crossover (each bit from either parent with probability 1/2) and bit-flip
  mutation of each bit with probability ``1/d``: MO-EvoPruneDeepTL's operators (its released code
  runs jMetal's NSGA-II with these, crossover always applied, a population of 30 and two offspring
  per generation; pass ``crossover_prob=1.0, pop_size=30`` for its values);
- ``"binary-two-point"``: two-point crossover and bit-flip mutation.

The binary presets need a binary space (every dimension an integer in ``{0, 1}``), such as a pruning
genome (:mod:`nas_tasks.pruning`).
Offspring are kept in a :class:`lamoo.proposal.NewPoints`, which repairs them into the space
(clipped, rounded, snapped to a candidate on finite spaces) and drops those outside the region,
evaluated, pending or repeated; mating is retried, at most ``max_tries`` rounds, and the driver tops
up a remaining shortfall with uniform region draws.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from lamoo.archive import Archive
from lamoo.checks import check_choice, check_int, check_number
from lamoo.exceptions import InvalidInputError, require
from lamoo.proposal import NewPoints, Proposal
from lamoo.region import Region
from lamoo.sampler import Sampler

OPERATORS = ("real", "binary", "binary-two-point")
"""The operator presets (see the module docstring)."""


class NSGA2Sampler(Sampler):
    """NSGA-II mating (pymoo operators) on the region's best members (stateless, region-aware).

    Args:
        pop_size: at most this many region members, the best by rank and crowding, are parents.
        crossover_prob: probability that a mating applies crossover (otherwise parents are copied).
        crossover_eta: SBX distribution index (small: offspring far from the parents; ``"real"`` only).
        mutation_prob: per-variable mutation probability (``None``: ``1/d``).
        mutation_eta: polynomial-mutation distribution index (``"real"`` only).
        operators: ``"real"``, ``"binary"`` or ``"binary-two-point"`` (:data:`OPERATORS`).
        max_tries: mating rounds before the proposal is returned short (the driver tops it up
            with uniform region draws).

    The proposal's ``info`` holds ``n_parents``, ``n_offspring`` (kept offspring) and
    ``fallback`` (the reason when no mating ran and the proposal is uniform draws from the
    region).
    """

    name = "nsga2"

    def __init__(self, *, pop_size: int = 20, crossover_prob: float = 0.9, crossover_eta: float = 3.0,
                 mutation_prob: float | None = None, mutation_eta: float = 3.0, max_tries: int = 20,
                 operators: str = "real"):
        check_int(pop_size, "pop_size", 2)
        check_number(crossover_prob, "crossover_prob", low=0, high=1)
        check_number(crossover_eta, "crossover_eta", low=0, low_open=True)
        check_number(mutation_prob, "mutation_prob", low=0, high=1, allow_none=True)
        check_number(mutation_eta, "mutation_eta", low=0, low_open=True)
        check_int(max_tries, "max_tries", 1)
        check_choice(operators, "operators", OPERATORS)
        self.operators = operators
        self.pop_size = pop_size
        self.crossover_prob = crossover_prob
        self.crossover_eta = crossover_eta
        self.mutation_prob = mutation_prob
        self.mutation_eta = mutation_eta
        self.max_tries = max_tries

    def propose(self, region: Region, archive: Archive, n: int, rng: np.random.Generator) -> Proposal:
        info = {"fallback": None, "n_parents": 0, "n_offspring": 0}
        if len(region.members) < 2:
            info["fallback"] = f"only {len(region.members)} successful evaluations in the region"
            return Proposal(region.sample(n, rng), region, info)
        problem = self._problem(archive)
        parents = self._parent_population(region, archive, rng)
        binary = self.operators != "real"
        if binary:
            _check_binary(archive.space)
            parents.set("X", parents.get("X") > 0.5)  # pymoo's bit flip negates booleans
        # binary_tournament reads these two attributes of pymoo's NSGA2 algorithm object
        algorithm = SimpleNamespace(tournament_type="comp_by_dom_and_crowding", random_state=rng)
        mating = self.make_mating(archive.space.n_dims)
        points = NewPoints(region, n)
        for _ in range(self.max_tries):
            need = n - len(points)
            if need <= 0:
                break
            off = mating.do(problem, parents, max(need, 2), random_state=rng, algorithm=algorithm)
            info["n_offspring"] += points.offer(off.get("X").astype(float))
        info["n_parents"] = len(parents)
        return Proposal(points.array(), region, info)

    def select_parents(self, region: Region, archive: Archive, rng: np.random.Generator) -> np.ndarray:
        """Archive indices of the parents: the region's best ``pop_size`` members by
        non-dominated rank, then crowding distance (pymoo's ``RankAndCrowding`` survival)."""
        return np.asarray(self._parent_population(region, archive, rng).get("index"), dtype=np.int64)

    def _parent_population(self, region: Region, archive: Archive, rng: np.random.Generator):
        """The parents as a pymoo population carrying the ``rank`` and ``crowding`` that the
        tournament compares, and each one's archive ``index``."""
        require("pymoo", "pymoo")
        from pymoo.operators.survival.rank_and_crowding import RankAndCrowding

        members = np.sort(region.members)
        pop = self._population(archive, members)
        pop.set("index", members)
        return RankAndCrowding().do(self._problem(archive), pop, n_survive=min(self.pop_size, len(pop)),
                                    random_state=rng)

    def make_mating(self, n_dims: int):
        """pymoo's NSGA-II mating: binary tournament (dominance, then crowding) and the
        crossover and mutation of :attr:`operators` with this sampler's parameters, for
        ``n_dims`` variables."""
        require("pymoo", "pymoo")
        from pymoo.algorithms.moo.nsga2 import binary_tournament
        from pymoo.core.mating import Mating
        from pymoo.operators.selection.tournament import TournamentSelection

        prob_var = self.mutation_prob if self.mutation_prob is not None else 1.0 / n_dims
        if self.operators == "real":
            from pymoo.operators.crossover.sbx import SBX
            from pymoo.operators.mutation.pm import PM

            crossover, mutation = (SBX(prob=self.crossover_prob, eta=self.crossover_eta),
                                   PM(prob=1.0, prob_var=prob_var, eta=self.mutation_eta))
        else:
            from pymoo.operators.crossover.pntx import TwoPointCrossover
            from pymoo.operators.crossover.ux import UniformCrossover
            from pymoo.operators.mutation.bitflip import BitflipMutation

            kind = UniformCrossover if self.operators == "binary" else TwoPointCrossover
            crossover, mutation = kind(prob=self.crossover_prob), BitflipMutation(prob=1.0, prob_var=prob_var)
        return Mating(TournamentSelection(func_comp=binary_tournament), crossover, mutation)

    @staticmethod
    def _problem(archive: Archive):
        require("pymoo", "pymoo")
        from pymoo.core.problem import Problem

        space = archive.space
        return Problem(n_var=space.n_dims, n_obj=len(archive.objectives), xl=space.lower, xu=space.upper)

    @staticmethod
    def _population(archive: Archive, rows: np.ndarray):
        from pymoo.core.population import Population

        return Population.new("X", archive.X[rows], "F", archive.F[rows])


def _check_binary(space) -> None:
    """Raise unless every dimension of ``space`` is an integer in ``{0, 1}``."""
    if not (space.discrete_mask.all() and (space.lower == 0).all() and (space.upper == 1).all()):
        raise InvalidInputError(f"NSGA2Sampler(operators='binary...') needs a binary space (every dimension an integer "
                                f"in {{0, 1}}), got {space!r}; use operators='real' here")
