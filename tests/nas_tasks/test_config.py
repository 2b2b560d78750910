"""The frozen configurations of cell training: validation, hashing, and the trained-cell cache key."""
import pickle
from dataclasses import FrozenInstanceError, fields
from pathlib import Path

import numpy as np
import pytest

from lamoo.exceptions import InvalidInputError
from nas_tasks.training.config import (Augmentation, DataConfig, ExecutionConfig, NetworkConfig, TrainingConfig,
                                       split_settings, trained_cell_key)


@pytest.mark.parametrize("cls, kwargs, message", [
    (DataConfig, {"dataset": "svhn"}, "unknown dataset 'svhn'"),
    (DataConfig, {"val_fraction": 1.0}, r"val_fraction must be a finite number in \(0, 1\), got 1.0"),
    (DataConfig, {"test_fraction": 0}, "test_fraction must be"),
    (DataConfig, {"max_train": 1}, "max_train must be None or an integer >= 2, got 1"),
    (DataConfig, {"split_seed": -1}, "split_seed"),
    (NetworkConfig, {"channels": 0}, "channels must be an integer >= 1, got 0"),
    (NetworkConfig, {"cells_per_stage": 1.5}, "cells_per_stage"),
    (TrainingConfig, {"epochs": 0}, "epochs must be an integer >= 1"),
    (TrainingConfig, {"batch_size": 1}, "batch_size must be an integer >= 2"),
    (TrainingConfig, {"lr": 0}, "lr must be a finite number > 0"),
    (TrainingConfig, {"weight_decay": float("nan")}, "weight_decay must be a finite number >= 0"),
    (TrainingConfig, {"nesterov": "yes"}, "nesterov must be True or False"),
    (TrainingConfig, {"augmentation": "none"}, "augmentation must be an Augmentation or None"),
    (TrainingConfig, {"introspection_pair_weights": np.ones((10, 10))}, "introspection_weight > 0"),
    (TrainingConfig, {"introspection_weight": 0.5, "introspection_pair_weights": -np.ones((2, 2))}, "square"),
    (TrainingConfig, {"introspection_weight": 0.5, "introspection_pair_weights": "imagenet"}, "wordnet"),
    (ExecutionConfig, {"executor": "dask"}, "executor"),
    (ExecutionConfig, {"num_threads": 0}, "num_threads must be None or an integer >= 1"),
    (ExecutionConfig, {"cpus_per_task": 0}, "cpus_per_task"),
    (ExecutionConfig, {"gpus_per_task": -1}, "gpus_per_task"),
    (ExecutionConfig, {"cells_per_gpu": 0}, "cells_per_gpu must be None or an integer >= 1, got 0"),
    (ExecutionConfig, {"cells_per_gpu": 2, "gpus_per_task": 0.5}, "give gpus_per_task or cells_per_gpu, not both"),
    (ExecutionConfig, {"precision": "fp8"}, "precision must be one of"),
    (Augmentation, {"padding": -1}, "augmentation padding"),
])
def test_bad_settings_are_rejected_naming_the_value(cls, kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        cls(**kwargs)


def test_configs_are_frozen_hashable_and_normalized():
    data = DataConfig("CIFAR-10", data_root=Path("/data"))
    assert data.dataset == "cifar10" and data.data_root == "/data"
    assert hash(data) == hash(DataConfig("cifar10", "/data")) and data == DataConfig("cifar10", "/data")
    with pytest.raises(FrozenInstanceError):
        data.max_train = 10
    training = TrainingConfig(introspection_weight=0.5, introspection_pair_weights=np.eye(3))
    assert training.introspection_pair_weights == ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
    assert hash(training) == hash(pickle.loads(pickle.dumps(training)))
    assert NetworkConfig(np.int64(8), 2).to_dict() == {"channels": 8, "cells_per_stage": 2}
    assert type(NetworkConfig(np.int64(8), 2).channels) is int


def test_augmentation_specs():
    assert Augmentation.from_spec("default", "digits").flip is False
    assert Augmentation.from_spec(None, "cifar10") == Augmentation()
    assert Augmentation.from_spec("none", "cifar10") == Augmentation(crop=False, flip=False, cutout=False)
    assert Augmentation.from_spec({"cutout": False}, "mnist") == Augmentation(flip=False, cutout=False)
    with pytest.raises(InvalidInputError, match="augmentation"):
        Augmentation.from_spec({"rotate": True}, "mnist")
    with pytest.raises(InvalidInputError, match="'default', 'none', a dict or an Augmentation"):
        Augmentation.from_spec("heavy", "mnist")


def test_flat_settings_go_to_the_config_that_owns_them():
    data, net, train, execution = split_settings({"max_train": 10, "channels": 4, "epochs": 2, "device": "cpu"})
    assert (data, net, train, execution) == ({"max_train": 10}, {"channels": 4}, {"epochs": 2}, {"device": "cpu"})
    names = [f.name for cls in (DataConfig, NetworkConfig, TrainingConfig, ExecutionConfig) for f in fields(cls)]
    assert len(names) == len(set(names))  # every setting has exactly one owner
    with pytest.raises(TypeError, match="unexpected setting 'epoch'.*epochs"):
        split_settings({"epoch": 2})


def test_the_cache_key_is_the_one_earlier_versions_wrote():
    # Keys computed by the code before these configurations existed (commit 81a9239, from its
    # payload dict and TrainConfig), for a made-up data fingerprint: users' caches stay valid.
    codes, fingerprint = (3, 1, 3, 1, 3, 4), "0e8f4b8a2bd1d4c9"
    for augmentation, old_key in ((Augmentation(), "eadc9323d5a36640"),
                                  (Augmentation.default_for("digits"), "001842cee3c43009")):
        training = TrainingConfig(augmentation=augmentation)
        assert trained_cell_key(codes, DataConfig(), fingerprint, NetworkConfig(), training, 0) == old_key
        assert trained_cell_key(np.array(codes), DataConfig("Digits"), fingerprint, NetworkConfig(16, 5), training,
                                np.int64(0)) == old_key
    key = trained_cell_key(codes, DataConfig(), fingerprint, NetworkConfig(), TrainingConfig(), 0)
    others = {trained_cell_key(codes, DataConfig(max_train=100), fingerprint, NetworkConfig(), TrainingConfig(), 0),
              trained_cell_key(codes, DataConfig(), "another", NetworkConfig(), TrainingConfig(), 0),
              trained_cell_key(codes, DataConfig(), fingerprint, NetworkConfig(8), TrainingConfig(), 0),
              trained_cell_key(codes, DataConfig(), fingerprint, NetworkConfig(), TrainingConfig(lr=0.2), 0),
              trained_cell_key(codes, DataConfig(), fingerprint, NetworkConfig(), TrainingConfig(), 1),
              trained_cell_key((3, 1, 3, 1, 3, 3), DataConfig(), fingerprint, NetworkConfig(), TrainingConfig(), 0)}
    assert key not in others and len(others) == 6


def test_class_subsets_are_validated_stored_as_tuples_and_keyed():
    assert DataConfig(classes="0-2,7").classes == (0, 1, 2, 7)
    assert DataConfig(classes=[np.int64(5), 6]).classes == (5, 6)
    assert "classes" not in DataConfig().to_dict() and DataConfig(classes=(3, 1)).to_dict()["classes"] == [3, 1]
    assert DataConfig(**DataConfig(classes=(3, 1)).to_dict()) == DataConfig(classes=(3, 1))  # a JSON round trip
    fingerprint = "0e8f4b8a2bd1d4c9"
    keys = {trained_cell_key((1,) * 6, DataConfig(classes=c), fingerprint, NetworkConfig(), TrainingConfig(), 0)
            for c in (None, (0, 1), (1, 0))}
    assert len(keys) == 3
    for bad, match in (("0-", "classes must look like '0-4'"), ((1, 1), "distinct"), ((), "at least one"),
                       ((-1,), "class index must be an integer >= 0")):
        with pytest.raises(InvalidInputError, match=match):
            DataConfig(classes=bad)
