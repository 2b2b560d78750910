"""The conformance suite every registered sampler must pass.

Subclass :class:`SamplerConformance` in a test module, set ``sampler_name`` (its registry name)
and optionally ``sampler_kwargs`` (e.g. small settings to keep it fast). Each test checks one
promise of the :class:`~lamoo.sampler.Sampler` protocol.
"""
from __future__ import annotations

import numpy as np
import pytest

from lamoo import LaMOO, optimize
from lamoo.region import Region
from samplers import get_sampler
from tests.toys import FiniteToyTask, MixedToyTask, ToyTask, filled_archive, half_region


class SamplerConformance:
    sampler_name: str = ""
    sampler_kwargs: dict = {}

    def make(self):
        return get_sampler(self.sampler_name, **self.sampler_kwargs)

    def propose(self, archive, region=None, n=4, seed=0):
        region = region if region is not None else Region.whole(archive)
        X = self.make().propose(region, archive, n, np.random.default_rng(seed))
        return np.asarray(X, dtype=float)

    def test_shape_and_bounds_on_the_whole_space(self):
        task = ToyTask(d=3)
        X = self.propose(filled_archive(task, 12), n=5)
        assert X.shape == (5, 3)
        assert task.space.contains(X).all()

    def test_proposals_lie_inside_the_region(self):
        task = ToyTask(d=2)
        archive = filled_archive(task, 20, seed=1)
        region = half_region(archive)
        X = self.propose(archive, region, n=5)
        assert len(X) == 5
        assert region.contains(X).all(), X

    def test_same_rng_seed_gives_the_same_proposal(self):
        archive = filled_archive(ToyTask(d=2), 12, seed=2)
        np.testing.assert_array_equal(self.propose(archive, seed=7), self.propose(archive, seed=7))

    def test_mixed_space_proposals_are_valid_points(self):
        task = MixedToyTask()
        X = self.propose(filled_archive(task, 12, seed=3), n=6)
        assert X.shape == (6, 3)
        assert task.space.contains(X).all(), X

    def test_finite_space_proposals_are_new_distinct_candidates(self):
        task = FiniteToyTask()
        archive = filled_archive(task, 15, seed=4)
        X = self.propose(archive, n=6)
        assert X.shape == (6, 4)
        assert (task.space.candidate_index(X) >= 0).all()
        assert not archive.contains(X).any()
        assert len({row.tobytes() for row in X}) == 6

    def test_finite_region_proposals_stay_in_the_region(self):
        task = FiniteToyTask()
        archive = filled_archive(task, 20, seed=5)
        region = half_region(archive)
        X = self.propose(archive, region, n=4)
        assert len(X) == 4 and region.contains(X).all()
        assert not archive.contains(X).any()

    @pytest.mark.parametrize("n_points", [1, 2])
    def test_tiny_archive(self, n_points):
        task = ToyTask(d=2)
        X = self.propose(filled_archive(task, n_points, seed=6), n=3)
        assert X.shape == (3, 2) and task.space.contains(X).all()

    def test_failed_evaluations_in_the_archive_are_tolerated(self):
        task = ToyTask(d=2)
        X = self.propose(filled_archive(task, 12, seed=7, failed=4), n=3)
        assert X.shape == (3, 2) and np.isfinite(X).all()

    def test_never_calls_the_objective(self):
        # only the driver evaluates: one call for the initial design, then one per batch
        task = ToyTask(d=2)
        for sampler in (self.make(), LaMOO(self.make(), leaf_size=4)):
            task.calls.clear()
            result = optimize(task, sampler, budget=20, n_init=10, batch_size=5, seed=0)
            assert task.calls == [10, 5, 5]
            assert result.X.shape == (20, 2)
            assert (np.array(result.sources[10:]) == "sampler").all(), result.sources

    def test_inside_lamoo_on_a_finite_space(self):
        task = FiniteToyTask()
        result = optimize(task, LaMOO(self.make(), leaf_size=4), budget=30, n_init=10, batch_size=5, seed=1)
        assert len({row.tobytes() for row in result.X}) == 30
