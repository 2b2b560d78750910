"""Sparse heads: trained many at once exactly as alone, masked, early-stopped as configured."""
import numpy as np
import pytest
import torch

from lamoo.exceptions import InvalidInputError
from nas_tasks.pruning.genome import GenomeLayout
from nas_tasks.pruning.head import HeadTraining, train_heads


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 120)
    x = np.maximum(rng.normal(size=(3, 8))[y] * 2 + rng.normal(size=(120, 8)), 0)
    return torch.from_numpy(x).float(), torch.from_numpy(y)


QUICK = HeadTraining.preset("fast", max_epochs=25)


def test_a_head_trained_in_a_batch_is_the_head_trained_alone(blobs):
    x, y = blobs
    layout = GenomeLayout("inputs", 8, 6)
    G = (np.random.default_rng(1).random((4, 8)) < 0.6).astype(float)
    together = train_heads(x, y, layout.masks(G), 3, QUICK, seed=3)
    alone = train_heads(x, y, layout.masks(G[2:3]), 3, QUICK, seed=3)
    assert torch.equal(together.W[2], alone.W[0]) and torch.equal(together.V[2], alone.V[0])
    assert torch.equal(together.logits(x)[2], alone.logits(x)[0]) and together.epochs[2] == alone.epochs[0]
    assert not torch.equal(together.W[2], train_heads(x, y, layout.masks(G[2:3]), 3, QUICK, seed=4).W[0])


def test_switched_off_features_do_not_reach_the_output(blobs):
    x, y = blobs
    g = np.array([[1, 1, 0, 1, 0, 1, 1, 1.0]])
    w = train_heads(x, y, GenomeLayout("inputs", 8, 6).masks(g), 3, QUICK, seed=0)
    assert (w.W[0][:, [2, 4]] == 0).all()
    x2 = x.clone()
    x2[:, [2, 4]] = 100.0
    assert torch.equal(w.logits(x)[0], w.logits(x2)[0])
    head = w.head(0)
    torch.testing.assert_close(head(x), w.logits(x)[0])
    nothing = train_heads(x, y, GenomeLayout("inputs", 8, 6).masks(np.zeros((1, 8))), 3, QUICK, seed=0)
    assert torch.unique(nothing.logits(x)[0], dim=0).shape[0] == 1  # no input reaches it: one output for all


def test_early_stopping_waits_patience_epochs_without_improvement(blobs):
    x, y = blobs
    masks = GenomeLayout("inputs", 8, 6).masks(np.ones((2, 8)))
    frozen = HeadTraining(lr=1e-12, patience=3, max_epochs=50)  # the loss cannot improve by min_delta
    assert train_heads(x, y, masks, 3, frozen, seed=0).epochs.tolist() == [4, 4]  # the first epoch, then 3 more
    capped = HeadTraining.preset("fast", max_epochs=2, min_delta=0.0)
    assert train_heads(x, y, masks, 3, capped, seed=0).epochs.tolist() == [2, 2]


def test_recipes_are_validated():
    assert HeadTraining() == HeadTraining.preset("mo-evoprune")
    assert HeadTraining().to_dict()["lr"] == 1e-3 and HeadTraining().batch_size == 32
    for kwargs, match in (({"optimizer": "rmsprop"}, "head optimizer"), ({"lr": 0}, "head lr"),
                          ({"patience": 0}, "head patience"), ({"hidden_bias": 1}, "head hidden_bias")):
        with pytest.raises(InvalidInputError, match=match):
            HeadTraining(**kwargs)
    with pytest.raises(InvalidInputError, match="masks must be n x H x 8"):
        train_heads(torch.zeros(4, 8), torch.zeros(4, dtype=torch.long), np.ones((1, 3, 5), bool), 2, QUICK, 0)
