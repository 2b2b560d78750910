"""WordNet-weighted introspectability: needs a local WordNet 3.0 database folder
(`apt-get install -y wordnet-base`); skipped cleanly without one."""
import numpy as np
import pytest

from nas_tasks.objectives.wordnet import (builtin_synsets, find_wordnet_dir, normalized_pair_weights, open_wordnet,
                                          similarity_matrix, synset)
from nas_tasks.objectives.wordnet_maps import CIFAR10, CIFAR100, IMAGENET16_120

pytest.importorskip("nltk", reason="nltk is not installed (pip install 'lamoo[nas]')")
pytestmark = pytest.mark.skipif(find_wordnet_dir() is None,
                                reason="no WordNet 3.0 folder (apt-get install -y wordnet-base, or set LAMOO_WORDNET_DIR)")


@pytest.fixture(scope="module")
def wn_cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("wncache"))  # one copy of the database for the module


@pytest.fixture(scope="module")
def wn(wn_cache):
    return open_wordnet(None, wn_cache)


def test_every_builtin_synset_resolves(wn):
    for table in (CIFAR10, CIFAR100, IMAGENET16_120):
        for _, spec in table:
            assert synset(wn, spec) is not None
    assert synset(wn, "n02119789").name() == "kit_fox.n.01"  # ImageNet wnids are WordNet 3.0 offsets
    assert synset(wn, "n02123159").name() == "tiger_cat.n.02"  # the domestic cat, not the wild one


def test_path_similarity_is_one_over_shortest_path_plus_one(wn, wn_cache):
    S = similarity_matrix(["dog.n.01", "cat.n.01", "truck.n.01"], None, wn_cache)
    d = wn.synset("dog.n.01").shortest_path_distance(wn.synset("cat.n.01"))
    assert S[0, 1] == pytest.approx(1 / (d + 1)) and S[0, 1] == S[1, 0]
    assert S[0, 1] > S[0, 2]  # a dog is closer to a cat than to a truck
    W = normalized_pair_weights(S)
    assert W[np.triu_indices(3, 1)].mean() == pytest.approx(1.0)


def test_builtin_maps_check_class_names():
    from nas_tasks.training.data import CIFAR10_CLASSES

    assert builtin_synsets("cifar10", CIFAR10_CLASSES)[1] == "car.n.01"
    with pytest.raises(ValueError, match="do not match"):
        builtin_synsets("cifar10", ["x"] * 10)
    with pytest.raises(ValueError, match="no built-in"):
        builtin_synsets("svhn", ["a", "b"])


def test_wordnet_objective_equals_plain_on_uniform_weights(wn, wn_cache):
    import torch

    from nas_tasks.training.cell_job import build_model, task_info
    from nas_tasks.training.config import DataConfig, NetworkConfig
    from nas_tasks.training.data import load_dataset
    from nas_tasks.training.splits import make_splits
    from nas_tasks.objectives import get_objective
    from nas_tasks.objectives.base import EvalContext
    from nas_tasks.training.device import DeviceData

    splits = make_splits(load_dataset("digits"), max_train=100, max_eval=100)
    data = DeviceData(splits, torch.device("cpu"))
    net = NetworkConfig(channels=4, cells_per_stage=1)
    model = build_model((3, 3, 3, 3, 3, 3), net, splits, 0).eval()
    info = task_info(DataConfig("digits"), net, splits, torch.device("cpu"), 64, wn_cache)
    ctx = EvalContext(model, data, info, (3,) * 6)
    plain = get_objective("introspectability").measure(ctx)
    # the digits are sister synsets: all weights are 1, so the WordNet variant equals the plain one
    assert get_objective("introspectability_wordnet").measure(ctx) == pytest.approx(plain)
    custom = get_objective("introspectability_wordnet", synsets=["dog.n.01"] * 9 + ["truck.n.01"]).measure(ctx)
    assert custom != pytest.approx(plain)


def test_the_train_task_takes_wordnet_pair_weights_for_its_regularizer(wn_cache):
    from nas_tasks import NB201TrainTask

    task = NB201TrainTask("digits", objectives=["accuracy"], introspection_weight=0.5,
                          introspection_pair_weights="wordnet", cache_dir=wn_cache, max_train=100, max_eval=50)
    W = np.array(task.training.introspection_pair_weights)
    # the digit synsets are sisters: every pair is equally similar, so the normalized weights are 1
    assert W.shape == (10, 10) and np.allclose(W[np.triu_indices(10, 1)], 1.0)
