"""Influential neurons of a front, and Grad-CAM on the backbone's last feature map."""
import numpy as np
import pytest
import torch

from lamoo.exceptions import InvalidInputError
from nas_tasks.pruning.backbone import Backbone
from nas_tasks.pruning.neurons import grad_cam, gradcam_figure, influential_units, unit_score
from tests.nas_tasks.pruning.conftest import QUICK
from tests.nas_tasks.pruning.nets import flat_mlp, left_right


def test_influential_units_count_how_often_the_front_keeps_each(task):
    G = np.zeros((4, 12))
    G[:, 3] = 1  # every model
    G[:3, 7] = 1
    G[0, 0] = 1
    Y = np.array([[50.0, 0.1, 0.6], [60.0, 0.2, 0.7], [70.0, 0.3, 0.8], [80.0, 0.4, 0.9]])
    found = influential_units(task, G, Y, top_k=3)
    assert found["unit_kind"] == "backbone feature" and found["kept_by_all"] == [3]
    assert found["kept_by_none"] == [1, 2, 4, 5, 6, 8, 9, 10, 11]
    assert [(r["unit"], r["frequency"]) for r in found["top"]] == [(3, 1.0), (7, 0.75), (0, 0.25)]
    assert found["top"][1]["mean_accuracy"] == 60.0 and found["top"][2]["mean_robustness"] == 0.6


def test_units_of_a_connection_genome_are_the_sparse_layer_units(backbone, cache_dir):
    from nas_tasks.pruning.task import PruneTask

    t = PruneTask(backbone, "digits", classes="5-9", objectives=["accuracy", "memory"], level="connections", hidden=3,
                  training=QUICK, max_train=100, max_eval=50, device="cpu")
    G = np.zeros((2, 36))
    G[0, 12 * 1 + 5] = 1  # unit 1 <- feature 5
    G[1, [12 * 1, 12 * 2 + 11]] = 1
    found = influential_units(t, G)
    assert found["unit_kind"] == "sparse-layer unit" and found["frequency"] == [0.0, 1.0, 0.5]
    Y = t.evaluate(G)
    score = unit_score(t, 2, G, Y)  # only model 1 keeps unit 2: its activation
    f = torch.rand(5, 12)
    torch.testing.assert_close(score(f), t.heads(G[1:]).head(0).hidden(f)[:, 2])
    with pytest.raises(InvalidInputError, match="no model of the front keeps unit 0"):
        unit_score(t, 0, G, Y)


def test_grad_cam_shows_where_a_feature_comes_from():
    bb = Backbone.from_module(left_right())
    bb.probe((1, 8, 8))
    x = torch.rand(3, 1, 8, 8)
    for method in ("gradcam", "gradcam++"):
        left = grad_cam(bb, x, lambda f: f[:, 0], method)  # the mean of the left half
        assert left.shape == (3, 8, 8) and (left[:, :, 4:] == 0).all() and (left[:, :, :4] > 0).any()
        right = grad_cam(bb, x, lambda f: f[:, 1], method)
        assert (right[:, :, :4] == 0).all() and right.max() == pytest.approx(1.0)
    expected = (x[:, 0] * (torch.arange(8) < 4)).numpy()  # ReLU(alpha A_0) with alpha = 1/32, scaled to 1
    np.testing.assert_allclose(grad_cam(bb, x, lambda f: f[:, 0]), expected / expected.max(axis=(1, 2),
                                                                                         keepdims=True), rtol=1e-5)
    flat = Backbone.from_module(flat_mlp())
    flat.probe((1, 8, 8))
    with pytest.raises(InvalidInputError, match="has no spatial feature map"):
        grad_cam(flat, x, lambda f: f[:, 0])
    with pytest.raises(InvalidInputError, match="method must be one of"):
        grad_cam(bb, x, lambda f: f[:, 0], "cam")


def test_the_gradcam_figure_of_a_front(task, tmp_path):
    G = np.zeros((3, 12))
    G[:, :4], G[0, 8] = 1, 1
    out = gradcam_figure(task, G, task.evaluate(G), tmp_path / "cam.png", top_k=2, n_images=3)
    assert out["units"] == [0, 1] and len(out["images"]) == 3 and out["feature_map"] == "3"
    assert (tmp_path / "cam.png").stat().st_size > 1000
    with pytest.raises(InvalidInputError, match="unit 12 is not a backbone feature"):
        unit_score(task, 12)
