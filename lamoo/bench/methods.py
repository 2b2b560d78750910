"""Methods of a benchmark grid, by name.

- ``X``: the sampler registered as ``X`` (a ``lamoo.samplers`` entry point, through
  :func:`lamoo.plugins.get_sampler`), searching the whole space;
  inline options are its constructor arguments (``nsga2:pop_size=20``).
- ``lamoo-X``: ``LaMOO(X)`` with LaMOO's defaults; inline options (and the grid's
  ``--lamoo-param``) are LaMOO's arguments, ``inner.KEY=VALUE`` the inner sampler's
  (``lamoo-qehvi:cp_fraction=0.05:inner.num_restarts=8``).
- a peer of :data:`PEERS`: the libraries' optimizers of :data:`lamoo.bench.peers.PEERS`
  (``optuna-nsga2``, ``optuna-motpe``, ``pymoo-nsga2``) and ``optuna-lamoo`` (LaMOO through
  Optuna, :mod:`lamoo.bench.optuna_lamoo`); inline options are the peer's.

Options are part of the method's label, so runs with different settings never share a file.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lamoo import plugins
from lamoo.bench.optuna_lamoo import OptunaLaMOO
from lamoo.bench.peers import PEERS as LIBRARY_PEERS
from lamoo.bench.specs import Spec
from lamoo.exceptions import InvalidInputError

LAMOO_PREFIX = "lamoo-"
INNER_PREFIX = "inner."
PEERS: dict[str, type] = {**LIBRARY_PEERS, OptunaLaMOO.name: OptunaLaMOO}  # every peer a method can name


@dataclass(frozen=True)
class MethodPlan:
    """What a method label means: ``kind`` (``"sampler"``, ``"lamoo"`` or ``"peer"``), the
    registry ``sampler`` name and its ``sampler_params``, ``lamoo_params``, or the ``peer`` name
    and ``peer_options``."""

    label: str
    kind: str
    sampler: str | None = None
    sampler_params: dict = field(default_factory=dict)
    lamoo_params: dict = field(default_factory=dict)
    peer: str | None = None
    peer_options: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"label": self.label, "kind": self.kind, "sampler": self.sampler, "sampler_params": self.sampler_params,
                "lamoo_params": self.lamoo_params, "peer": self.peer, "peer_options": self.peer_options}

    @classmethod
    def from_dict(cls, d: dict) -> "MethodPlan":
        return cls(**d)


def available_methods() -> list[str]:
    """Every method name: the registered samplers, ``lamoo-`` each of them, and the peers."""
    names = plugins.list_samplers()
    return names + [LAMOO_PREFIX + n for n in names] + sorted(PEERS)


def plan_method(text: str, lamoo_params: dict | None = None) -> MethodPlan:
    """Parse a method spec; ``lamoo_params`` (the grid's ``--lamoo-param``) apply to every
    ``lamoo-X`` method unless its inline options set them. The options are checked now (by
    building the method once), not in the middle of a grid."""
    spec = Spec.parse(text, "method")
    if spec.name in PEERS:
        plan = MethodPlan(spec.label, "peer", peer=spec.name, peer_options=dict(spec.options))
    elif spec.name.startswith(LAMOO_PREFIX):
        spec = spec.with_options(lamoo_params or {})
        inner = spec.name[len(LAMOO_PREFIX):]
        if inner not in plugins.list_samplers():
            raise InvalidInputError(f"method {text!r}: unknown inner sampler {inner!r}; available: "
                                    f"{', '.join(available_methods())}")
        sampler_params = {k[len(INNER_PREFIX):]: v for k, v in spec.options.items() if k.startswith(INNER_PREFIX)}
        lamoo = {k: v for k, v in spec.options.items() if not k.startswith(INNER_PREFIX)}
        plan = MethodPlan(spec.label, "lamoo", sampler=inner, sampler_params=sampler_params, lamoo_params=lamoo)
    elif spec.name in plugins.list_samplers():
        plan = MethodPlan(spec.label, "sampler", sampler=spec.name, sampler_params=dict(spec.options))
    else:
        raise InvalidInputError(f"unknown method {spec.name!r}; available: {', '.join(available_methods())}")
    build_method(plan)
    return plan


def build_method(plan: MethodPlan):
    """The sampler (kind ``sampler`` / ``lamoo``) or peer object (kind ``peer``) of a plan."""
    if plan.kind == "peer":
        return PEERS[plan.peer](**plan.peer_options)
    from lamoo.meta import LaMOO

    try:
        sampler = plugins.get_sampler(plan.sampler, **plan.sampler_params)
    except InvalidInputError as exc:
        raise InvalidInputError(f"method {plan.label!r}: {exc}") from exc
    if plan.kind == "sampler":
        return sampler
    try:
        return LaMOO(sampler, **plan.lamoo_params)
    except TypeError as exc:
        raise InvalidInputError(f"method {plan.label!r}: LaMOO rejected {plan.lamoo_params}: {exc}") from exc


def inner_label(plan: MethodPlan) -> str | None:
    """For a ``lamoo-X`` plan, the label of ``X`` alone with the same sampler options (the run
    it is compared with); None otherwise."""
    if plan.kind != "lamoo":
        return None
    return Spec(plan.sampler, dict(plan.sampler_params)).label
