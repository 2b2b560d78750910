"""The sampler protocol: ``propose(region, archive, n, rng) -> Proposal``.

It is defined in :mod:`lamoo.sampler` and :mod:`lamoo.proposal` (the core depends on nothing here)
and re-exported.
"""
from lamoo.proposal import NewPoints, Proposal
from lamoo.sampler import Sampler

__all__ = ["NewPoints", "Proposal", "Sampler"]
