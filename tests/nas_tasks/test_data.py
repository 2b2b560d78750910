"""Dataset loaders on tiny files written in the real on-disk formats."""
import gzip
import pickle

import numpy as np
import pytest

from nas_tasks.training.data import DatasetNotFoundError, load_dataset, read_idx
from nas_tasks.training.splits import make_splits
from lamoo.exceptions import InvalidInputError


def write_idx(path, arr, gz=False):
    code = {np.dtype(np.uint8): 0x08}[arr.dtype]
    header = bytes([0, 0, code, arr.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    data = header + arr.tobytes()
    if gz:
        with gzip.open(str(path) + ".gz", "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)


def test_digits_is_bundled():
    ds = load_dataset("digits")
    assert ds.x_train.shape == (1797, 1, 8, 8) and ds.num_classes == 10 and ds.x_test is None
    assert ds.x_train.max() * ds.scale == pytest.approx(1.0)


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_files(tmp_path, gz):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    xtr, ytr = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8), (np.arange(20) % 10).astype(np.uint8)
    xte, yte = rng.integers(0, 256, (10, 28, 28), dtype=np.uint8), (np.arange(10) % 10).astype(np.uint8)
    for name, a in (("train-images-idx3-ubyte", xtr), ("train-labels-idx1-ubyte", ytr),
                    ("t10k-images-idx3-ubyte", xte), ("t10k-labels-idx1-ubyte", yte)):
        write_idx(raw / name, a, gz)
    ds = load_dataset("mnist", tmp_path)
    assert ds.x_train.shape == (20, 1, 28, 28) and np.array_equal(ds.x_train[:, 0], xtr)
    assert np.array_equal(ds.y_test, yte) and ds.x_test.shape == (10, 1, 28, 28)


def test_read_idx_rejects_garbage(tmp_path):
    p = tmp_path / "bad"
    p.write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(InvalidInputError, match="idx"):
        read_idx(p)


def test_cifar10_and_100_pickles(tmp_path):
    rng = np.random.default_rng(1)
    c10 = tmp_path / "cifar-10-batches-py"
    c10.mkdir()
    for i in range(1, 6):
        with open(c10 / f"data_batch_{i}", "wb") as f:
            pickle.dump({b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), b"labels": [0, 1, 2, 3]}, f)
    with open(c10 / "test_batch", "wb") as f:
        pickle.dump({b"data": rng.integers(0, 256, (3, 3072), dtype=np.uint8), b"labels": [4, 5, 6]}, f)
    with open(c10 / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [n.encode() for n in "abcdefghij"]}, f)
    ds = load_dataset("cifar10", tmp_path)
    assert ds.x_train.shape == (20, 3, 32, 32) and ds.classes[0] == "a" and list(ds.y_test) == [4, 5, 6]

    c100 = tmp_path / "cifar-100-python"
    c100.mkdir()
    for name, n in (("train", 6), ("test", 2)):
        with open(c100 / name, "wb") as f:
            pickle.dump({b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), b"fine_labels": list(range(n)),
                         b"coarse_labels": [0] * n}, f)
    with open(c100 / "meta", "wb") as f:
        pickle.dump({b"fine_label_names": [f"c{i}".encode() for i in range(100)]}, f)
    ds = load_dataset("cifar100", tmp_path)
    assert ds.x_train.shape == (6, 3, 32, 32) and ds.num_classes == 100


def test_imagenet16_keeps_first_120_classes(tmp_path):
    folder = tmp_path / "ImageNet16"
    folder.mkdir()
    rng = np.random.default_rng(2)
    for name in [f"train_data_batch_{i}" for i in range(1, 11)] + ["val_data"]:
        with open(folder / name, "wb") as f:
            pickle.dump({"data": rng.integers(0, 256, (4, 768), dtype=np.uint8), "labels": [1, 120, 121, 1000]}, f)
    ds = load_dataset("imagenet16-120", tmp_path)
    assert ds.x_train.shape == (20, 3, 16, 16) and set(ds.y_train) == {0, 119}
    assert ds.num_classes == 120 and ds.classes[0] == "kit_fox"


def test_missing_files_are_named(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="data_batch_1"):
        load_dataset("cifar10", tmp_path)
    with pytest.raises(DatasetNotFoundError, match="train-images-idx3-ubyte"):
        load_dataset("mnist", tmp_path)
    with pytest.raises(DatasetNotFoundError, match="data_root"):
        load_dataset("cifar100")
    with pytest.raises(InvalidInputError, match="unknown dataset"):
        load_dataset("svhn")


def test_splits_are_stratified_disjoint_and_fixed():
    ds = load_dataset("digits")
    a = make_splits(ds, 0.2, 0.2, split_seed=0)
    b = make_splits(ds, 0.2, 0.2, split_seed=0)
    assert np.array_equal(a.val[1], b.val[1])
    n = len(a.train[1]) + len(a.val[1]) + len(a.test[1])
    assert n == 1797
    assert abs(len(a.val[1]) - 0.2 * 1797) <= 10
    assert set(np.bincount(a.val[1])) <= set(range(30, 42))  # every class about equally present
    capped = make_splits(ds, max_train=100, max_eval=50)
    assert len(capped.train[1]) <= 101 and len(capped.test[1]) <= 51


def test_a_class_subset_keeps_its_images_relabelled_in_the_order_given():
    from nas_tasks.training.splits import select_classes

    ds = load_dataset("digits")
    sub = select_classes(ds, "7,2")
    assert sub.classes == ("seven", "two") and sub.name == "digits" and sub.x_test is None
    assert len(sub.y_train) == int(((ds.y_train == 7) | (ds.y_train == 2)).sum())
    np.testing.assert_array_equal(sub.x_train[sub.y_train == 0], ds.x_train[ds.y_train == 7])
    assert sub.fingerprint() != ds.fingerprint()
    splits = make_splits(sub, max_eval=20)
    assert set(splits.val[1]) == {0, 1} and splits.num_classes == 2
    with pytest.raises(InvalidInputError, match="name class 10, but the dataset has classes 0 .. 9"):
        select_classes(ds, "8-10")
