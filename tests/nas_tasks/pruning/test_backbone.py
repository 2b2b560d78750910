"""Backbones: features, feature maps, the input adapter, and every source (a module, a checkpoint,
torchvision, a cell lamoo trained)."""
import importlib.util
import pickle

import numpy as np
import pytest
import torch

from lamoo.exceptions import InvalidInputError, MissingDependencyError
from nas_tasks.pruning import sources
from nas_tasks.pruning.backbone import Backbone
from tests.nas_tasks.pruning.nets import flat_mlp, left_right, tiny_cnn

HAS_TORCHVISION = importlib.util.find_spec("torchvision") is not None


def test_features_are_the_input_of_the_last_linear_layer():
    net = tiny_cnn()
    bb = Backbone.from_module(net)
    assert bb.features_from == "6" and bb.probe((1, 8, 8)) == 12 and bb.feature_map == "3"  # the last ReLU
    x = torch.rand(5, 1, 8, 8)
    torch.testing.assert_close(bb.features(x), net[:6](x))
    feats, fmap = bb.features_and_map(x)
    assert fmap.shape == (5, 12, 3, 3) and fmap.requires_grad
    torch.testing.assert_close(feats, fmap.mean(dim=(2, 3)))
    plain = Backbone.from_module(left_right())  # no linear layer: its (pooled) output
    assert plain.features_from is None and plain.probe((1, 8, 8)) == 2 and plain.feature_map == "0"
    assert not any(p.requires_grad for p in net.parameters())


def test_the_adapter_resizes_converts_and_normalizes():
    bb = Backbone(tiny_cnn(), input_size=8, in_channels=1, mean=0.5, std=0.25)
    x = torch.rand(2, 3, 16, 16)
    a = bb.adapt(x)
    assert a.shape == (2, 1, 8, 8)
    grey = torch.nn.functional.interpolate(x.mean(1, keepdim=True), size=(8, 8), mode="bilinear", antialias=True)
    torch.testing.assert_close(a, (grey.clamp(0, 1) - 0.5) / 0.25)
    with pytest.raises(InvalidInputError, match=r"std must be 1 finite number\(s\) > 0"):
        Backbone(tiny_cnn(), std=[1.0, 0.0]).adapt(torch.rand(1, 1, 8, 8))
    assert bb.fingerprint() != Backbone(tiny_cnn(), input_size=8, in_channels=1).fingerprint()
    assert Backbone(tiny_cnn()).fingerprint() == Backbone(tiny_cnn()).fingerprint()


def test_a_backbone_that_does_not_run_on_the_image_size_is_refused():
    bb = Backbone(flat_mlp(), name="mlp")
    with pytest.raises(InvalidInputError, match=r"backbone 'mlp' does not run on the target's images: \(1, 28, 28\) "
                                                r"images are given to it as \(1, 28, 28\).*Pass input_size="):
        bb.probe((1, 28, 28))
    assert Backbone(flat_mlp(), input_size=8).probe((1, 28, 28)) == 16
    with pytest.raises(InvalidInputError, match="features_from='head' is not a submodule"):
        Backbone(tiny_cnn(), features_from="head")


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_checkpoints_load_with_weights_only_and_must_fit(tmp_path):
    path = tmp_path / "net.pt"
    torch.save({"state_dict": tiny_cnn(width=6).state_dict()}, path)
    bb = sources.from_checkpoint(path, "tests.nas_tasks.pruning.nets:tiny_cnn")
    assert bb.source["module"] == "tests.nas_tasks.pruning.nets:tiny_cnn" and bb.probe((1, 8, 8)) == 12
    assert sources.backbone_from_source(bb.source).fingerprint() == bb.fingerprint()
    with pytest.raises(InvalidInputError, match=r"does not fit Sequential: 5 shape mismatches \(0.weight: checkpoint "
                                                r"\(6, 1, 3, 3\) vs model \(4, 1, 3, 3\)"):
        sources.from_checkpoint(path, tiny_cnn(width=4))
    torch.save({k: v for k, v in tiny_cnn().state_dict().items() if k != "6.bias"}, path)
    with pytest.raises(InvalidInputError, match=r"1 missing keys \(6.bias\)"):
        sources.from_checkpoint(path, tiny_cnn())
    with open(path, "wb") as f:  # a pickle of an arbitrary object: never unpickled
        pickle.dump({"weights": np.ones(3)}, f)
    with pytest.raises(InvalidInputError, match=r"is not a readable checkpoint"):
        sources.from_checkpoint(path, tiny_cnn())
    with pytest.raises(InvalidInputError, match="does not exist"):
        sources.read_checkpoint(tmp_path / "missing.pt")
    with pytest.raises(InvalidInputError, match="cannot be rebuilt"):
        sources.backbone_from_source(Backbone(tiny_cnn()).source)


@pytest.mark.skipif(HAS_TORCHVISION, reason="torchvision is installed: the missing-package error cannot be shown")
def test_torchvision_backbones_say_the_package_is_missing(tmp_path):
    with pytest.raises(MissingDependencyError, match="torchvision is needed for torchvision backbones"):
        sources.from_torchvision("resnet18", tmp_path / "resnet18.pt")


@pytest.mark.skipif(not HAS_TORCHVISION, reason="torchvision is not installed (it cannot be installed beside the "
                                                "pinned torch build here)")
def test_torchvision_backbones_load_a_weights_file(tmp_path):
    import torchvision

    path = tmp_path / "resnet18.pt"
    torch.save(torchvision.models.resnet18(num_classes=7).state_dict(), path)
    bb = sources.from_torchvision("resnet18", path, num_classes=7, input_size=32)
    assert bb.probe((1, 8, 8)) == 512 and bb.feature_map == "layer4"
    with pytest.raises(InvalidInputError, match="shape mismatches"):
        sources.from_torchvision("resnet18", path)  # 1000 classes


def test_a_cell_trained_by_lamoo_from_its_task_and_from_its_run(tmp_path, cache_dir):
    from lamoo import optimize
    from nas_tasks import NB201TrainTask
    from samplers import RandomSampler

    src = NB201TrainTask("digits", objectives=["accuracy"], classes="0-4", epochs=1, channels=4, cells_per_stage=1,
                         max_train=100, max_eval=50, num_threads=1)
    res = optimize(src, RandomSampler(), budget=2, n_init=2, seed=0, journal=tmp_path / "run" / "journal.jsonl")
    best = res.X[int(np.nanargmax(res.Y[:, 0]))]
    from_run = sources.from_run(tmp_path / "run")
    from_task = sources.from_trained_cell(src, best)
    assert from_run.fingerprint() == from_task.fingerprint() and from_run.source["codes"] == list(best.astype(int))
    assert from_run.probe((1, 8, 8)) == 16 and from_run.feature_map == "lastact"
    # its features are the network's own pooled features, of digits normalized as in its training
    from nas_tasks.training.cell_job import get_device_data

    data = get_device_data(src.data, torch.device("cpu"))
    x = data.prepare(data.parts["val"][0][:6])
    feats, _ = from_run.module.forward_features(data.normalize(x))
    torch.testing.assert_close(from_run.features(x), feats["pooled"])
    assert sources.backbone_from_source(from_task.source).fingerprint() == from_task.fingerprint()
    with pytest.raises(InvalidInputError, match="no cached weights for cell"):
        sources.from_trained_cell(src, (1, 1, 1, 1, 1, 1))
    with pytest.raises(InvalidInputError, match="has no journal.jsonl"):
        sources.from_run(tmp_path)
    with pytest.raises(InvalidInputError, match="cell index 5 is not a row"):
        sources.from_run(tmp_path / "run", cell=5)
