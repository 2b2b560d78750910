"""A resume must run the run it resumes: other settings are refused, naming both values."""
import numpy as np
import pytest

from lamoo import LaMOO, Study
from lamoo.exceptions import JournalError
from lamoo.journal import read_journal
from samplers import RandomSampler
from tests.toys import ToyTask


@pytest.fixture
def journal(tmp_path):
    path = tmp_path / "run.jsonl"
    study = Study(ToyTask(d=2), LaMOO(RandomSampler(), leaf_size=5), seed=3, n_init=6, journal=path)
    study.optimize(11, batch_size=5)
    study.close()
    return path


@pytest.mark.parametrize("given, match", [
    ({"seed": 4}, r"seed: the journal has 3, given 4"),
    ({"n_init": 10}, r"n_init: the journal has 6, given 10"),
    ({"ref_point": [2.0, 2.0]}, r"ref_point: the journal has \[1.1, 1.1\], given \[2.0, 2.0\]"),
])
def test_other_run_settings_are_refused(journal, given, match):
    with pytest.raises(JournalError, match=match):
        Study.load(journal, ToyTask(d=2), LaMOO(RandomSampler(), leaf_size=5), **given)
    same = {"seed": 3, "n_init": 6, "ref_point": [1.1, 1.1]}
    assert Study.load(journal, ToyTask(d=2), LaMOO(RandomSampler(), leaf_size=5), **same).n_told == 11


@pytest.mark.parametrize("sampler, match", [
    (RandomSampler(), r"sampler.name: the journal has 'lamoo', given 'random'"),
    (LaMOO(RandomSampler(), leaf_size=7), r"sampler.params.leaf_size: the journal has 5, given 7"),
])
def test_another_sampler_is_refused_unless_allowed_and_then_recorded(journal, sampler, match):
    with pytest.raises(JournalError, match=match):
        Study.load(journal, ToyTask(d=2), sampler)
    study = Study.load(journal, ToyTask(d=2), sampler, allow_sampler_change=True)
    study.optimize(16, batch_size=5)
    study.close()
    header, _ = read_journal(journal)
    # the change is in the journal, so the next resume expects the new sampler
    assert Study.load(journal, ToyTask(d=2), sampler).n_told == 16
    with pytest.raises(JournalError, match="sampler"):
        Study.load(journal, ToyTask(d=2), LaMOO(RandomSampler(), leaf_size=5))


def test_a_task_with_another_description_is_refused(journal):
    class Renamed(ToyTask):
        pass

    with pytest.raises(JournalError, match=r"task.class: the journal has '.*ToyTask', given '.*Renamed'"):
        Study.load(journal, Renamed(d=2), LaMOO(RandomSampler(), leaf_size=5))


def test_table_tasks_with_the_same_cells_but_other_values_are_told_apart(tmp_path):
    from nas_tasks import NB201TableTask
    from tests.nas_tasks.fake_benchmarks import synthetic_frame

    frame = synthetic_frame()
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    frame.to_csv(a, index=False)
    other = frame.copy()
    other["cifar10_test_acc"] = other["cifar10_test_acc"][::-1].to_numpy()
    other.to_csv(b, index=False)
    objectives = ["cifar10_test_acc", "latency_ms_dev"]
    path = tmp_path / "run.jsonl"
    study = Study(NB201TableTask(a, objectives), RandomSampler(), seed=0, n_init=5, journal=path)
    study.optimize(5)
    study.close()
    with pytest.raises(JournalError, match=r"task.content_sha256: the journal has '\w+', given '\w+'"):
        Study.load(path, NB201TableTask(b, objectives), RandomSampler())
    moved = tmp_path / "moved.csv"
    frame.to_csv(moved, index=False)  # the same table elsewhere is the same task
    assert Study.load(path, NB201TableTask(moved, objectives), RandomSampler()).n_told == 5


def test_a_trained_task_resumes_only_with_its_training_configuration(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from nas_tasks import NB201TrainTask

    monkeypatch.setenv("LAMOO_CACHE_DIR", str(tmp_path / "cache"))
    tiny = {"channels": 4, "cells_per_stage": 1, "max_train": 40, "max_eval": 20, "device": "cpu"}
    path = tmp_path / "run.jsonl"
    Study(NB201TrainTask("digits", objectives=["accuracy"], epochs=1, **tiny), RandomSampler(), seed=0,
          journal=path).close()
    with pytest.raises(JournalError, match=r"(?s)task.train.epochs: the journal has 1, given 3.*task.train.lr: the "
                                           r"journal has 0.1, given 0.05"):
        Study.load(path, NB201TrainTask("digits", objectives=["accuracy"], epochs=3, lr=0.05, **tiny), RandomSampler())
    # where and how cells run may change: another cache folder, thread count or device
    moved = NB201TrainTask("digits", objectives=["accuracy"], epochs=1, num_threads=1,
                           cache_dir=str(tmp_path / "elsewhere"), **tiny)
    assert Study.load(path, moved, RandomSampler()).n_told == 0


def test_a_task_without_a_reference_point_infers_one_and_a_bad_one_is_a_clear_error():
    from lamoo import optimize
    from lamoo.exceptions import InvalidInputError

    class NoReference(ToyTask):
        def __init__(self):
            super().__init__(d=2)
            self.ref_point = None

    class DuckTyped:
        space, objectives = ToyTask(d=2).space, ToyTask(d=2).objectives

        def evaluate(self, X):
            return ToyTask(d=2).evaluate(X)

    for task in (NoReference(), DuckTyped()):
        name = type(task).__qualname__
        inferred = optimize(task, RandomSampler(), budget=8, n_init=6, seed=0)
        assert inferred.ref_point_source == "inferred", name
        assert inferred.hypervolume() > 0 and inferred.reference_evaluations == 6
        assert len(optimize(task, RandomSampler(), budget=8, seed=0, ref_point=[2, 2])) == 8
        assert np.isfinite(optimize(task, RandomSampler(), budget=8, seed=0, ref_point=[2, 2]).hypervolume())
        with pytest.raises(InvalidInputError, match=r"ref_point must have shape \(2,\)"):
            optimize(task, RandomSampler(), budget=8, seed=0, ref_point=[2])
