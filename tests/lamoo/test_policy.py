"""Region policies: declaration by samplers, resolution in LaMOO, mixing and minimum share."""
import warnings

import numpy as np
import pytest

from lamoo import LaMOO, RegionPolicy, Study
from lamoo.archive import Archive
from lamoo.exceptions import InvalidInputError
from lamoo.policy import CLASSIC, DEFAULT_POLICY, policy_of, resolve_policy
from lamoo.region import Region
from samplers import CMAESSampler, NSGA2Sampler, RandomSampler
from tests.toys import FiniteToyTask, ToyTask, filled_archive


@pytest.mark.parametrize("kwargs, match", [
    ({"score": "best"}, "score"), ({"selection": "any"}, "selection"), ({"cp_fraction": -1}, "cp_fraction"),
    ({"leaf_size": 0}, "leaf_size"), ({"min_share": 1.5}, "min_share"), ({"global_fraction": -0.1}, "global_fraction"),
    ({"global_every": 1}, "global_every"), ({"global_every": -2}, "global_every"), ({"mixing": "bandit"}, "mixing"),
])
def test_bad_policies_are_named(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        RegionPolicy(**kwargs)
    with pytest.raises(InvalidInputError, match=match):
        LaMOO(RandomSampler(), **kwargs)


def test_auto_arguments_take_the_samplers_policy_and_explicit_ones_win():
    assert LaMOO(RandomSampler()).policy_ == RandomSampler.region_policy != CLASSIC
    assert LaMOO(RandomSampler(), selection="path").policy_ == RegionPolicy(score="exclusive", cp_fraction=0.01)
    assert LaMOO(NSGA2Sampler(), policy="classic").policy_ == CLASSIC
    mine = RegionPolicy(global_every=3)
    assert LaMOO(CMAESSampler(), policy=mine, leaf_size=20).policy_ == RegionPolicy(global_every=3, leaf_size=20)
    with pytest.raises(InvalidInputError, match="policy must be"):
        LaMOO(RandomSampler(), policy="fast")
    with pytest.raises(InvalidInputError, match="unknown region policy fields"):
        CLASSIC.with_overrides(depth=3)


def test_samplers_without_a_policy_get_the_default_and_a_wrong_one_is_named():
    class Bare:
        def propose(self, region, archive, n, rng):
            return region.sample(n, rng)

    assert policy_of(Bare()) == DEFAULT_POLICY and resolve_policy(Bare(), global_fraction=0.5).global_fraction == 0.5
    bad = Bare()
    bad.region_policy = {"score": "hv"}
    with pytest.raises(InvalidInputError, match="region_policy must be a lamoo.RegionPolicy"):
        LaMOO(bad)


def test_the_resolved_policy_is_recorded_and_a_resumed_run_agrees(tmp_path):
    lamoo = LaMOO(NSGA2Sampler(), min_share=0.5)
    assert lamoo.config()["policy_"] == {**NSGA2Sampler.region_policy.to_dict(), "min_share": 0.5}
    task = ToyTask(d=2)
    Study(task, lamoo, seed=0, n_init=10, journal=tmp_path / "run.jsonl").optimize(15, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a different configuration would warn
        Study.load(tmp_path / "run.jsonl", task, LaMOO(NSGA2Sampler(), min_share=0.5))


def propose(lamoo, archive, n=5, seed=0, region=None):
    return lamoo.propose(region or Region.whole(archive), archive, n, np.random.default_rng(seed))


def told(archive, batch):
    """``archive`` with one more batch number told, so that the next batch is ``batch``."""
    X = archive.space.sample_uniform(1, np.random.default_rng(batch))
    Y = np.column_stack([(X ** 2).mean(1), ((X - 1) ** 2).mean(1)])
    archive.append(X, Y, batch=batch - 1)
    return archive


def test_global_every_proposes_every_kth_batch_in_the_whole_region():
    archive = filled_archive(ToyTask(d=2), 60, seed=1)
    lamoo = LaMOO(RandomSampler(), policy="classic", global_every=2, leaf_size=8)
    regional = propose(lamoo, told(archive, 2))  # batch 2: 2 % 2 != 1
    assert regional.info["n_global"] == 0 and not regional.region.is_whole_space
    whole = propose(lamoo, told(archive, 3))
    assert whole.info["n_global"] == 5 and whole.region.is_whole_space and len(whole.X) == 5
    assert whole.info["depth"] > 0  # the selected region is still reported


def test_global_fraction_splits_the_batch_between_the_selected_and_the_whole_region():
    archive = filled_archive(FiniteToyTask(), 40, seed=2)
    lamoo = LaMOO(RandomSampler(), policy="classic", global_fraction=0.4, leaf_size=4)
    proposal = propose(lamoo, archive, n=5)
    info = proposal.info
    assert info["n_global"] == 2 and "inner_global" in info and proposal.region.is_whole_space
    selected = lamoo.tree_.nodes[info["leaf_id"]]
    assert len(proposal.X) == 5 and len({row.tobytes() for row in proposal.X}) == 5
    assert not archive.contains(proposal.X).any() and info["n_members"] == selected.n
    # 0.3 x 5 = 1.5: one or two, drawn from the generator
    counts = {propose(LaMOO(RandomSampler(), policy="classic", global_fraction=0.3, leaf_size=4), archive,
                      seed=s).info["n_global"] for s in range(12)}
    assert counts == {1, 2}


def test_min_share_relaxes_small_regions():
    archive = filled_archive(ToyTask(d=2), 80, seed=3)
    small = propose(LaMOO(RandomSampler(), policy="classic", leaf_size=4), archive)
    assert len(small.region.members) < 0.4 * 80
    big = propose(LaMOO(RandomSampler(), policy="classic", leaf_size=4, min_share=0.4), archive)
    assert len(big.region.members) >= 0.4 * 80 and big.info["relaxed"] >= 1


@pytest.mark.parametrize("task", [ToyTask(d=2), FiniteToyTask()], ids=["continuous", "finite"])
@pytest.mark.parametrize("sampler", [NSGA2Sampler, CMAESSampler], ids=["nsga2", "cmaes"])
def test_mixing_runs_resume_exactly(tmp_path, task, sampler):
    make = lambda: LaMOO(sampler(), leaf_size=4)  # noqa: E731
    n_global = []
    whole = Study(task, make(), seed=5, n_init=10)
    whole.optimize(40, 5, callback=lambda study, X, Y: n_global.append(
        0 if study.last_proposal is None else study.last_proposal.info["n_global"]))
    part = Study(task, make(), seed=5, n_init=10, journal=tmp_path / "run.jsonl")
    part.optimize(25, 5)
    resumed = Study.load(tmp_path / "run.jsonl", task, make())
    resumed.optimize(40, 5)
    np.testing.assert_array_equal(resumed.archive.X, whole.archive.X)
    assert max(n_global) > 0


def _two_arm_archive(global_wins: bool, winners_feasible: bool = True) -> Archive:
    """Two objectives on [0, 1]^2 (``F = X``) and one constraint ``g <= 0``, batch 0 an initial
    design; in batches 1-3 two whole-space points (listed in the batch's report) and two
    regional ones, of which the winning part enters the front (no earlier point weakly dominates
    it; infeasible unless ``winners_feasible``) and the other does not."""
    from lamoo.space import SearchSpace
    from lamoo.task import ObjectiveSpec

    space = SearchSpace.box([0.0, 0.0], [1.0, 1.0])
    archive = Archive(space, [ObjectiveSpec("f1"), ObjectiveSpec("f2")], ref_point=[1.1, 1.1], constraints="g<=0")
    start = np.array([[0.5, 0.5], [0.6, 0.4]])
    archive.append(start, start, batch=0, C=np.zeros((2, 1)))
    for batch in (1, 2, 3):
        good = np.array([[0.4 - 0.1 * batch, 0.45], [0.45, 0.35 - 0.1 * batch]])  # new front points
        bad = np.array([[0.9, 0.9], [0.8, 0.95]]) - 0.01 * batch  # dominated by batch 0
        glob, regional = (good, bad) if global_wins else (bad, good)
        g = [0.0, 0.0, 0.0, 0.0] if winners_feasible else ([0, 0, 1, 1] if global_wins else [1, 1, 0, 0])
        archive.append(np.vstack([regional, glob]), np.vstack([regional, glob]), batch=batch,
                       C=np.array(g, dtype=float)[:, None])
        archive.record_report(batch, {"n_global": 2, "global_X": glob.tolist()})
    return archive


def test_yield_mixing_follows_the_part_that_enters_the_front():
    from lamoo.mixing import global_share

    empty = Archive(ToyTask(d=2).space, ToyTask(d=2).objectives)
    assert global_share(empty, 10, 0.1, 0.9) == 0.5  # no mixed batch yet: the prior's midpoint
    wins, loses = _two_arm_archive(True), _two_arm_archive(False)
    # 6 of 6 whole-space points entered the front, 0 of 6 regional ones: rates 7/8 and 1/8
    assert global_share(wins, 10, 0.1, 0.95) == pytest.approx(0.875)
    assert global_share(wins, 10, 0.1, 0.8) == 0.8 and global_share(loses, 10, 0.1, 0.9) == pytest.approx(0.125)
    assert global_share(loses, 10, 0.3, 0.9) == 0.3  # the lower bound (global_fraction) holds
    assert global_share(wins, 1, 0.0, 1.0) == pytest.approx(0.75)  # the last batch only: rates 3/4 and 1/4
    assert global_share(_two_arm_archive(True, winners_feasible=False), 10, 0.1, 0.9) == 0.5  # no part succeeds


def test_yield_mixing_records_the_whole_space_points_and_resumes_exactly(tmp_path):
    task = ToyTask(d=2)
    make = lambda: LaMOO(NSGA2Sampler(), leaf_size=4, mixing="yield")  # noqa: E731
    assert make().policy_ == RegionPolicy(min_share=0.25, global_fraction=0.2, leaf_size=4, mixing="yield")
    reports = []
    whole = Study(task, make(), seed=4, n_init=10)
    whole.optimize(60, 5, callback=lambda study, X, Y: reports.append(
        None if study.last_proposal is None else study.last_proposal.info))
    mixed = [r for r in reports if r is not None and "global_X" in r]
    assert mixed and all(len(r["global_X"]) == r["n_global"] for r in mixed)
    assert {r["n_global"] for r in mixed} != {0}
    part = Study(task, make(), seed=4, n_init=10, journal=tmp_path / "run.jsonl")
    part.optimize(35, 5)
    resumed = Study.load(tmp_path / "run.jsonl", task, make())
    resumed.optimize(60, 5)
    np.testing.assert_array_equal(resumed.archive.X, whole.archive.X)


def test_lamoo_local_proposes_in_the_whole_space_as_local_search_alone_does():
    from lamoo import optimize
    from samplers import LocalSearchSampler
    from tests.toys import FiniteToyTask

    assert LaMOO(LocalSearchSampler()).policy_ == RegionPolicy(global_fraction=1.0)
    alone = optimize(FiniteToyTask(), LocalSearchSampler(), budget=30, n_init=10, batch_size=5, seed=3)
    wrapped = optimize(FiniteToyTask(), LaMOO(LocalSearchSampler()), budget=30, n_init=10, batch_size=5, seed=3)
    np.testing.assert_array_equal(alone.X, wrapped.X)
