"""The sampler protocol: ``propose(region, archive, n, rng) -> (n x d)``.

It is defined in :mod:`lamoo.sampler` (the core depends on nothing here) and re-exported.
"""
from lamoo.sampler import Sampler

__all__ = ["Sampler"]
