"""ODIN robustness: named settings (MO-EvoPruneDeepTL's among them), the OoD-set grammar, and the
refusal of OoD sets that are the task's own data."""
import numpy as np
import pytest
import torch

from lamoo.exceptions import InvalidInputError
from nas_tasks.objectives import get_objective
from nas_tasks.objectives.base import EvalContext, TaskInfo
from nas_tasks.objectives.robustness import (ODIN_SETTINGS, OodSource, Robustness, ood_images, odin_scores,
                                             odin_scores_from_logits, parse_ood)
from nas_tasks.training.cell_job import build_model
from nas_tasks.training.config import NetworkConfig
from nas_tasks.training.data import load_dataset
from nas_tasks.training.device import DeviceData
from nas_tasks.training.splits import make_splits, select_classes


def info_for(classes, dataset="digits"):
    return TaskInfo(dataset, len(classes), (1, 8, 8), torch.device("cpu"), 64, classes=tuple(classes))


@pytest.fixture(scope="module")
def low_digits():
    """A model and the digits 0-4 on the CPU (the ID data of a transfer target)."""
    splits = make_splits(select_classes(load_dataset("digits"), "0-4"), max_train=100, max_eval=60)
    data = DeviceData(splits, torch.device("cpu"))
    model = build_model((3, 1, 3, 1, 3, 4), NetworkConfig(4, 1), splits, seed=0).eval()
    return data, model, info_for(splits.dataset.classes)


def test_the_default_is_the_historic_one_so_old_runs_keep_their_values_and_keys():
    r = Robustness()
    assert r.params() == {"ood": "uniform", "temperature": 1000.0, "epsilon": 0.0014, "max_samples": 2000, "seed": 0}
    assert repr(r) == "Robustness(ood='uniform', temperature=1000.0, epsilon=0.0014, max_samples=2000, seed=0)"
    assert r.setting == "odin" and Robustness(epsilon=0).setting == "custom"


def test_the_papers_setting_by_name():
    r = get_objective("robustness", setting="mo-evoprune", ood="mnist+fashion-mnist")
    assert (r.temperature, r.epsilon, r.setting) == (1000.0, 0.0, "mo-evoprune") == (*ODIN_SETTINGS[r.setting].values(),
                                                                                     "mo-evoprune")
    assert Robustness(setting="msp").temperature == 1.0
    with pytest.raises(InvalidInputError, match="'mo-evoprune' measures OoD detection on real images.*'uniform'"):
        Robustness(setting="mo-evoprune")
    with pytest.raises(InvalidInputError, match="setting 'mo-evoprune' has epsilon=0, got epsilon=0.0014"):
        Robustness(setting="mo-evoprune", ood="mnist", epsilon=0.0014)
    with pytest.raises(InvalidInputError, match="robustness setting must be one of"):
        Robustness(setting="paper")


def test_ood_specs_parse_to_sources_and_back():
    assert parse_ood("digits[0-2]+inverted") == (OodSource(dataset="digits", classes=(0, 1, 2)),
                                                 OodSource(shift="inverted"))
    assert Robustness(ood="CIFAR-10 + mnist[9,3]").ood == "cifar10+mnist[9,3]"
    for bad, match in (("nope", "neither a shift .* nor a dataset: unknown dataset 'nope'"),
                       ("digits[0-2", "expected 'dataset\\[classes\\]'"), ("digits[x]", "classes must look like"),
                       ("uniform+uniform", "names a source twice"), ("", "non-empty string")):
        with pytest.raises(InvalidInputError, match=match):
            parse_ood(bad)


def test_a_mixture_gives_equal_shares_of_each_source(low_digits):
    data, _, info = low_digits
    id_img = data.prepare(data.parts["val"][0][:11])
    x = ood_images("digits[5-9]+inverted+uniform", id_img, 0, info, "val")
    assert x.shape == id_img.shape and float(x.min()) >= 0 and float(x.max()) <= 1
    torch.testing.assert_close(x[4:8], 1 - id_img[4:8])  # shares 4, 4, 3; the shift applies to its own ID rows
    a = ood_images("digits[5-9]", id_img, 0, info, "val")
    b = ood_images("digits[5-9]", id_img, 0, info, "test")
    assert not set(map(bytes, a.numpy())) & set(map(bytes, b.numpy()))  # validation and test halves are disjoint


def test_an_ood_set_that_is_the_task_data_is_refused(low_digits, cache_dir):
    from nas_tasks import NB201TrainTask

    data, _, info = low_digits
    for spec in ("digits", "digits[4-6]"):  # the same classes, or some of them
        with pytest.raises(InvalidInputError, match=r"shares classes \[.*'four'.*\] with the in-distribution data"):
            Robustness(ood=spec).check(info)
    Robustness(ood="digits[5-9]").check(info)
    with pytest.raises(InvalidInputError, match="shares classes"):
        NB201TrainTask("digits", objectives=["accuracy", "robustness"], objective_options={"robustness": {"ood": "digits"}},
                       epochs=1, channels=4, cells_per_stage=1)
    # the same images under another name: found image by image
    every = torch.from_numpy(load_dataset("digits").x_train).float() / 16
    with pytest.raises(InvalidInputError, match="of its 1797 images are in-distribution images of the val split"):
        ood_images("digits", every, 0, info_for(("a", "b"), dataset="other"), "val")


def test_the_papers_setting_measures_real_ood_images(low_digits):
    data, model, info = low_digits
    r = Robustness(setting="mo-evoprune", ood="digits[5-9]", max_samples=40)
    val, test = r.measure(EvalContext(model, data, info, ()))
    assert 0 <= val <= 1 and 0 <= test <= 1
    # eps = 0: the score is max softmax(logits / T), from the logits alone
    id_img, _ = r.images(EvalContext(model, data, info, ()), "val")
    with torch.no_grad():
        logits = model(data.normalize(id_img))
    s = odin_scores(model, data.normalize(id_img), 1000.0, 0.0, data.std)
    np.testing.assert_allclose(odin_scores_from_logits(logits.numpy(), 1000.0), s.numpy(), rtol=1e-6)
