"""NB201TableTask on official-format NAS-Bench-201 (.pth) and NATS-Bench files, built tiny here."""
import numpy as np
import pytest

from lamoo.exceptions import InvalidInputError
from nas_tasks import NB201TableTask, nb201
from nas_tasks.cache import cache_dir
from nas_tasks.safe_load import BadFileError
from tests.nas_tasks import fake_benchmarks as fake

pytest.importorskip("nas_201_api")
torch = pytest.importorskip("torch")

ARCHS = [nb201.decode(c) for c in nb201.all_cells()[[0, 1234, 7777, 15624]]]


@pytest.fixture(scope="module")
def nb201_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("nb201") / "NAS-Bench-201-tiny.pth"
    torch.save(fake.nb201_dict(ARCHS), path)
    return path


def test_plain_torch_load_refuses_the_file(nb201_file):
    """Why the task loads the dict itself: torch >= 2.6 defaults to weights_only=True."""
    with pytest.raises(Exception, match="[Ww]eights only"):
        torch.load(nb201_file)


@pytest.mark.parametrize("hp", ["200", "12"])
def test_nas_bench_201_file(nb201_file, hp):
    # mixing datasets on purpose: lamoo's flops are for cifar10, and it says so
    with pytest.warns(UserWarning, match="cifar100_valid_acc"):
        task = NB201TableTask(nb201_file, ["cifar10_test_acc", "cifar100_valid_acc", "flops", "latency_ms_cifar10"],
                              dataset="cifar10", hp=hp, trust_pickle=True)
    assert task.kind == "nb201" and task.space.n_candidates == len(ARCHS)
    Y = task.evaluate(nb201.encode_many(ARCHS))
    for i in range(len(ARCHS)):  # seed-averaged final-epoch metrics, as the API reports them
        assert Y[i, 0] == pytest.approx(fake.expected(i, "cifar10", "ori-test", hp))
        assert Y[i, 1] == pytest.approx(fake.expected(i, "cifar100", "x-valid", hp))
        assert Y[i, 3] == pytest.approx(1000 * fake.latency_s(i))
    # the benchmark's own figures are columns; "flops" is lamoo's count (ARCHS[0] is all 'none')
    assert task.table["flops_cifar10"].tolist() == [fake.flops(i, "cifar10") for i in range(len(ARCHS))]
    assert task.table["flops"].iloc[0] == pytest.approx(7.78304)
    assert task.ref_point[:2].tolist() == [10.0, 1.0]
    assert task.describe()["hp"] == hp
    # the other columns the module docstring promises
    for col in ("cifar10_valid_valid_acc", "cifar10_valid_test_acc", "imagenet16_120_test_acc",
                "cifar100_valtest_acc", "cifar10_train_time", "cifar10_train_acc", "cifar10_test_loss"):
        assert col in task.table.columns, col
    np.testing.assert_array_equal(task.table["index"], np.arange(len(ARCHS)))


def test_short_names_and_other_dataset(nb201_file):
    task = NB201TableTask(nb201_file, ["test_acc", "latency_ms_imagenet16_120"], dataset="ImageNet16-120",
                          trust_pickle=True)
    assert task.objectives[0].name == "imagenet16_120_test_acc" and task.ref_point[0] == pytest.approx(100 / 120)


def test_extracted_tables_are_cached(nb201_file, monkeypatch):
    NB201TableTask(nb201_file, ["cifar10_test_acc", "latency_ms_cifar10"], trust_pickle=True)
    assert list((cache_dir() / "nb201-tables").glob("nb201-hp200-*.parquet"))

    def fail(*a, **k):
        raise AssertionError("the benchmark file was read again")

    monkeypatch.setattr("nas_tasks.nb201.tables.read_nb201_file", fail)
    task = NB201TableTask(nb201_file, ["cifar10_test_acc", "latency_ms_cifar10"], trust_pickle=True)
    assert task.space.n_candidates == len(ARCHS)
    with pytest.raises(BadFileError, match="read again"):  # an error inside the reader names the file
        NB201TableTask(nb201_file, ["cifar10_test_acc", "latency_ms_cifar10"], cache=False, trust_pickle=True)


def test_not_a_benchmark_file(tmp_path):
    path = tmp_path / "weights.pth"
    torch.save({"state_dict": {}}, path)
    with pytest.raises(InvalidInputError, match="not a NAS-Bench-201 file"):
        NB201TableTask(path, ["cifar10_test_acc", "flops"], cache=False, trust_pickle=True)


@pytest.mark.parametrize("fast", [True, False])
def test_nats_bench_archive(tmp_path, fast):
    pytest.importorskip("nats_bench")
    path = fake.write_nats_archive(tmp_path, ARCHS, fast=fast)
    task = NB201TableTask(path, ["cifar100_test_acc", "params"], dataset="cifar100", trust_pickle=True)
    assert task.kind == "nats"
    Y = task.evaluate(nb201.encode_many(ARCHS))
    for i in range(len(ARCHS)):
        assert Y[i, 0] == pytest.approx(fake.expected(i, "cifar100", "x-test", "200"))
    twelve = NB201TableTask(path, ["cifar100_test_acc", "params"], dataset="cifar100", hp="12", trust_pickle=True)
    assert twelve.evaluate(nb201.encode(ARCHS[1]))[0, 0] == pytest.approx(fake.expected(1, "cifar100", "x-test", "12"))
    with pytest.raises(InvalidInputError, match=r"no results for hp='90'; available: \['12', '200'\]"):
        NB201TableTask(path, ["cifar100_test_acc", "params"], hp="90", trust_pickle=True)


def test_broken_nats_archive(tmp_path):
    pytest.importorskip("nats_bench")
    (tmp_path / "empty-archive").mkdir()
    with pytest.raises(InvalidInputError, match="cannot read NATS-Bench topology archive"):
        NB201TableTask(tmp_path / "empty-archive", ["cifar10_test_acc", "flops"], cache=False, trust_pickle=True)
