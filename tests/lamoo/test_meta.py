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
    X = propose(lamoo, archive)
    info = lamoo.proposal_info_
    assert X.shape == (5, 2) and lamoo.region_.contains(X).all()
    assert info["leaf_id"] == lamoo.region_.leaf_id and info["n_outside"] == 0
    assert info["path"][0] == 0 and info["path"][-1] == info["selected_id"]
    assert len(lamoo.tree_.nodes) > 1


def test_too_few_samples_searches_the_whole_region():
    archive = filled_archive(ToyTask(d=2), 5)
    lamoo = LaMOO(RandomSampler(), leaf_size=10)
    propose(lamoo, archive)
    assert len(lamoo.tree_.nodes) == 1 and lamoo.region_.is_whole_space


def test_no_split_until_a_sample_dominates_the_reference_point():
    lamoo = LaMOO(RandomSampler(), leaf_size=8)
    task = ToyTask(d=2)
    task.ref_point = np.array([0.01, 0.01])  # no point of the toy problem dominates it
    propose(lamoo, filled_archive(task, 60))
    assert len(lamoo.tree_.nodes) == 1 and lamoo.region_.is_whole_space
    propose(lamoo, filled_archive(ToyTask(d=2), 60))
    assert len(lamoo.tree_.nodes) > 1


def test_a_region_too_small_for_the_request_is_relaxed_to_its_parent():
    task = FiniteToyTask()
    archive = filled_archive(task, 60, seed=1)  # 21 unevaluated cells left
    lamoo = LaMOO(RandomSampler(), leaf_size=2)
    X = propose(lamoo, archive, n=15)
    info = lamoo.proposal_info_
    assert info["relaxed"] >= 1
    assert len(X) == 15 and not archive.contains(X).any()
    assert len(info["path"]) - 1 - info["relaxed"] == lamoo.region_.depth


def test_onehot_features_and_leaf_selection_work():
    archive = filled_archive(FiniteToyTask(), 40, seed=2)
    lamoo = LaMOO(RandomSampler(), leaf_size=5, features="onehot", selection="leaf", kernel="poly")
    X = propose(lamoo, archive, n=3)
    assert lamoo.region_.contains(X).all()


def test_a_custom_sklearn_classifier_can_replace_the_svm():
    from sklearn.tree import DecisionTreeClassifier

    archive = filled_archive(ToyTask(d=2), 60, seed=3)
    lamoo = LaMOO(RandomSampler(), classifier=DecisionTreeClassifier(max_depth=2, random_state=0))
    X = propose(lamoo, archive)
    assert lamoo.region_.contains(X).all()


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
    assert lamoo.tree_.root.classifier[-1].shape_fit_[1] == 12  # 4 dims x 3 options
    continuous = filled_archive(ToyTask(d=3), 40, seed=4)
    propose(lamoo, continuous)
    assert lamoo.tree_.root.classifier[-1].shape_fit_[1] == 3
