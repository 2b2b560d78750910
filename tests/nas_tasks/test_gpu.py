"""The GPU training path on a real CUDA device (skipped without one; ``benchmarks/gpu_check.py``
runs them on the GPU machine): the autocast dtype the GPU's capability calls for, no host sync
inside an epoch (fp16 with its GradScaler and the introspection regularizer included),
channels-last, and cells trained end to end, several at once on one GPU."""
import contextlib

import numpy as np
import pytest
import torch

from nas_tasks.training.cell_job import build_model
from nas_tasks.training.config import Augmentation, NetworkConfig, TrainingConfig
from nas_tasks.training.data import load_dataset
from nas_tasks.training.device import DeviceData, amp_dtype, predict_logits
from nas_tasks.training.splits import make_splits

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]
CELL = (3, 1, 3, 1, 3, 4)


@pytest.fixture(scope="module")
def digits():
    return make_splits(load_dataset("digits"))


def test_autocast_dtype_follows_the_gpu_capability(digits):
    device = torch.device("cuda")
    native_bf16 = torch.cuda.get_device_capability(device) >= (8, 0)
    assert amp_dtype(device) == (torch.bfloat16 if native_bf16 else torch.float16)
    data = DeviceData(digits, device)
    assert data.amp == amp_dtype(device) and data.parts["train"][0].is_cuda
    logits = predict_logits(build_model(CELL, NetworkConfig(4, 1), digits, 0).cuda(), data, "val")
    assert logits.dtype == torch.float32 and logits.shape == (len(digits.val[1]), 10)


@pytest.mark.parametrize("precision, regularized", [("auto", False), ("auto", True), ("fp16", True)])
def test_an_epoch_never_waits_for_the_host(digits, precision, regularized):
    from nas_tasks.objectives.introspectability import IntrospectionRegularizer
    from nas_tasks.training.loop import _Epochs, place_model

    data = DeviceData(digits, torch.device("cuda"), precision)
    model = place_model(build_model(CELL, NetworkConfig(4, 1), digits, 0), data.device)
    config = TrainingConfig(epochs=1, batch_size=128, introspection_weight=0.5 if regularized else 0.0,
                            introspection_pair_weights=np.ones((10, 10)) if regularized else None)
    reg = IntrospectionRegularizer(model, 0.5, pair_weights=np.ones((10, 10)), num_classes=10) if regularized else None
    with reg if reg is not None else contextlib.nullcontext():
        run = _Epochs(model, data, config, seed=0, regularizer=reg)
        model.train()
        run.epoch()  # first epoch: lazy initialisations (handles, the scaler's state) may sync
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error")
        try:
            loss = run.epoch()
        finally:
            torch.cuda.set_sync_debug_mode("default")
    assert torch.isfinite(loss) and (run.scaler is not None) == (data.amp == torch.float16)
    assert run.opt.defaults.get("fused") is True


def test_model_and_batches_are_channels_last(digits):
    from nas_tasks.training.loop import train_model

    data = DeviceData(digits, torch.device("cuda"))
    model = build_model(CELL, NetworkConfig(4, 1), digits, 0)
    seen = []  # digits have one channel (any layout is channels-last): look inside, at 4 channels
    model.cells[0].register_forward_pre_hook(lambda m, inp: seen.append(inp[0].is_contiguous(
        memory_format=torch.channels_last)))
    train_model(model, data, TrainingConfig(epochs=1, batch_size=256, augmentation=Augmentation.none()), seed=0)
    assert seen and all(seen)
    conv = model.cells[0].layers[0].op[1]  # edge 1<-0: nor_conv_3x3, 4 -> 4 channels
    assert conv.weight.shape == (4, 4, 3, 3) and conv.weight.is_contiguous(memory_format=torch.channels_last)


def test_fp16_trains_with_a_grad_scaler(digits):
    from nas_tasks.training.loop import train_model

    data = DeviceData(digits, torch.device("cuda"), "fp16")
    model = build_model(CELL, NetworkConfig(8, 1), digits, 0)
    report = train_model(model, data, TrainingConfig(epochs=10), seed=0)
    accuracy = float((predict_logits(model, data, "val").argmax(1) == data.parts["val"][1]).float().mean())
    assert report.amp == "float16" and accuracy > 0.5


def test_train_task_on_cuda_two_cells_at_once(cache_dir):
    from nas_tasks import NB201TrainTask

    X = np.array([CELL, (1, 1, 1, 1, 1, 1), (2, 3, 1, 1, 1, 1)])
    with NB201TrainTask("digits", objectives=["accuracy", "introspectability", "robustness", "latency"], epochs=3,
                        channels=4, cells_per_stage=1, device="cuda", cells_per_gpu=2) as task:
        assert task.executor.workers == 2
        Y, errors = task.evaluate_with_errors(X)
    assert errors == [None] * 3 and np.isfinite(Y).all()
    assert (Y[:, 0] > 10).all()  # better than chance on 10 classes
