"""The conformance suite every sampler must pass: one test per promise of the sampler protocol.

Subclass :class:`SamplerConformance` in a pytest module (pytest collects classes named
``Test*``) and say how to build the sampler: override :meth:`~SamplerConformance.make_sampler`,
or set ``sampler_name`` (a name registered in ``lamoo.samplers``) and optionally
``sampler_kwargs`` (small settings keep it fast)::

    from lamoo.testing import SamplerConformance

    class TestMySampler(SamplerConformance):
        def make_sampler(self):
            return MySampler(iterations=5)

The suite runs on the toy tasks of :mod:`lamoo.testing.toys` (continuous, mixed and finite
spaces, a fixed half-space region); it needs nothing but lamoo, scikit-learn and pytest.
"""
from __future__ import annotations

import json

import numpy as np

from lamoo.driver import optimize
from lamoo.meta import LaMOO
from lamoo.plugins import get_sampler
from lamoo.proposal import Proposal
from lamoo.region import Region
from lamoo.testing.toys import FiniteToyTask, MixedToyTask, ToyTask, filled_archive, half_region


def _rows(X) -> set[bytes]:
    return {row.tobytes() for row in np.asarray(X, dtype=float) + 0.0}


class SamplerConformance:
    """Inherit these tests; see the module docstring."""

    sampler_name: str = ""
    sampler_kwargs: dict = {}

    def make_sampler(self):
        """A new sampler to test (default: ``get_sampler(sampler_name, **sampler_kwargs)``)."""
        if not self.sampler_name:
            raise NotImplementedError(f"{type(self).__name__}: set sampler_name or override make_sampler()")
        return get_sampler(self.sampler_name, **self.sampler_kwargs)

    def propose(self, archive, region=None, n: int = 4, seed: int = 0, sampler=None) -> Proposal:
        """``sampler.propose`` in ``region`` (default: the whole space), checked to return a
        :class:`~lamoo.proposal.Proposal` of at most ``n`` points inside ``region``, in the
        region it names, with a JSON-able report."""
        region = region if region is not None else Region.whole(archive)
        sampler = sampler if sampler is not None else self.make_sampler()
        proposal = sampler.propose(region, archive, n, np.random.default_rng(seed))
        assert isinstance(proposal, Proposal), f"propose must return a lamoo.Proposal, got {type(proposal).__name__}"
        assert proposal.X.shape[0] <= n and proposal.X.shape[1] == archive.space.n_dims, proposal.X.shape
        node = proposal.region
        while node is not None and node is not region:
            node = node.parent
        assert node is region, f"the proposal names {proposal.region!r}, which is not refined from {region!r}"
        assert proposal.region.contains(proposal.X).all(), "points outside the region the proposal names"
        json.dumps(dict(proposal.info), allow_nan=True)  # the journal records it
        return proposal

    def test_returns_n_points_of_the_space_with_a_json_report(self):
        task = ToyTask(d=3)
        proposal = self.propose(filled_archive(task, 12), n=5)
        assert proposal.X.shape == (5, 3), proposal.X.shape
        assert task.space.contains(proposal.X).all(), proposal.X

    def test_proposals_lie_inside_the_region(self):
        archive = filled_archive(ToyTask(d=2), 20, seed=1)
        region = half_region(archive)
        X = self.propose(archive, region, n=5).X
        assert len(X) == 5 and region.contains(X).all(), X

    def test_same_rng_seed_gives_the_same_proposal(self):
        archive = filled_archive(ToyTask(d=2), 12, seed=2)
        np.testing.assert_array_equal(self.propose(archive, seed=7).X, self.propose(archive, seed=7).X)

    def test_keeps_no_state_between_calls(self):
        # a sampler that has proposed before proposes exactly what a new one does
        task = ToyTask(d=2)
        first, second = filled_archive(task, 15, seed=3), filled_archive(task, 12, seed=4)
        used = self.make_sampler()
        params = repr(used)
        self.propose(first, seed=1, sampler=used)
        again = self.propose(second, seed=2, sampler=used).X
        np.testing.assert_array_equal(again, self.propose(second, seed=2).X)
        assert repr(used) == params, f"propose changed the sampler's parameters: {params} -> {used!r}"

    def test_mixed_space_proposals_are_valid_points(self):
        task = MixedToyTask()
        X = self.propose(filled_archive(task, 12, seed=3), n=6).X
        assert X.shape == (6, 3) and task.space.contains(X).all(), X

    def test_finite_space_proposals_are_new_distinct_candidates(self):
        task = FiniteToyTask()
        archive = filled_archive(task, 15, seed=4)
        X = self.propose(archive, n=6).X
        assert X.shape == (6, 4) and (task.space.candidate_index(X) >= 0).all(), X
        assert not archive.contains(X).any() and len(_rows(X)) == 6, X

    def test_pending_points_are_not_proposed(self):
        task = FiniteToyTask()
        archive = filled_archive(task, 20, seed=5)
        rng = np.random.default_rng(5)
        new = task.space.candidates[~archive.evaluated_candidates()]
        pending = new[rng.choice(len(new), 45, replace=False)]  # 16 new cells are left
        X = self.propose(archive, Region.whole(archive, pending=pending), n=6).X
        assert len(X) > 0 and not (_rows(X) & _rows(pending)) and not archive.contains(X).any(), X

    def test_finite_region_proposals_stay_in_the_region(self):
        archive = filled_archive(FiniteToyTask(), 20, seed=5)
        region = half_region(archive)
        X = self.propose(archive, region, n=4).X
        assert len(X) == 4 and region.contains(X).all() and not archive.contains(X).any(), X

    def test_an_archive_of_one_point(self):
        task = ToyTask(d=2)
        X = self.propose(filled_archive(task, 1, seed=6), n=3).X
        assert X.shape == (3, 2) and task.space.contains(X).all(), X

    def test_an_archive_of_two_points(self):
        task = ToyTask(d=2)
        X = self.propose(filled_archive(task, 2, seed=6), n=3).X
        assert X.shape == (3, 2) and task.space.contains(X).all(), X

    def test_failed_evaluations_in_the_archive_are_tolerated(self):
        X = self.propose(filled_archive(ToyTask(d=2), 12, seed=7, failed=4), n=3).X
        assert X.shape == (3, 2) and np.isfinite(X).all(), X

    def test_never_calls_the_objective(self):
        # only the driver evaluates: one call for the initial design, then one per batch
        task = ToyTask(d=2)
        for sampler in (self.make_sampler(), LaMOO(self.make_sampler(), leaf_size=4)):
            task.calls.clear()
            result = optimize(task, sampler, budget=20, n_init=10, batch_size=5, seed=0)
            assert task.calls == [10, 5, 5], task.calls
            assert result.X.shape == (20, 2)
            assert result.sources[10:] == ["sampler"] * 10, result.sources

    def test_inside_lamoo_on_a_finite_space(self):
        task = FiniteToyTask()
        result = optimize(task, LaMOO(self.make_sampler(), leaf_size=4), budget=30, n_init=10, batch_size=5, seed=1)
        assert len(_rows(result.X)) == 30
