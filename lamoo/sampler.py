"""The sampler protocol every inner sampler (and LaMOO itself) implements.

The optimizer proposes, the task evaluates: a sampler never calls an objective. ``propose`` must
depend only on its arguments and the sampler's constructor parameters (no state carried between
calls), so that a run is reproducible from its seed and resumable from its archive. What it has to
report travels with its points in the :class:`~lamoo.proposal.Proposal` it returns.
"""
from __future__ import annotations

import inspect
from abc import ABC, abstractmethod

import numpy as np

from lamoo.archive import Archive
from lamoo.policy import DEFAULT_POLICY, RegionPolicy
from lamoo.proposal import Proposal
from lamoo.region import Region


class Sampler(ABC):
    """Base class of samplers.

    Subclasses implement :meth:`propose`, store each constructor argument under its own name
    (as scikit-learn estimators do: :meth:`get_params` reads them back) and validate arguments
    in ``__init__`` with a :class:`ValueError` that names the value.

    Check a new sampler with the conformance suite :class:`lamoo.testing.SamplerConformance`.
    """

    name: str = "sampler"
    #: How ``LaMOO(sampler)`` shapes the region it hands this sampler, for every LaMOO argument
    #: left at ``"auto"`` (see :class:`lamoo.policy.RegionPolicy`); subclasses declare their own.
    region_policy: RegionPolicy = DEFAULT_POLICY

    @abstractmethod
    def propose(self, region: Region, archive: Archive, n: int, rng: np.random.Generator) -> Proposal:
        """Propose ``n`` new points inside ``region``.

        Args:
            region: where to propose; :meth:`Region.whole` for a plain (un-wrapped) run. Its
                ``pending`` points, like the evaluated ones, must not be proposed again.
            archive: every evaluated point so far (``archive.F`` is canonical, minimized).
            n: number of points wanted.
            rng: the only source of randomness.

        Returns:
            A :class:`~lamoo.proposal.Proposal` of ``k <= n`` points (ideally ``k == n``) in
            ``region`` (or in a region refined from it, named by the proposal) with a JSON-able
            report. The driver repairs the points into the space, drops those outside the
            region, evaluated, pending or repeated, and tops up a shortfall with uniform draws
            from the region (:func:`lamoo.proposal.complete`); a sampler that generates points
            in rounds can keep them in a :class:`~lamoo.proposal.NewPoints`, which applies the
            same rules. A plain ``(k x d)`` array is accepted too, as a proposal in ``region``
            with an empty report.
        """

    def get_params(self) -> dict:
        """Constructor parameters by name."""
        sig = inspect.signature(type(self).__init__)
        return {p: getattr(self, p) for p in list(sig.parameters)[1:]
                if sig.parameters[p].kind not in (p_.VAR_POSITIONAL, p_.VAR_KEYWORD) and hasattr(self, p)}

    def config(self) -> dict:
        """A JSON-serialisable description: name, class and parameters (nested samplers too)."""
        return {"name": self.name, "class": f"{type(self).__module__}.{type(self).__qualname__}",
                "params": {k: _jsonable(v) for k, v in self.get_params().items()}}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


p_ = inspect.Parameter


def _jsonable(value):
    if isinstance(value, Sampler):
        return value.config()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return repr(value)
