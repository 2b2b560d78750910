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

Outcome constraints are handled by constraint-domination, as pymoo's NSGA-II does: the parents
carry each constraint's relative slack as pymoo's ``G`` (``<= 0`` where met), so survival keeps
feasible members first and the least violating infeasible ones after, and the tournament prefers
the feasible parent, or the one with the smaller violation.

Two options serve encodings whose integer codes are labels (the XNAS preset,
:mod:`nas_tasks.xnas.preset`): ``code_order`` says in which order SBX and polynomial mutation see
the codes (they treat them as ordinal), and ``child_filter`` rejects offspring (e.g. disconnected
cells) so that mating is redone for them. ``integer_bounds="widened"`` runs SBX and polynomial
mutation on bounds widened by just under 1/2 on each side before the children are rounded, so each
integer code, the end ones included, owns an interval of width 1: what pymoo 0.4's
``IntegerFromFloatCrossover`` / ``IntegerFromFloatMutation`` (``apply_float_operation``) do, the
operators of the XNAS reference code (LLNL/XNAS ``xnas/nas_deephyper/nsga_ii.py``, pymoo 0.4.2.2).
The default, ``"exact"``, mates on the space's own bounds, where the end codes own half an interval.
"""
from __future__ import annotations

import math
from functools import lru_cache
from types import SimpleNamespace
from typing import Callable, Sequence

import numpy as np

from lamoo.archive import Archive
from lamoo.checks import check_choice, check_int, check_number
from lamoo.exceptions import InvalidInputError, require
from lamoo.proposal import NewPoints, Proposal
from lamoo.policy import RegionPolicy
from lamoo.region import Region
from lamoo.sampler import Sampler
from samplers._common import relative_slack

OPERATORS = ("real", "binary", "binary-two-point")
"""The operator presets (see the module docstring)."""
INTEGER_BOUNDS = ("exact", "widened")
"""How the ``"real"`` operators bound integer codes (see the module docstring)."""
WIDEN = 0.5 - 1e-9
"""Half-width added to each side of the bounds by ``integer_bounds="widened"`` (rounding stays inside)."""


class NSGA2Sampler(Sampler):
    """NSGA-II mating (pymoo operators) on the region's best members (stateless, region-aware).

    Args:
        pop_size: at most this many region members, the best by rank and crowding, are parents
            (default 20: lamoo's fast default; the XNAS preset, sampler ``xnas``, uses 64).
        crossover_prob: probability that a mating applies crossover (otherwise parents are copied).
        crossover_eta: SBX distribution index (small: offspring far from the parents; ``"real"`` only).
        mutation_prob: per-variable mutation probability (``None``: ``1/d``).
        mutation_eta: polynomial-mutation distribution index (``"real"`` only).
        operators: ``"real"``, ``"binary"`` or ``"binary-two-point"`` (:data:`OPERATORS`).
        max_tries: mating rounds before the proposal is returned short (the driver tops it up
            with uniform region draws).
        code_order: for integer codes ``0..L-1`` on every dimension: the codes in the order the
            variation operators treat as ordinal (``code_order[r]`` is the code of rank ``r``);
            parents are mapped to ranks, mated, rounded and mapped back. ``None``: the codes'
            own order.
        child_filter: ``(k x d) -> (k,) bool``, or its import path ``"module:function"``;
            offspring for which it is False are dropped and mating is redone (within
            ``max_tries``), e.g. to keep only connected cells. Journaled by import path.
        integer_bounds: ``"exact"`` (mate on the space's bounds) or ``"widened"`` (on bounds
            widened by just under 1/2 per side, then rounded: pymoo 0.4's integer operators, as
            the XNAS reference code uses them; every dimension must be integer or categorical).

    The proposal's ``info`` holds ``n_parents``, ``n_offspring`` (kept offspring),
    ``parents`` (per kept offspring, in the proposal's order, the archive indices of its two
    parents: the ancestry the XNAS phylogeny reads from the journal) and ``fallback`` (the reason
    when no mating ran and the proposal is uniform draws from the region).
    """

    name = "nsga2"
    # Inside LaMOO: a region of at least a quarter of the samples, and a whole-space share of each
    # batch that follows what whole-space and regional offspring recently added to the front (at
    # least 20%; lamoo.mixing). Over 30 seeds on seven tasks, LaMOO(NSGA-II) then ends no farther
    # from the maximum hypervolume than NSGA-II alone on 6 tasks (median of the paired final log10
    # gaps), against 4 with the fixed 20%; against the fixed 20% itself it ends closer on 2 tasks
    # and farther on 5, none significantly (sign tests p >= 0.2; benchmarks/results/lamoo-mixing/).
    region_policy = RegionPolicy(min_share=0.25, global_fraction=0.2, mixing="yield")

    def __init__(self, *, pop_size: int = 20, crossover_prob: float = 0.9, crossover_eta: float = 3.0,
                 mutation_prob: float | None = None, mutation_eta: float = 3.0, max_tries: int = 20,
                 operators: str = "real", code_order: Sequence[int] | None = None,
                 child_filter: Callable[[np.ndarray], np.ndarray] | None = None, integer_bounds: str = "exact"):
        check_int(pop_size, "pop_size", 2)
        check_number(crossover_prob, "crossover_prob", low=0, high=1)
        check_number(crossover_eta, "crossover_eta", low=0, low_open=True)
        check_number(mutation_prob, "mutation_prob", low=0, high=1, allow_none=True)
        check_number(mutation_eta, "mutation_eta", low=0, low_open=True)
        check_int(max_tries, "max_tries", 1)
        self.pop_size = pop_size
        self.crossover_prob = crossover_prob
        self.crossover_eta = crossover_eta
        self.mutation_prob = mutation_prob
        self.mutation_eta = mutation_eta
        self.max_tries = max_tries
        check_choice(operators, "operators", OPERATORS)
        self.operators = operators
        self.code_order = None if code_order is None else _check_order(code_order)
        if isinstance(child_filter, str):
            from lamoo.plugins import load_object

            child_filter = load_object(child_filter)
        if child_filter is not None and not callable(child_filter):
            raise ValueError(f"child_filter must be a callable (k x d) -> (k,) bool or None, got {child_filter!r}")
        self.child_filter = child_filter
        check_choice(integer_bounds, "integer_bounds", INTEGER_BOUNDS)
        self.integer_bounds = integer_bounds

    def get_params(self) -> dict:
        """Constructor parameters; ``child_filter`` as its import path (stable across processes,
        so a resumed run's sampler compares equal)."""
        params = super().get_params()
        f = params.get("child_filter")
        if f is not None:
            params["child_filter"] = f"{getattr(f, '__module__', '?')}:{getattr(f, '__qualname__', repr(f))}"
        if params.get("integer_bounds") == "exact":
            del params["integer_bounds"]  # the default: journals made before the option compare equal
        return params

    def propose(self, region: Region, archive: Archive, n: int, rng: np.random.Generator) -> Proposal:
        info = {"fallback": None, "n_parents": 0, "n_offspring": 0, "parents": []}
        if len(region.members) < 2:
            info["fallback"] = f"only {len(region.members)} successful evaluations in the region"
            return Proposal(region.sample(n, rng), region, info)
        self._check_space(archive)
        problem = self._mating_problem(archive)
        parents = self._parent_population(region, archive, rng)
        if self.operators != "real":
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
            off, lineage = self._children(mating.do(problem, parents, max(need, 2), random_state=rng,
                                                    algorithm=algorithm))
            for row, pair in zip(off, lineage):
                if points.offer(row[None]):
                    info["parents"].append(pair)
            info["n_offspring"] = len(info["parents"])
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
        ``n_dims`` variables (a ``Mating`` that also tags each offspring with its parents'
        archive indices)."""
        require("pymoo", "pymoo")
        from pymoo.algorithms.moo.nsga2 import binary_tournament
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
        return _tracing_mating_class()(TournamentSelection(func_comp=binary_tournament), crossover, mutation)

    def ranks(self, X) -> np.ndarray:
        """``(k x d)`` codes -> their ranks under ``code_order`` (the codes themselves without one)."""
        X = np.asarray(X, dtype=float)
        if self.code_order is None or X.size == 0:
            return X
        return np.argsort(self.code_order)[np.rint(X).astype(int)].astype(float)

    def codes(self, R) -> np.ndarray:
        """``(k x d)`` ranks (any reals, rounded and clipped) -> codes: the inverse of :meth:`ranks`."""
        R = np.asarray(R, dtype=float)
        if self.code_order is None or R.size == 0:
            return R
        ranks = np.clip(np.rint(R), 0, len(self.code_order) - 1).astype(int)
        return np.asarray(self.code_order, dtype=float)[ranks]

    def _children(self, off) -> tuple[np.ndarray, list]:
        """The offspring's codes (``k x d``, mapped back from ranks under ``code_order``) and
        each one's two parents' archive indices, those ``child_filter`` rejects dropped."""
        X = self.codes(off.get("X"))
        lineage = [[int(i) for i in pair] for pair in off.get("parents")] if len(X) else []
        if self.child_filter is not None and len(X):
            keep = np.asarray(self.child_filter(X), dtype=bool)
            X, lineage = X[keep], [pair for pair, k in zip(lineage, keep) if k]
        return X, lineage

    def _check_space(self, archive: Archive) -> None:
        if self.integer_bounds == "widened" and not archive.space.discrete_mask.all():
            raise ValueError("integer_bounds='widened' needs integer or categorical dimensions only; dimensions "
                             f"{np.flatnonzero(~archive.space.discrete_mask).tolist()} are continuous")
        if self.code_order is None:
            return
        space, top = archive.space, len(self.code_order) - 1
        if not (np.all(space.lower == 0) and np.all(space.upper == top)):
            raise ValueError(f"code_order has {top + 1} codes, so every dimension must range over 0..{top}; the "
                             f"space's bounds are {space.lower.tolist()} .. {space.upper.tolist()}")

    def _problem(self, archive: Archive):
        require("pymoo", "pymoo")
        from pymoo.core.problem import Problem

        space = archive.space
        return Problem(n_var=space.n_dims, n_obj=len(archive.objectives), n_ieq_constr=len(archive.constraints),
                       xl=space.lower, xu=space.upper)

    def _mating_problem(self, archive: Archive):
        """The problem crossover and mutation see: :meth:`_problem`, its bounds widened by
        :data:`WIDEN` per side under ``integer_bounds="widened"``."""
        problem = self._problem(archive)
        if self.integer_bounds == "widened":
            problem.xl, problem.xu = problem.xl - WIDEN, problem.xu + WIDEN
        return problem

    def _population(self, archive: Archive, rows: np.ndarray):
        """The archive's ``rows`` as a pymoo population, codes as ranks under ``code_order``."""
        from pymoo.core.population import Population

        if archive.constraints:
            return Population.new("X", self.ranks(archive.X[rows]), "F", archive.F[rows], "G",
                                  relative_slack(archive, rows))
        return Population.new("X", self.ranks(archive.X[rows]), "F", archive.F[rows])


@lru_cache(maxsize=1)
def _tracing_mating_class():
    require("pymoo", "pymoo")
    from pymoo.core.mating import Mating

    class TracingMating(Mating):
        """pymoo's ``Mating`` (selection, crossover, mutation), each offspring tagged with its
        parents' ``index`` as ``"parents"`` (crossover lays offspring out ``o * n_matings + m``)."""

        def _do(self, problem, pop, n_offsprings, parents=None, random_state=None, **kwargs):
            n_matings = math.ceil(n_offsprings / self.crossover.n_offsprings)
            if parents is None:
                parents = self.selection(problem, pop, n_matings, n_parents=self.crossover.n_parents,
                                         random_state=random_state, **kwargs)
            off = self.crossover(problem, parents, random_state=random_state, **kwargs)
            off = self.mutation(problem, off, random_state=random_state, **kwargs)
            ids = np.array([[ind.get("index") for ind in mating] for mating in parents])
            off.set("parents", ids[np.arange(len(off)) % len(ids)])
            return off

    return TracingMating


def _check_order(order) -> tuple:
    """``order`` as a tuple, checked to be a permutation of ``0..L-1`` with ``L >= 2``."""
    try:
        values = [int(v) for v in order]
    except (TypeError, ValueError):
        raise ValueError(f"code_order must be a permutation of 0..L-1, got {order!r}") from None
    if len(values) < 2 or sorted(values) != list(range(len(values))):
        raise ValueError(f"code_order must be a permutation of 0..L-1 (L >= 2), got {list(order)!r}")
    return tuple(values)


def _check_binary(space) -> None:
    """Raise unless every dimension of ``space`` is an integer in ``{0, 1}``."""
    if not (space.discrete_mask.all() and (space.lower == 0).all() and (space.upper == 1).all()):
        raise InvalidInputError(f"NSGA2Sampler(operators='binary...') needs a binary space (every dimension an integer "
                                f"in {{0, 1}}), got {space!r}; use operators='real' here")
