"""PruneTask: objectives from cached features, determinism, the ODIN fast path against the generic one,
other plug-in objectives, image folders, and clear errors for bad input."""
import numpy as np
import pytest
import torch

from lamoo import LaMOO, optimize
from lamoo.exceptions import InvalidInputError
from nas_tasks.objectives.base import EvalContext
from nas_tasks.pruning.backbone import Backbone
from nas_tasks.pruning.task import PrunedNetwork, PruneTask
from samplers import NSGA2Sampler
from tests.nas_tasks.pruning.conftest import QUICK
from tests.nas_tasks.pruning.nets import flat_mlp, tiny_cnn


def genomes(n, d, seed=0):
    return (np.random.default_rng(seed).random((n, d)) < 0.5).astype(float)


def test_objectives_reference_point_and_values(task):
    assert [(o.name, o.direction) for o in task.objectives] == [("accuracy", "maximize"), ("memory", "minimize"),
                                                                  ("robustness", "maximize")]
    assert task.ref_point.tolist() == [20.0, 1.0, 0.5] and task.ideal_point.tolist() == [100.0, 0.0, 1.0]
    assert task.space.n_dims == 12 and task.layout.level == "inputs"  # the tiny CNN gives 12 features
    rob = task.objective_plugins[2]
    assert (rob.setting, rob.ood) == ("mo-evoprune", "digits[0,1,2,3,4]")  # OoD sets are recorded normalized
    X = genomes(5, 12)
    Y = task.evaluate(X)
    assert Y.shape == (5, 3) and np.isfinite(Y).all()
    np.testing.assert_array_equal(Y[:, 1], X.mean(axis=1))
    assert ((0 <= Y[:, 0]) & (Y[:, 0] <= 100)).all() and ((0 <= Y[:, 2]) & (Y[:, 2] <= 1)).all()
    full, empty = task.evaluate(np.array([np.ones(12), np.zeros(12)]))
    assert empty[1] == 0 and empty[2] == 0.5  # no input reaches the head: one output for every image, no detection
    assert full[1] == 1 and full[0] > empty[0] + 5  # every feature kept beats the constant prediction
    details = task.details()
    assert {"genome", "test_accuracy", "test_robustness", "epochs"} <= set(details.columns)
    # a genome's values do not depend on the batch it is evaluated in
    np.testing.assert_array_equal(task.evaluate(X[3:4]), Y[3:4])
    d = task.describe()
    assert d["ood"] == "digits[0-4]" and d["layout"]["length"] == 12 and d["backbone"]["source"]["kind"] == "module"


def test_odin_from_features_is_odin_on_the_whole_network(task):
    g = genomes(2, 12, seed=3)
    weights = task.heads(g)
    fast = task.evaluate(g)[:, 2]
    rob = task.objective_plugins[2]
    for i in range(2):
        ctx = EvalContext(PrunedNetwork(task.backbone, weights.head(i)), task.data, task.info, tuple(g[i]))
        val, _ = rob.measure(ctx)  # the generic path: images through the backbone and the head
        assert val == pytest.approx(fast[i], abs=2e-3)


def test_other_plugin_objectives_measure_the_pruned_network(backbone, cache_dir):
    t = PruneTask(backbone, "digits", classes="5-9", objectives=["accuracy", "memory", "params:min", "flops:min"],
                  hidden=8, training=QUICK, max_train=100, max_eval=50, device="cpu")
    G = np.zeros((3, 12))
    G[0, :3], G[1, :7] = 1, 1  # 3 features, 7 features, none
    Y = t.evaluate(G)
    base_params = sum(p.numel() for p in backbone.module.parameters()) / 1e6
    # the frozen backbone, plus 8 units x the active features, 5 x 8 output weights and 5 output biases
    np.testing.assert_allclose(Y[:, 2], base_params + np.array([8 * 3 + 40 + 5, 8 * 7 + 40 + 5, 5]) / 1e6)
    assert Y[0, 3] < Y[1, 3] and Y[1, 3] - Y[0, 3] == pytest.approx(8 * 4 / 1e6)
    full_params, _ = t.unpruned_network().cost((8, 8))
    assert t.ref_point[2] == pytest.approx(1.1 * full_params) and full_params > Y[1, 2]


def test_features_are_extracted_once(backbone, cache_dir, monkeypatch):
    first = PruneTask(backbone, "digits", classes="5-9", ood="digits[0-4]", hidden=8, training=QUICK, max_train=100,
                      max_eval=50, device="cpu")
    import nas_tasks.pruning.data as data

    monkeypatch.setattr(data, "extract", lambda *a, **k: pytest.fail("features were extracted again"))
    again = PruneTask(backbone, "digits", classes="5-9", ood="digits[0-4]", hidden=8, training=QUICK, max_train=100,
                      max_eval=50, device="cpu")
    for part in ("train", "val", "test"):
        assert torch.equal(first.features[part][0], again.features[part][0])


def test_a_feature_file_others_could_write_is_not_read(tmp_path):
    from nas_tasks.pruning.data import FeatureCache

    cache, calls = FeatureCache(tmp_path), []

    def compute():
        calls.append(1)
        return {"x": np.arange(3.0)}
    cache.get({"a": 1}, compute)
    np.testing.assert_array_equal(cache.get({"a": 1}, compute)["x"], np.arange(3.0))
    assert len(calls) == 1
    next((tmp_path / "pruning-features").glob("*.npz")).chmod(0o666)
    with pytest.warns(RuntimeWarning, match="not reading the cached features .*writable by other users"):
        cache.get({"a": 1}, compute)
    assert len(calls) == 2


def test_bad_input_gets_clear_errors(backbone, cache_dir):
    kw = dict(hidden=8, training=QUICK, max_train=100, max_eval=50, device="cpu")
    with pytest.raises(InvalidInputError, match="the robustness objective needs an explicit OoD set"):
        PruneTask(backbone, "digits", classes="5-9", **kw)
    with pytest.raises(InvalidInputError, match=r"ood 'digits' shares classes \[.*'five'"):
        PruneTask(backbone, "digits", classes="5-9", ood="digits", **kw)  # the validation set itself
    with pytest.raises(InvalidInputError, match="'mo-evoprune' measures OoD detection on real images"):
        PruneTask(backbone, "digits", classes="5-9", ood="inverted", **kw)
    t = PruneTask(backbone, "digits", classes="5-9", ood="inverted", odin=None,
                  objective_options={"robustness": {"temperature": 1000, "epsilon": 0}}, **kw)
    assert t.objective_plugins[2].setting == "custom"
    with pytest.raises(InvalidInputError, match=r"genomes must have shape \(n x 12\), got shape \(1, 13\)"):
        t.evaluate(np.ones((1, 13)))
    with pytest.raises(InvalidInputError, match="does not run on the target's images"):
        PruneTask(Backbone(flat_mlp(), input_size=9), "digits", classes="5-9", ood="digits[0-4]", **kw)
    with pytest.raises(InvalidInputError, match="training must be a HeadTraining or a preset name"):
        PruneTask(backbone, "digits", ood="digits[0-4]", training=3)


def test_lamoo_with_binary_nsga2_and_a_rebuilt_task(tmp_path, cache_dir):
    path = tmp_path / "net.pt"
    torch.save(tiny_cnn().state_dict(), path)
    from nas_tasks.pruning.sources import from_checkpoint

    t = PruneTask(from_checkpoint(path, "tests.nas_tasks.pruning.nets:tiny_cnn"), "digits", classes="5-9",
                  ood="digits[0-4]", level="neurons", hidden=24, training=QUICK, max_train=100, max_eval=50,
                  device="cpu")
    sampler = LaMOO(NSGA2Sampler(operators="binary", pop_size=10, crossover_prob=1.0), leaf_size=5)
    res = optimize(t, sampler, budget=24, n_init=12, batch_size=6, seed=0)
    assert res.X.shape == (24, 24) and np.isfinite(res.Y).all() and res.hypervolume() > 0
    rebuilt = PruneTask.from_description(t.describe())
    np.testing.assert_array_equal(rebuilt.evaluate(res.X[:3]), res.Y[:3])


def test_an_image_folder_as_target_and_as_ood_set(tmp_path, backbone, cache_dir):
    from PIL import Image

    rng = np.random.default_rng(0)
    for name, c in (("target", ("a", "b")), ("other", ("c",))):
        for k, cls in enumerate(c):
            (tmp_path / name / cls).mkdir(parents=True)
            for i in range(12):
                img = rng.integers(0, 50, (10, 10), dtype=np.uint8) + (150 if k else 0) * (np.arange(10) < 5)
                Image.fromarray(img.astype(np.uint8)).save(tmp_path / name / cls / f"{i}.png")
    t = PruneTask(backbone, "folder:target", tmp_path, ood="folder:other", hidden=8, training=QUICK, device="cpu")
    assert t.splits.num_classes == 2 and t.splits.image_shape == (1, 10, 10) and t.info.dataset == "folder:target"
    assert np.isfinite(t.evaluate(genomes(2, 12))).all()
    with pytest.raises(InvalidInputError, match="in-distribution images of the val split"):
        PruneTask(backbone, "folder:target", tmp_path, ood=f"folder:{tmp_path / 'target'}", hidden=8, training=QUICK,
                  device="cpu")


@pytest.mark.filterwarnings("ignore:no evaluated point dominates the reference point")  # a random tiny backbone
@pytest.mark.parametrize("name", ["random", "nsga2", "evolution", "cmaes", "qehvi"])
def test_every_registered_sampler_searches_the_binary_genome(name, task):
    from lamoo import plugins

    assert name in plugins.list_samplers()
    res = optimize(task, LaMOO(plugins.get_sampler(name), leaf_size=4), budget=10, n_init=6, batch_size=2, seed=1)
    assert set(np.unique(res.X)) <= {0.0, 1.0} and np.isfinite(res.Y).all() and len(res) == 10
