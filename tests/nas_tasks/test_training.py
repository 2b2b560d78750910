"""The XNAS trainer on any nn.Module, and NB201 cells (disconnected ones included)."""
import numpy as np
import pytest
import torch

from nas_tasks.training.cell_job import build_model
from nas_tasks.training.config import Augmentation, NetworkConfig, TrainingConfig
from nas_tasks.training.data import ImageDataset, load_dataset
from nas_tasks.training.device import DeviceData, predict_logits, resolve_device
from nas_tasks.training.loop import lr_factor, train_model
from nas_tasks.training.splits import make_splits
from lamoo.exceptions import InvalidInputError


def test_lr_schedule_warms_up_then_decays_to_zero():
    f = [lr_factor(s, 5, 50) for s in range(50)]
    assert f[0] == pytest.approx(0.2) and f[4] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(f[4:], f[5:]))
    assert f[-1] == pytest.approx(0.0, abs=1e-12)


def blobs(n=300, seed=0):
    """Three classes of 1x6x6 images told apart by which third of the image is bright."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    x = rng.random((n, 1, 6, 6)).astype(np.float32) * 0.3
    for i, c in enumerate(y):
        x[i, 0, 2 * c:2 * c + 2] += 0.7
    return ImageDataset("blobs", x, y.astype(np.int64), None, None, ("a", "b", "c"), scale=1.0)


def tiny_cnn():
    return torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
                               torch.nn.AdaptiveAvgPool2d(2), torch.nn.Flatten(), torch.nn.Linear(32, 3))


def accuracy(model, data, part):
    return float((predict_logits(model, data, part).argmax(1) == data.parts[part][1]).float().mean())


def test_trains_any_module_and_is_reproducible():
    data = DeviceData(make_splits(blobs(), 0.2, 0.2), torch.device("cpu"))
    cfg = TrainingConfig(epochs=15, batch_size=32, augmentation=Augmentation.none())
    torch.manual_seed(0)
    m1 = tiny_cnn()
    torch.manual_seed(0)
    m2 = tiny_cnn()
    r1 = train_model(m1, data, cfg, seed=3)
    r2 = train_model(m2, data, cfg, seed=3)
    assert r1.epoch_loss == r2.epoch_loss
    assert r1.epoch_loss[-1] < r1.epoch_loss[0]
    assert accuracy(m1, data, "test") > 0.9
    assert r1.steps == 15 * int(np.ceil(len(data.parts["train"][1]) / 32))


def test_disconnected_cell_trains_and_scores_near_chance():
    splits = make_splits(load_dataset("digits"), max_train=300, max_eval=200)
    data = DeviceData(splits, torch.device("cpu"))
    model = build_model((0, 0, 0, 0, 0, 0), NetworkConfig(4, 1), splits, seed=0)
    report = train_model(model, data, TrainingConfig(epochs=2, batch_size=64), seed=0)
    assert np.isfinite(report.epoch_loss).all()
    assert accuracy(model, data, "val") < 0.25


def test_bad_configs_are_rejected():
    with pytest.raises(InvalidInputError, match="epochs"):
        TrainingConfig(epochs=0)
    with pytest.raises(InvalidInputError, match="lr"):
        TrainingConfig(lr=-1)
    with pytest.raises(InvalidInputError, match="device"):
        resolve_device("tpu:0")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_gpu_training_mixed_precision():
    splits = make_splits(load_dataset("digits"))
    data = DeviceData(splits, torch.device("cuda"))
    model = build_model((3, 1, 3, 1, 3, 4), NetworkConfig(8, 1), splits, seed=0)
    report = train_model(model, data, TrainingConfig(epochs=10), seed=0)
    assert report.amp in ("bfloat16", "float16")
    assert accuracy(model, data, "val") > 0.5


def test_schedule_follows_the_optimizer_steps_when_one_sample_is_left_over(monkeypatch):
    data = DeviceData(make_splits(blobs(), 0.2, 0.2), torch.device("cpu"))
    x, y = data.parts["train"]
    data.parts["train"] = x[:121], y[:121]
    bs = 60  # two full batches and one lone sample, which cannot be batch-normalized
    lrs = []
    step = torch.optim.SGD.step

    def recording_step(self, *args, **kwargs):
        lrs.append(self.param_groups[0]["lr"])
        return step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.SGD, "step", recording_step)
    report = train_model(tiny_cnn(), data, TrainingConfig(epochs=3, batch_size=bs, augmentation=Augmentation.none()), seed=0)
    assert len(lrs) == report.steps == 3 * 2
    assert max(lrs) == pytest.approx(0.1) and lrs[-1] == 0.0  # the cosine reaches 0 at the last step


def test_introspection_regularizer_runs_in_float32_outside_autocast():
    from nas_tasks.objectives.introspectability import IntrospectionRegularizer

    seen = []

    class Recording(IntrospectionRegularizer):
        def loss(self, y):
            out = super().loss(y)
            seen.append((torch.is_autocast_enabled("cpu"), out.dtype))
            return out

    # bf16 autocast on the CPU stands in for a GPU's mixed precision
    data = DeviceData(make_splits(blobs(), 0.2, 0.2), torch.device("cpu"), precision="bf16")
    model = tiny_cnn()
    with Recording(model, 0.5, num_classes=3) as reg:
        train_model(model, data, TrainingConfig(epochs=1, batch_size=64, augmentation=Augmentation.none()), 0, reg)
    assert seen and set(seen) == {(False, torch.float32)}


@pytest.mark.parametrize("device_type, capability, precision, expected", [
    ("cuda", (9, 0), "auto", torch.bfloat16),   # Hopper (H100 / H200)
    ("cuda", (8, 0), "auto", torch.bfloat16),   # Ampere: the first with native bf16
    ("cuda", (7, 5), "auto", torch.float16),    # Turing: bf16 only emulated, fp16 has tensor cores
    ("cuda", (7, 0), "auto", torch.float16),    # Volta
    ("cuda", (9, 0), "fp32", None),
    ("cuda", (7, 5), "bf16", torch.bfloat16),
    ("cuda", (9, 0), "fp16", torch.float16),
    ("cpu", None, "auto", None),
    ("cpu", None, "bf16", torch.bfloat16),
])
def test_autocast_dtype_by_device_capability(device_type, capability, precision, expected):
    from nas_tasks.training.device import autocast_dtype

    assert autocast_dtype(device_type, capability, precision) is expected


def test_autocast_dtype_refusals():
    from nas_tasks.training.device import amp_dtype, autocast_dtype

    assert autocast_dtype("cuda", (7, 5), "auto", hip=True) is torch.bfloat16  # ROCm GPUs all have bf16
    assert amp_dtype(torch.device("cpu")) is None and amp_dtype("cpu", "bf16") is torch.bfloat16
    with pytest.raises(InvalidInputError, match="precision 'fp16' needs a CUDA device"):
        autocast_dtype("cpu", None, "fp16")
    with pytest.raises(InvalidInputError, match="precision must be one of"):
        autocast_dtype("cuda", (9, 0), "fp8")
    with pytest.raises(InvalidInputError, match="fp16"):
        DeviceData(make_splits(blobs(), 0.2, 0.2), torch.device("cpu"), precision="fp16")


def test_fused_sgd_takes_the_same_steps_as_the_default_one():
    """The fused kernel (used on CUDA) is configured like the default optimizer: same groups,
    weight decay, Nesterov momentum and schedule (checked here with PyTorch's CPU fused SGD)."""
    from nas_tasks.training.loop import Schedule, make_optimizer

    x, y = torch.randn(64, 1, 6, 6), torch.arange(64) % 3
    config = TrainingConfig(epochs=2, batch_size=16)
    params = []
    for fused in (False, True):
        torch.manual_seed(0)
        model = tiny_cnn()
        opt, sched = make_optimizer(model, config, Schedule.plan(64, config), fused=fused)
        assert opt.defaults.get("fused") is (True if fused else None)
        for step in range(8):
            loss = torch.nn.functional.cross_entropy(model(x[step * 8:step * 8 + 16]), y[step * 8:step * 8 + 16])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        params.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
    assert torch.allclose(params[0], params[1], rtol=1e-5, atol=1e-6)


def test_an_epoch_leaves_its_loss_on_the_device_and_bf16_needs_no_grad_scaler():
    from nas_tasks.training.loop import _Epochs, place_model

    for precision in ("fp32", "bf16"):
        data = DeviceData(make_splits(blobs(), 0.2, 0.2), torch.device("cpu"), precision)
        model = place_model(tiny_cnn(), data.device)
        run = _Epochs(model, data, TrainingConfig(epochs=1, batch_size=64), seed=0, regularizer=None)
        loss = run.epoch()
        assert isinstance(loss, torch.Tensor) and loss.ndim == 0 and torch.isfinite(loss)
        assert run.scaler is None and run.dtype == data.amp and run.opt.defaults.get("fused") is None
