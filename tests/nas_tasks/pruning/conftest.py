import pytest

from nas_tasks.pruning.backbone import Backbone
from nas_tasks.pruning.head import HeadTraining
from tests.nas_tasks.pruning.nets import tiny_cnn

QUICK = HeadTraining.preset("fast", max_epochs=30, patience=5)
"""A head recipe fast enough for tests."""


@pytest.fixture
def backbone():
    return Backbone.from_module(tiny_cnn(), name="tiny")


@pytest.fixture
def task(backbone, cache_dir):
    from nas_tasks.pruning.task import PruneTask

    return PruneTask(backbone, "digits", classes="5-9", ood="digits[0-4]", hidden=16, training=QUICK, max_train=200,
                     max_eval=100, device="cpu")
