import numpy as np
import pytest

from lamoo import LaMOO, optimize
from lamoo.exceptions import InvalidInputError
from lamoo.region import Region
from samplers import RandomSampler
from tests.toys import FiniteToyTask, ToyTask, filled_archive


def propose(lamoo, archive, n=5, seed=0):
    return lamoo.propose(Region.whole(archive), archive, n, np.random.default_rng(seed))


def test_proposals_come_from_the_selected_leaf_and_are_recorded():
    archive = filled_archive(ToyTask(d=2), 60)
    lamoo = LaMOO(RandomSampler(), leaf_size=8)
    proposal = propose(lamoo, archive)
    info, region = proposal.info, proposal.region
    assert proposal.X.shape == (5, 2) and region.contains(proposal.X).all()
    assert info["leaf_id"] == region.leaf_id and info["n_outside"] == 0 and info["relaxed"] == 0
    assert info["path"][0] == 0 and info["path"][-1] == info["selected_id"] == region.leaf_id
    assert info["depth"] == region.depth == len(info["path"]) - 1 and info["n_members"] == len(region.members)
    assert info["n_nodes"] == len(lamoo.tree_.nodes) > 1 and info["n_leaves"] == len(lamoo.tree_.leaves)
    assert info["inner"] == {}  # the random sampler has nothing to report


def test_no_random_number_is_drawn_before_the_inner_sampler_proposes():
    # no probe draws: a continuous region's size shows only in what the inner sampler gets
    class Spy(RandomSampler):
        def propose(self, region, archive, n, rng):
            states.append(rng.bit_generator.state)
            return super().propose(region, archive, n, rng)

    states = []
    rng = np.random.default_rng(4)
    before = rng.bit_generator.state
    archive = filled_archive(ToyTask(d=2), 60)
    proposal = LaMOO(Spy(), leaf_size=8).propose(Region.whole(archive), archive, 5, rng)
    assert proposal.region.depth > 0 and states == [before]


def test_too_few_samples_searches_the_whole_region():
    archive = filled_archive(ToyTask(d=2), 5)
    proposal = propose(LaMOO(RandomSampler(), leaf_size=10), archive)
    assert proposal.info["n_nodes"] == 1 and proposal.region.is_whole_space


def test_no_split_until_a_sample_dominates_the_reference_point():
    lamoo = LaMOO(RandomSampler(), leaf_size=8)
    task = ToyTask(d=2)
    task.ref_point = np.array([0.01, 0.01])  # no point of the toy problem dominates it
    proposal = propose(lamoo, filled_archive(task, 60))
    assert proposal.info["n_nodes"] == 1 and proposal.region.is_whole_space
    assert propose(lamoo, filled_archive(ToyTask(d=2), 60)).info["n_nodes"] > 1


def test_a_region_too_small_for_the_request_is_relaxed_to_its_parent():
    task = FiniteToyTask()
    archive = filled_archive(task, 60, seed=1)  # 21 unevaluated cells left
    proposal = propose(LaMOO(RandomSampler(), leaf_size=2), archive, n=15)
    info = proposal.info
    assert info["relaxed"] >= 1
    assert len(proposal.X) == 15 and not archive.contains(proposal.X).any()
    assert len(info["path"]) - 1 - info["relaxed"] == proposal.region.depth == info["depth"]


def test_pending_points_count_as_taken_when_relaxing():
    task = FiniteToyTask()
    archive = filled_archive(task, 60, seed=1)  # 21 unevaluated cells left
    lamoo = LaMOO(RandomSampler(), leaf_size=2)
    free = propose(lamoo, archive, n=3)
    pending = free.region.candidates()  # every new cell of the region the free run searched
    region = Region.whole(archive, pending=pending)
    taken = lamoo.propose(region, archive, 3, np.random.default_rng(0))
    assert taken.info["relaxed"] > free.info["relaxed"] and not (pending[:, None] == taken.X).all(-1).any()


def test_onehot_features_and_leaf_selection_work():
    archive = filled_archive(FiniteToyTask(), 40, seed=2)
    lamoo = LaMOO(RandomSampler(), leaf_size=5, features="onehot", selection="leaf", kernel="poly")
    proposal = propose(lamoo, archive, n=3)
    assert proposal.region.contains(proposal.X).all()


def test_a_custom_sklearn_classifier_can_replace_the_svm():
    from sklearn.tree import DecisionTreeClassifier

    archive = filled_archive(ToyTask(d=2), 60, seed=3)
    lamoo = LaMOO(RandomSampler(), classifier=DecisionTreeClassifier(max_depth=2, random_state=0))
    proposal = propose(lamoo, archive)
    assert proposal.region.contains(proposal.X).all()


@pytest.mark.parametrize("kwargs, match", [
    ({"cp": -1}, "cp must be"), ({"leaf_size": 0}, "leaf_size"), ({"max_depth": -2}, "max_depth"),
    ({"kernel": "magic"}, "kernel"), ({"selection": "best"}, "selection"), ({"features": "bits"}, "features"),
    ({"gamma": 0}, "gamma"), ({"C": 0}, "C must be"), ({"min_samples": 1}, "min_samples"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        LaMOO(RandomSampler(), **kwargs)
    with pytest.raises(InvalidInputError, match="propose"):
        LaMOO(object())


def test_config_nests_the_inner_sampler():
    cfg = LaMOO(RandomSampler(), cp=0.5).config()
    assert cfg["name"] == "lamoo" and cfg["params"]["cp"] == 0.5
    assert cfg["params"]["sampler"]["name"] == "random"
    assert "LaMOO(sampler=RandomSampler()" in repr(LaMOO(RandomSampler()))


def test_lamoo_beats_random_search_on_the_toy_problem():
    # a smoke check of the whole loop, not a benchmark: median over 3 seeds
    task = ToyTask(d=4)
    task.ref_point = np.array([0.4, 0.4])  # tight: random search rarely gets close
    plain = np.median([optimize(task, RandomSampler(), 60, 10, 5, seed=s).hypervolume() for s in range(3)])
    wrapped = np.median([optimize(task, LaMOO(RandomSampler()), 60, 10, 5, seed=s).hypervolume() for s in range(3)])
    assert wrapped > plain


def test_auto_features_one_hot_encode_categorical_spaces_only():
    finite = filled_archive(FiniteToyTask(), 40, seed=4)
    lamoo = LaMOO(RandomSampler(), leaf_size=5)
    propose(lamoo, finite)
    assert lamoo.tree_.root.classifier.svc_.shape_fit_[1] == 12  # 4 dims x 3 options
    continuous = filled_archive(ToyTask(d=3), 40, seed=4)
    propose(lamoo, continuous)
    assert lamoo.tree_.root.classifier.svc_.shape_fit_[1] == 3
