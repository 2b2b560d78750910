"""Region policies: how LaMOO shapes the region it hands an inner sampler.

No single setting helps every inner sampler. A small region (LaMOO's ~11% of the samples) is what
makes random search sample-efficient, but it starves population samplers (NSGA-II, CMA-ES) late in
a run and cuts a local search off from the parts of the front it does not hold. So each sampler
class declares the policy measured best for it as its ``region_policy`` attribute, and
``LaMOO(sampler)`` uses it for every argument left at ``"auto"``; an argument given explicitly
always wins. The policy in use is recorded in ``LaMOO.config()``, hence in every journal and
benchmark record.

The measurements behind each sampler's policy are in ``benchmarks/results/lamoo-policy/``
(and, for ``mixing``, ``benchmarks/results/lamoo-mixing/``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from lamoo.checks import check_choice, check_int, check_number
from lamoo.exceptions import InvalidInputError
from lamoo.tree import SCORES, SELECTIONS

AUTO = "auto"
MIXINGS = ("fixed", "yield")
#: bounds of the whole-space share under ``mixing="yield"`` (the lower one raised to ``global_fraction``)
YIELD_SHARE = (0.1, 0.9)


@dataclass(frozen=True)
class RegionPolicy:
    """How LaMOO selects the region an inner sampler proposes in.

    Attributes:
        score: what UCB ranks tree nodes by: ``"hv"`` (the hypervolume of a node's samples, as
            in LaMOO) or ``"exclusive"`` (the hypervolume the front loses without the node's
            samples; see :mod:`lamoo.tree`).
        selection: ``"path"`` (descend by UCB from the root, as MCTS) or ``"leaf"`` (the leaf
            with the largest UCB).
        cp_fraction: the UCB exploration constant as a fraction of the hypervolume of all
            samples (used while ``LaMOO(cp="auto")``).
        leaf_size: nodes with at most this many samples are not split.
        min_share: the selected region is relaxed to its parent while it holds fewer than this
            fraction of the samples LaMOO partitions (0: never).
        global_fraction: the expected fraction of each batch the inner sampler proposes in the
            whole region LaMOO was given (usually the whole space) instead of the selected one;
            the count is rounded stochastically (0: none).
        global_every: every ``k``-th batch (by batch number) is proposed in the whole region
            LaMOO was given (0: never).
        mixing: ``"fixed"`` (the whole-space share is ``global_fraction``) or ``"yield"`` (it
            follows the recent success rates of whole-space and regional points, within
            ``[max(global_fraction, 0.1), 0.9]``: :mod:`lamoo.mixing`).
        mixing_window: the recent batches ``mixing="yield"`` counts.
    """

    score: str = "hv"
    selection: str = "path"
    cp_fraction: float = 0.1
    leaf_size: int = 10
    min_share: float = 0.0
    global_fraction: float = 0.0
    global_every: int = 0
    mixing: str = "fixed"
    mixing_window: int = 10

    def __post_init__(self):
        check_choice(self.score, "score", SCORES)
        check_choice(self.selection, "selection", SELECTIONS)
        check_number(self.cp_fraction, "cp_fraction", low=0)
        check_int(self.leaf_size, "leaf_size", 1)
        check_number(self.min_share, "min_share", low=0, high=1)
        check_number(self.global_fraction, "global_fraction", low=0, high=1)
        check_int(self.global_every, "global_every", 0)
        check_choice(self.mixing, "mixing", MIXINGS)
        check_int(self.mixing_window, "mixing_window", 1)
        if self.global_every == 1:
            raise InvalidInputError("global_every must be 0 (never) or >= 2 (1 would never use the selected region)")

    def with_overrides(self, **overrides) -> "RegionPolicy":
        """A copy with every override that is not ``"auto"`` applied (unknown names are an
        :class:`InvalidInputError`)."""
        names = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise InvalidInputError(f"unknown region policy fields {unknown}; expected some of {sorted(names)}")
        return replace(self, **{k: v for k, v in overrides.items() if not (isinstance(v, str) and v == AUTO)})

    def to_dict(self) -> dict:
        return asdict(self)


#: LaMOO as published (Zhao et al. 2022): regions scored by their own hypervolume, path selection,
#: Cp 10% of the hypervolume, nothing proposed outside the selected region.
CLASSIC = RegionPolicy()
#: The policy of a sampler that declares none.
DEFAULT_POLICY = CLASSIC
PRESETS = {"classic": CLASSIC}


def resolve_policy(sampler, policy="auto", **overrides) -> RegionPolicy:
    """The policy LaMOO uses for ``sampler``: ``policy`` (``"auto"``: the sampler's own, see
    :func:`policy_of`; a preset name of :data:`PRESETS`; or a :class:`RegionPolicy`) with every
    override that is not ``"auto"`` applied."""
    if isinstance(policy, RegionPolicy):
        base = policy
    elif isinstance(policy, str) and policy == AUTO:
        base = policy_of(sampler)
    elif isinstance(policy, str) and policy in PRESETS:
        base = PRESETS[policy]
    else:
        raise InvalidInputError(f"policy must be 'auto', one of {sorted(PRESETS)} or a lamoo.RegionPolicy, "
                                f"got {policy!r}")
    return base.with_overrides(**overrides)


def policy_of(sampler) -> RegionPolicy:
    """The region policy ``sampler`` declares (its ``region_policy`` attribute), or
    :data:`DEFAULT_POLICY` for a sampler that declares none."""
    policy = getattr(sampler, "region_policy", DEFAULT_POLICY)
    if not isinstance(policy, RegionPolicy):
        raise InvalidInputError(f"{type(sampler).__name__}.region_policy must be a lamoo.RegionPolicy, got {policy!r}")
    return policy
