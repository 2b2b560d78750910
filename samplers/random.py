"""Uniform random search, inside the region it is given."""
from __future__ import annotations

import numpy as np

from lamoo.archive import Archive
from lamoo.proposal import Proposal
from lamoo.policy import RegionPolicy
from lamoo.region import Region
from lamoo.sampler import Sampler


class RandomSampler(Sampler):
    """Draws points uniformly from the region: rejection sampling in the region's bounding box
    on continuous spaces, exact draws among new in-region candidates on finite ones. Its
    proposal's ``info`` is empty."""

    name = "random"
    region_policy = RegionPolicy(score="exclusive", selection="leaf", cp_fraction=0.01)

    def propose(self, region: Region, archive: Archive, n: int, rng: np.random.Generator) -> Proposal:
        return Proposal(region.sample(n, rng), region, {})
