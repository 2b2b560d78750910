"""Objective plug-ins: introspectability against a direct computation, the regularizer, WordNet
weights, ODIN robustness, cost objectives."""
import numpy as np
import pytest
import torch
from scipy.spatial.distance import pdist

from nas_tasks.training.cell_job import build_model, task_info
from lamoo.exceptions import InvalidInputError
from nas_tasks.training.config import DataConfig, NetworkConfig, TrainingConfig
from nas_tasks.training.data import load_dataset
from nas_tasks.training.splits import make_splits
from nas_tasks.objectives import get_objective
from nas_tasks.objectives.base import EvalContext
from nas_tasks.objectives.introspectability import (IntrospectionRegularizer, class_sums, introspectability_from_means,
                                                    resolve_layers)
from nas_tasks.objectives.robustness import auroc, odin_scores
from nas_tasks.training.device import DeviceData

NET = NetworkConfig(channels=4, cells_per_stage=1)
ARCH = (3, 1, 3, 1, 3, 4)


@pytest.fixture(scope="module")
def setup():
    splits = make_splits(load_dataset("digits"), max_train=200, max_eval=150)
    data = DeviceData(splits, torch.device("cpu"))
    model = build_model(ARCH, NET, splits, seed=0).eval()
    # give BN non-trivial running statistics so that activations differ between classes
    model.train()
    with torch.no_grad():
        for x, _ in data.batches("train", 64):
            model(x)
    model.eval()
    info = task_info(DataConfig("digits"), NET, splits, torch.device("cpu"), 64, None)
    return splits, data, model, info


def direct_introspectability(model, data, part, group_by="label"):
    feats, preds = [], []
    with torch.no_grad():
        for x, _ in data.batches(part, 1000):
            f, logits = model.forward_features(x)
            feats.append(torch.cat([f[k].flatten(1) for k in model.feature_names], 1))
            preds.append(logits.argmax(1))
    A = torch.cat(feats).double().numpy()
    groups = data.parts[part][1].numpy() if group_by == "label" else torch.cat(preds).numpy()
    means = np.stack([A[groups == c].mean(0) for c in np.unique(groups)])
    return pdist(means, "cosine").sum() / (10 * 9 / 2)  # Eq. 1: over all C(10, 2) pairs, absent ones count 0


@pytest.mark.parametrize("group_by", ["label", "prediction"])
def test_streaming_introspectability_matches_direct_computation(setup, group_by):
    _, data, model, info = setup
    assert resolve_layers(model, "all") == [n for n in model.feature_names]
    sums, counts = class_sums(model, data, "val", "all", group_by, batch_size=7)  # many small batches
    ours = introspectability_from_means(sums / counts.clamp(min=1)[:, None], counts > 0)
    assert ours == pytest.approx(direct_introspectability(model, data, "val", group_by), rel=1e-6)
    obj = get_objective("introspectability", group_by=group_by)
    val, test = obj.measure(EvalContext(model, data, info, ARCH))
    assert val == pytest.approx(ours, rel=1e-9) and 0 < test < 2


def test_regularizer_matches_eq1_on_the_batch_and_has_gradients(setup):
    _, data, model, _ = setup
    x, y = next(data.batches("val", 60))
    with IntrospectionRegularizer(model, weight=0.5, layers="pooled", num_classes=10) as reg:
        model(x)
        value = reg.batch_introspectability(y)
        loss = reg.loss(y)
    with torch.no_grad():
        f, _ = model.forward_features(x)
    P = f["pooled"].double().numpy()
    means = np.stack([P[y.numpy() == c].mean(0) for c in np.unique(y.numpy())])
    assert float(value.detach()) == pytest.approx(pdist(means, "cosine").mean(), rel=1e-4)
    loss.backward()
    assert model.classifier.weight.grad is None  # pooled features do not depend on the classifier
    assert model.stem[0].weight.grad is not None and model.stem[0].weight.grad.abs().sum() > 0
    model.zero_grad()


def test_pair_weights_weight_the_distances():
    means = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=torch.float64)
    d = pdist(means.numpy(), "cosine")  # pairs (0,1), (0,2), (1,2)
    W = torch.tensor([[1, 2, 0], [2, 1, 1], [0, 1, 1]], dtype=torch.float64)
    assert introspectability_from_means(means, None, W) == pytest.approx((2 * d[0] + 0 * d[1] + 1 * d[2]) / 3)
    present = torch.tensor([True, True, False])
    assert introspectability_from_means(means, present) == pytest.approx(d[0] / 3)  # Eq. 1: C(3, 2) pairs
    assert introspectability_from_means(means, present, absent="drop") == pytest.approx(d[0])


@pytest.mark.parametrize("W", [np.array([[1.0, 0.0], [5.0, 1.0]]), np.array([[1.0, 5.0], [0.0, 1.0]])])
def test_asymmetric_pair_weights_are_rejected_everywhere(setup, W):
    """A weight on (1, 0) but not (0, 1) (or the other way round) is an error, not half-read."""
    _, data, model, _ = setup
    means = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    with pytest.raises(InvalidInputError, match=r"symmetric.*\[0, 1\]"):
        introspectability_from_means(means, None, W)
    with pytest.raises(InvalidInputError, match="symmetric"):
        IntrospectionRegularizer(model, pair_weights=W, num_classes=2)
    with pytest.raises(InvalidInputError, match="symmetric"):
        TrainingConfig(introspection_weight=0.5, introspection_pair_weights=W)
    sym = (W + W.T) / 2  # the remedy the error names
    assert introspectability_from_means(means, None, sym) == pytest.approx(2.5 * 1.0)


class TwoClassCollapse(torch.nn.Module):
    """Predicts class 0 or 1 only (by the image's mean pixel), never classes 2..9."""

    def __init__(self, threshold: float):
        super().__init__()
        self.flat = torch.nn.Flatten()
        self.head = torch.nn.Linear(64, 10)
        with torch.no_grad():
            self.head.weight.zero_()
            self.head.weight[0] = 1.0 / 64
            self.head.bias.fill_(-1e3)
            self.head.bias[0], self.head.bias[1] = -threshold, 0.0

    def forward(self, x):
        return self.head(self.flat(x))


def test_a_model_collapsed_onto_two_predicted_classes_is_not_rewarded(setup):
    """group_by="prediction": only one pair is defined; Eq. 1 averages it with 44 zero pairs."""
    _, data, _, info = setup
    x = torch.cat([b for b, _ in data.batches("val", 1000)])
    model = TwoClassCollapse(float(x.flatten(1).mean(1).median())).eval()
    ctx = EvalContext(model, data, info, ARCH)
    paper = get_objective("introspectability", group_by="prediction", layers="pooled").measure(ctx)[0]
    dropped = get_objective("introspectability", group_by="prediction", layers="pooled", absent="drop").measure(ctx)[0]
    assert dropped > 0.01  # the one defined pair is far apart
    assert paper == pytest.approx(dropped / 45)
    labels = get_objective("introspectability", layers="pooled").measure(ctx)[0]  # all 10 classes present
    assert paper < labels


def released_code_introspectability(model, data, part, names):
    """The released XNAS code's recipe (LLNL/XNAS@aab3efdc nas_run.py), written out with numpy:
    per predicted class, the activation sum divided by the number of all samples; cosine pdist
    over the predicted classes only; NaN distances dropped; the mean."""
    from nas_tasks.objectives.introspectability import ActivationRecorder

    feats, preds = [], []
    with torch.no_grad(), ActivationRecorder(model, names) as rec:
        for x, _ in data.batches(part, 1000):
            preds.append(model(x).argmax(1))
            feats.append(torch.cat(rec.vectors(), 1))
    A, pred = torch.cat(feats).double().numpy(), torch.cat(preds).numpy()
    maps = np.stack([A[pred == c].sum(0) / len(A) for c in np.unique(pred)])
    d = pdist(maps, "cosine")
    return float(d[~np.isnan(d)].mean())


@pytest.mark.parametrize("layers", ["all", "convs"])
def test_prediction_and_drop_is_the_released_codes_aggregation(setup, layers):
    _, data, model, info = setup
    obj = get_objective("introspectability", group_by="prediction", absent="drop", layers=layers)
    ours = obj.measure(EvalContext(model, data, info, ARCH))[0]
    names = resolve_layers(model, layers)
    assert ours == pytest.approx(released_code_introspectability(model, data, "val", names), rel=1e-6)


def test_convs_records_every_convolution_and_relu(setup):
    _, data, model, _ = setup
    names = resolve_layers(model, "convs")
    modules = dict(model.named_modules())
    kinds = {type(modules[n]).__name__ for n in names}
    assert kinds == {"Conv2d", "ReLU"}
    assert len(names) == sum(isinstance(m, (torch.nn.Conv2d, torch.nn.ReLU)) for m in model.modules())
    sums, _ = class_sums(model, data, "val", "convs", "label", batch_size=50)
    x, _ = next(data.batches("val", 2))
    sizes = {}
    hooks = [modules[n].register_forward_hook(lambda m, i, o, n=n: sizes.__setitem__(n, o[0].numel())) for n in names]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    assert sums.shape[1] == sum(sizes.values())  # one column per recorded activation value
    with pytest.raises(ValueError, match="layers='convs' needs"):
        resolve_layers(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10)), "convs")


def test_odin_reduces_to_max_softmax_and_auroc(setup):
    _, data, model, _ = setup
    x, _ = next(data.batches("val", 20))
    s = odin_scores(model, x, temperature=1.0, epsilon=0.0, std=data.std)
    with torch.no_grad():
        ref = torch.softmax(model(x), 1).max(1).values
    assert torch.allclose(s, ref, atol=1e-6)
    s2 = odin_scores(model, x, temperature=1000.0, epsilon=0.01, std=data.std)
    assert s2.shape == (20,) and torch.isfinite(s2).all()
    assert auroc(np.array([0.9, 0.8]), np.array([0.1, 0.2])) == 1.0
    assert auroc(np.array([0.1, 0.2]), np.array([0.9, 0.8])) == 0.0


@pytest.mark.parametrize("ood", ["uniform", "gaussian", "inverted", "vflip", "permuted"])
def test_robustness_builtin_ood_sets(setup, ood):
    _, data, model, info = setup
    val, test = get_objective("robustness", ood=ood, max_samples=50).measure(EvalContext(model, data, info, ARCH))
    assert 0 <= val <= 1 and 0 <= test <= 1


def test_robustness_rejects_bad_options():
    with pytest.raises(ValueError, match="temperature"):
        get_objective("robustness", temperature=0)
    with pytest.raises(ValueError, match="unknown dataset"):
        get_objective("robustness", ood="nope")


def test_cost_objectives(setup):
    from nas_tasks.nb201.network import network_cost

    splits, data, model, info = setup
    ctx = EvalContext(model, data, info, ARCH)
    params, flops = network_cost(ARCH, input_size=8, num_classes=10, channels=4, cells_per_stage=1, in_channels=1)
    assert get_objective("params").measure(ctx) == (params, params)
    assert get_objective("flops").measure(ctx)[0] == pytest.approx(flops)
    assert get_objective("params").default_ref(info) > params
    lat = get_objective("latency", batch_size=8, warmup=1, repeats=3)
    assert lat.measure(ctx)[0] > 0 and lat.default_ref(info) > 0


def test_cost_objectives_measure_any_network_they_are_handed():
    from lamoo.exceptions import InvalidInputError
    from nas_tasks.objectives.base import TaskInfo
    from nas_tasks.objectives.complexity import count_parameters

    net = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3, padding=1, bias=False), torch.nn.AdaptiveAvgPool2d(1),
                              torch.nn.Flatten(), torch.nn.Linear(8, 10, bias=False))
    info = TaskInfo("digits", 10, (1, 8, 8), torch.device("cpu"), 64)
    ctx = EvalContext(net, None, info, ())
    assert get_objective("params").measure(ctx) == (count_parameters(net), count_parameters(net)) == (152e-6, 152e-6)
    assert get_objective("flops").measure(ctx)[0] == pytest.approx((8 * 9 * 64 + 8 * 10) / 1e6)  # MACs, millions
    with pytest.raises(InvalidInputError, match="no default reference point.*pass ref_point"):
        get_objective("params").default_ref(info)
    info.costliest_network = lambda: net
    assert get_objective("params").default_ref(info) == pytest.approx(1.1 * 152e-6)


def test_objectives_do_not_import_the_search_space():
    import ast
    from pathlib import Path

    import nas_tasks.objectives

    for path in Path(nas_tasks.objectives.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert not any(n.startswith("nas_tasks.nb201") for n in names), f"{path.name} imports {names}"


def test_measuring_options_name_the_values_and_the_old_behaviour_keeps_its_name():
    """Eq. 1 (absent="zero", the default) is a new measurement with a new name; absent="drop" is
    how values were measured before the option, under their old name (caches and journals)."""
    assert repr(get_objective("introspectability")) == "Introspectability(layers='all', group_by='label', absent='zero')"
    assert repr(get_objective("introspectability", absent="drop")) == "Introspectability(layers='all', group_by='label')"
