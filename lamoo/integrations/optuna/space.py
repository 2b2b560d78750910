"""Optuna distributions as a lamoo :class:`~lamoo.SearchSpace`, and trial parameters as its points.

Every parameter is one dimension, and the map between a parameter value and a coordinate is a
bijection, so that "this point was evaluated" means the same on both sides (lamoo never proposes
an evaluated or pending point again):

=======================================  =============================  ===========================
Optuna distribution                      lamoo dimension                coordinate of value ``v``
=======================================  =============================  ===========================
``FloatDistribution(lo, hi)``            continuous ``[lo, hi]``        ``v``
``FloatDistribution(lo, hi, log=True)``  continuous ``[ln lo, ln hi]``  ``ln v``
``FloatDistribution(lo, hi, step=s)``    integer ``[0, K]``             ``(v - lo) / s``
``IntDistribution(lo, hi)``              integer ``[lo, hi]``           ``v``
``IntDistribution(lo, hi, step=s)``      integer ``[0, K]``             ``(v - lo) / s``
``IntDistribution(lo, hi, log=True)``    integer ``[lo, hi]``           ``v``
``CategoricalDistribution(choices)``     categorical, ``k`` codes       index of ``v`` in choices
=======================================  =============================  ===========================

A log-scaled integer keeps its values as coordinates (lamoo's integer dimensions are evenly spaced:
a logarithmic warp of them would map several coordinates to one integer and break the bijection),
so lamoo's initial design and region draws are uniform over its integers, not over their logarithm.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lamoo.exceptions import InvalidInputError
from lamoo.space import SearchSpace


@dataclass(frozen=True)
class _Dim:
    """How one parameter maps to a coordinate: ``kind`` (lamoo's), ``map`` (``"value"``,
    ``"log"`` or ``"step"``), ``low`` and ``step`` of a stepped one."""

    name: str
    distribution: object
    kind: str
    map: str
    bounds: tuple[float, float]
    low: float = 0.0
    step: float = 1.0


def _dim(name: str, dist) -> _Dim:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if isinstance(dist, CategoricalDistribution):
        return _Dim(name, dist, "categorical", "value", (0.0, float(len(dist.choices) - 1)))
    if isinstance(dist, FloatDistribution):
        if dist.log:
            return _Dim(name, dist, "continuous", "log", (math.log(dist.low), math.log(dist.high)))
        if dist.step is not None:
            k = int(round((dist.high - dist.low) / dist.step))
            return _Dim(name, dist, "integer", "step", (0.0, float(k)), dist.low, dist.step)
        return _Dim(name, dist, "continuous", "value", (dist.low, dist.high))
    if isinstance(dist, IntDistribution):
        if dist.step != 1:
            k = (dist.high - dist.low) // dist.step
            return _Dim(name, dist, "integer", "step", (0.0, float(k)), dist.low, dist.step)
        return _Dim(name, dist, "integer", "value", (float(dist.low), float(dist.high)))
    raise InvalidInputError(f"parameter {name!r}: LaMOOSampler supports Float, Int and Categorical distributions, "
                            f"got {type(dist).__name__}")


class SpaceCodec:
    """The lamoo search space of an Optuna search space, and conversions both ways.

    Args:
        distributions: ``{param name: optuna distribution}``; the order is the dimensions' order.
        space: a lamoo :class:`SearchSpace` to use as it is (with its candidates, on a finite
            space) instead of the one derived from ``distributions``; its names, bounds and kinds
            must be the derived space's.

    Attributes:
        space: the lamoo search space (``d`` dimensions, one per parameter).
        distributions: the Optuna distributions, by name.
    """

    def __init__(self, distributions: dict, space: SearchSpace | None = None):
        self.distributions = dict(distributions)
        self._dims = [_dim(name, dist) for name, dist in self.distributions.items()]
        derived = SearchSpace([d.bounds for d in self._dims], kinds=[d.kind for d in self._dims],
                              names=list(self.distributions),
                              choices=[_labels(d.distribution) if d.kind == "categorical" else None for d in self._dims])
        if space is not None and (space.names != derived.names or space.kinds != derived.kinds
                                  or not np.array_equal(space.bounds, derived.bounds)):
            raise InvalidInputError(f"the search space {space!r} ({list(space.names)}, kinds {list(space.kinds)}) does "
                                    f"not match the Optuna distributions {self.distributions}")
        self.space = derived if space is None else space

    @classmethod
    def from_space(cls, space: SearchSpace) -> "SpaceCodec":
        """The codec of a lamoo space: continuous -> ``FloatDistribution``, integer ->
        ``IntDistribution``, categorical -> ``CategoricalDistribution`` of its choice labels (its
        codes ``0 .. k-1`` when it has none). Points keep their coordinates."""
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        make = {"continuous": lambda j: FloatDistribution(float(space.lower[j]), float(space.upper[j])),
                "integer": lambda j: IntDistribution(int(space.lower[j]), int(space.upper[j])),
                "categorical": lambda j: CategoricalDistribution(list(space.choices[j] or range(int(space.upper[j]) + 1)))}
        dists = {name: make[kind](j) for j, (name, kind) in enumerate(zip(space.names, space.kinds))}
        return cls(dists, space)

    def to_params(self, x: np.ndarray) -> dict:
        """The parameters (Optuna's external values: ``float``, ``int`` or a choice) of a point
        ``x`` (``d,``) of :attr:`space`."""
        out = {}
        for d, v in zip(self._dims, np.asarray(x, dtype=float)):
            dist = d.distribution
            if d.kind == "categorical":
                out[d.name] = dist.to_external_repr(float(v))
            elif d.map == "log":
                out[d.name] = float(min(max(math.exp(v), dist.low), dist.high))
            elif d.map == "step":
                out[d.name] = dist.to_external_repr(min(d.low + round(v) * d.step, dist.high))
            else:
                out[d.name] = dist.to_external_repr(float(v))
        return out

    def to_point(self, params: dict) -> np.ndarray | None:
        """The point (``d,``) of ``params``; None when a parameter is missing or its value is
        not one of its distribution's (a trial from another search space)."""
        x = np.empty(len(self._dims))
        for j, d in enumerate(self._dims):
            if d.name not in params:
                return None
            dist = d.distribution
            try:
                internal = dist.to_internal_repr(params[d.name])
            except (ValueError, TypeError):
                return None
            if not dist._contains(internal):
                return None
            if d.map == "log":
                x[j] = math.log(internal)
            elif d.map == "step":
                x[j] = round((internal - d.low) / d.step)
            else:
                x[j] = internal
        return x + 0.0

    def canonical(self, X: np.ndarray) -> np.ndarray:
        """``(k x d)`` points as the trials will record them: through :meth:`to_params` and back
        (a logarithmic coordinate may move by a rounding error; every other one is unchanged)."""
        return np.array([self.to_point(self.to_params(x)) for x in X], dtype=float).reshape(-1, len(self._dims))


def _labels(dist) -> tuple[str, ...]:
    return tuple(str(c) for c in dist.choices)


def distributions_from_space(space: SearchSpace) -> dict:
    """``{name: optuna distribution}`` of a lamoo space (see :meth:`SpaceCodec.from_space`)."""
    return SpaceCodec.from_space(space).distributions
