"""Damaged or wrong tables and dataset files: each gets a LamooError naming the file and what was
expected, never a traceback from pandas, gzip or pickle (issue 14)."""
import gzip
import pickle

import numpy as np
import pytest

from lamoo.exceptions import InvalidInputError, LamooError
from nas_tasks import NB201TableTask
from nas_tasks.safe_load import BadFileError, UnsafePickleError
from nas_tasks.training.data import load_dataset, read_idx
from nas_tasks.training.splits import make_splits
from tests.nas_tasks.fake_benchmarks import synthetic_frame
from tests.nas_tasks.test_data import write_idx
from tests.nas_tasks.test_safe_load import MakesAFolder

OBJECTIVES = ["cifar10_test_acc", "energy_mj"]


# ------------------------------------------------------------------ tables
@pytest.mark.parametrize("name, content, match", [
    ("t.csv", b"arch,cifar10_test_acc,energy_mj\n", r"t\.csv' has no rows: expected one row per architecture"),
    ("t.csv", b"", r"t\.csv' is empty: expected comma-separated UTF-8 text with a header line"),
    ("t.csv", bytes(range(256)) * 4, r"t\.csv' is not a readable CSV table"),
    ("t.csv", b"arch,cifar10_test_acc\n\xff\xfe\xfa,1\n", r"t\.csv' is not a readable CSV table.*UnicodeDecodeError"),
    ("t.csv.gz", b"not gzip at all", r"t\.csv\.gz' is not a readable CSV table"),
    ("t.parquet", b"PAR1 but not parquet", r"t\.parquet' is not a readable Parquet file"),
])
def test_unreadable_tables_are_named(tmp_path, name, content, match):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BadFileError, match=match) as info:
        NB201TableTask(path, OBJECTIVES)
    assert isinstance(info.value, InvalidInputError)


def test_a_bad_cell_is_quoted_with_its_row():
    frame = synthetic_frame(20)
    frame["cifar10_test_acc"] = frame["cifar10_test_acc"].astype(object)
    frame.loc[13, "cifar10_test_acc"] = "n/a"
    frame.loc[17, "cifar10_test_acc"] = "?"
    with pytest.raises(InvalidInputError, match=r"'cifar10_test_acc' .* is not numeric: row 13 holds 'n/a' "
                                                r"\(dtype object; 2 such rows, e.g. rows \[13, 17\]\)"):
        NB201TableTask(frame, OBJECTIVES)
    flags = synthetic_frame(20).assign(energy_mj=True)
    with pytest.raises(InvalidInputError, match="'energy_mj' .* is not numeric: it holds True/False values"):
        NB201TableTask(flags, OBJECTIVES)


def test_a_constant_objective_is_named_when_no_reference_point_was_given():
    frame = synthetic_frame(20).assign(energy_mj=3.0)
    with pytest.raises(InvalidInputError, match=r"objective 'energy_mj' is constant in table .*every cell has 3\. "
                                                r"A constant objective cannot be traded off") as info:
        NB201TableTask(frame, OBJECTIVES)
    assert "cannot be dominated" not in str(info.value)
    task = NB201TableTask(frame, OBJECTIVES, ref_point=[10.0, 4.0])  # the user's choice stands
    assert task.max_hypervolume > 0


def test_accuracies_below_random_guessing_are_explained():
    frame = synthetic_frame(20).assign(cifar10_test_acc=lambda f: f["cifar10_test_acc"] / 20)  # all below 10%
    with pytest.raises(InvalidInputError, match=r"'cifar10_test_acc': its default reference point is random-guess "
                                                r"accuracy, 10 for 10 classes, but no cell"):
        NB201TableTask(frame, OBJECTIVES)


@pytest.mark.parametrize("kwargs, match", [
    ({"table": 42}, "table must be a path"),
    ({"cache": "no"}, "cache must be True or False, got 'no'"),
])
def test_table_arguments_are_checked(tmp_path, kwargs, match):
    path = tmp_path / "t.csv"
    synthetic_frame(20).to_csv(path, index=False)
    with pytest.raises(InvalidInputError, match=match):
        NB201TableTask(**{"table": path, "objectives": OBJECTIVES, **kwargs})


# ------------------------------------------------------------------ MNIST
def _mnist(folder, n_images=20, n_labels=20, labels=None, gz=False):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    y = (np.arange(n_labels) % 10).astype(np.uint8) if labels is None else np.asarray(labels, dtype=np.uint8)
    for name, a in (("train-images-idx3-ubyte", rng.integers(0, 256, (n_images, 28, 28), dtype=np.uint8)),
                    ("train-labels-idx1-ubyte", y),
                    ("t10k-images-idx3-ubyte", rng.integers(0, 256, (10, 28, 28), dtype=np.uint8)),
                    ("t10k-labels-idx1-ubyte", (np.arange(10) % 10).astype(np.uint8))):
        write_idx(folder / name, a, gz)
    return folder


def test_mnist_images_and_labels_must_pair_up(tmp_path):
    _mnist(tmp_path, n_images=50, n_labels=40)
    with pytest.raises(BadFileError, match=r"train-images-idx3-ubyte' holds 50 images but .*train-labels-idx1-ubyte' "
                                           r"holds 40 labels"):
        load_dataset("mnist", tmp_path)


def test_mnist_labels_must_be_classes(tmp_path):
    _mnist(tmp_path, labels=[3] * 19 + [12])
    with pytest.raises(BadFileError, match=r"train-labels-idx1-ubyte': label 12 \(entry 19\) is outside 0..9"):
        load_dataset("mnist", tmp_path)


def test_a_non_gzip_mnist_file_is_named(tmp_path):
    _mnist(tmp_path, gz=True)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"plain bytes, not gzip")
    with pytest.raises(BadFileError, match=r"train-images-idx3-ubyte\.gz' is not a readable gzip-compressed idx file.*"
                                           r"BadGzipFile"):
        load_dataset("mnist", tmp_path)


@pytest.mark.parametrize("data, match", [
    (bytes([0, 0, 8, 3, 0, 0]), "announces 3 dimensions but the file ends after 6 bytes"),
    (bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]), r"says shape \(5,\) \(5 values\) but the file holds 2"),
    (bytes([0, 0, 8, 1, 255, 255, 255, 255]), r"says shape \(4294967295,\)"),
    (bytes([0, 0, 0x42, 1]), "unknown idx data type 0x42"),
])
def test_truncated_idx_files_are_named(tmp_path, data, match):
    path = tmp_path / "f-idx1-ubyte"
    path.write_bytes(data)
    with pytest.raises(BadFileError, match=match):
        read_idx(path)
    gz = tmp_path / "g-idx1-ubyte.gz"
    gz.write_bytes(gzip.compress(data)[:-3])  # cut short: the gzip stream itself is damaged
    with pytest.raises(BadFileError, match=r"g-idx1-ubyte\.gz' is not a readable gzip-compressed idx file"):
        read_idx(gz)


# ------------------------------------------------------------------ CIFAR / ImageNet16 pickles
def _cifar10(root, batch=None, meta=None):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    good = {b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), b"labels": [0, 1, 2, 3]}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (folder / name).write_bytes(pickle.dumps(good, protocol=2))
    if batch is not None:
        (folder / "data_batch_3").write_bytes(pickle.dumps(batch, protocol=2))
    if meta is not None:
        (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return folder


@pytest.mark.parametrize("batch, match", [
    ([1, 2, 3], "data_batch_3' is not a CIFAR-10 batch .*expected a pickled dict, got list"),
    ({b"data": np.zeros((2, 3072), np.uint8)}, r"data_batch_3' is not a CIFAR-10 batch .*no 'labels' entry"),
    ({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, r"'data' must be an n x 3072 array"),
    ({b"data": np.full((2, 3072), 300), b"labels": [0, 1]}, r"pixel values must lie in 0..255, got 300..300"),
    ({b"data": "pixels", b"labels": [0, 1]}, r"'data' must be an n x 3072 array .* got str"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, "holds 2 images but 1 labels"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]}, r"label 10 \(entry 1\) is outside 0..9"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": ["cat", "dog"]}, "labels must be a list of integers"),
])
def test_corrupt_cifar_batches_are_named(tmp_path, batch, match):
    _cifar10(tmp_path, batch=batch)
    with pytest.raises(BadFileError, match=match):
        load_dataset("cifar10", tmp_path)


def test_cifar_class_names_are_checked(tmp_path):
    _cifar10(tmp_path, meta={b"label_names": [b"a"] * 9})
    with pytest.raises(BadFileError, match=r"batches.meta': 'label_names' must be a list of 10 class names, got list "
                                           r"of length 9"):
        load_dataset("cifar10", tmp_path)


def test_a_cifar_pickle_with_code_is_refused(tmp_path):
    target = tmp_path / "pwned"
    _cifar10(tmp_path, batch={b"data": np.zeros((1, 3072), np.uint8), b"labels": MakesAFolder(target)})
    with pytest.raises(UnsafePickleError, match=r"data_batch_3' is not a safe CIFAR-10 batch"):
        load_dataset("cifar10", tmp_path)
    assert not target.exists()


def test_numpy_1_cifar_pickles_still_load(tmp_path):
    """The official CIFAR files are Python 2 pickles naming numpy.core.multiarray."""
    folder = _cifar10(tmp_path)
    for f in folder.iterdir():
        f.write_bytes(f.read_bytes().replace(b"numpy._core.multiarray", b"numpy.core.multiarray"))
    ds = load_dataset("cifar10", tmp_path)
    assert ds.x_train.shape == (20, 3, 32, 32) and ds.y_test.tolist() == [0, 1, 2, 3]


def test_imagenet16_labels_must_be_1_to_1000(tmp_path):
    folder = tmp_path / "ImageNet16"
    folder.mkdir()
    for name in [f"train_data_batch_{i}" for i in range(1, 11)] + ["val_data"]:
        labels = [1, 2] if name != "train_data_batch_4" else [0, 2]
        (folder / name).write_bytes(pickle.dumps({"data": np.zeros((2, 768), np.uint8), "labels": labels}))
    with pytest.raises(BadFileError, match=r"train_data_batch_4': label 0 \(entry 0\) is outside 1..1000"):
        load_dataset("imagenet16-120", tmp_path)


# ------------------------------------------------------------------ splits and threads
@pytest.mark.parametrize("kwargs, match", [
    ({"val_fraction": "x"}, "val_fraction must be a finite number in \\(0, 1\\), got 'x'"),
    ({"val_fraction": 1}, "val_fraction must be a finite number in \\(0, 1\\), got 1"),
    ({"test_fraction": float("nan")}, "test_fraction must be a finite number"),
    ({"max_train": "all"}, "max_train must be an integer >= 2, got 'all'"),
    ({"split_seed": -1}, "split_seed must be an integer >= 0, got -1"),
])
def test_make_splits_checks_its_arguments(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        make_splits(load_dataset("digits"), **kwargs)


@pytest.mark.parametrize("n", [0, -3, 2.0, True])
def test_thread_counts_below_one_are_refused(n):
    pytest.importorskip("torch")
    from nas_tasks.training.device import set_threads

    with pytest.raises(InvalidInputError, match=f"num_threads must be an integer >= 1, got {n!r}"):
        set_threads(n)


def test_all_these_errors_are_lamoo_errors():
    assert issubclass(BadFileError, LamooError) and issubclass(UnsafePickleError, BadFileError)


# ------------------------------------------------------------------ arguments of the NAS tasks
def test_table_task_arguments_and_queries():
    frame = synthetic_frame(20)
    with pytest.raises(InvalidInputError, match="hp must be a training schedule such as '200' or '12'.*got None"):
        NB201TableTask(frame, OBJECTIVES, hp=None)
    twice = frame.rename(columns={"energy_mj": "cifar10_test_acc"})
    with pytest.raises(InvalidInputError, match="has 2 columns named 'cifar10_test_acc'"):
        NB201TableTask(twice, ["cifar10_test_acc", "latency_ms_dev"])
    task = NB201TableTask(frame, OBJECTIVES)
    with pytest.raises(InvalidInputError, match=r"X \(n x 6 cell codes, one per edge\) must be a numeric array"):
        task.evaluate([["a"] * 6])


@pytest.mark.parametrize("make, match", [
    (lambda c: c.DataConfig(data_root=5), "data_root must be a folder path"),
    (lambda c: c.ExecutionConfig(cache_dir=5), "cache_dir must be a folder path"),
    (lambda c: c.ExecutionConfig(device=5), "device must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device, got 5"),
    (lambda c: c.ExecutionConfig(ray_address=5), r"ray_address must be a string \('auto'"),
])
def test_training_configs_refuse_wrong_types(make, match):
    from nas_tasks.training import config

    with pytest.raises(InvalidInputError, match=match):
        make(config)


def test_dataset_and_cost_arguments():
    with pytest.raises(InvalidInputError, match="data_root must be a folder path .* got 5"):
        load_dataset("mnist", 5)
    from nas_tasks.nb201.cost import params_flops

    with pytest.raises(InvalidInputError, match="input_size must be an integer >= 1, got 0"):
        params_flops([[0] * 6], input_size=0, cache=False)
    with pytest.raises(InvalidInputError, match="channels must be an integer >= 1, got 8.5"):
        params_flops([[0] * 6], channels=8.5, cache=False)


@pytest.mark.parametrize("objectives, options, match", [
    (["accuracy"], 5, r"objective_options must be a dict \{objective name: \{option: value\}\}, got 5"),
    (["robustness"], {"robustness": {"temperature": float("inf")}}, "robustness temperature must be a finite number"),
    (["robustness"], {"robustness": {"epsilon": -1}}, "robustness epsilon must be a finite number >= 0, got -1"),
    (["introspectability"], {"introspectability": {"group_by": 5}}, "introspectability group_by must be one of"),
    (["introspectability"], {"introspectability": {"layers": 3}}, "introspectability layers must be 'all'"),
])
def test_objective_options_are_checked_when_the_task_is_made(objectives, options, match):
    pytest.importorskip("torch")
    from nas_tasks.objectives import build_objectives

    with pytest.raises(InvalidInputError, match=match):
        build_objectives(objectives, options)
