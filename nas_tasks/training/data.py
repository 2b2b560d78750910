"""Image classification datasets for training NAS cells, loaded from local files only.

Every loader returns an :class:`ImageDataset`: images as an ``(n x c x h x w)`` array (uint8, or
float32 for ``digits``) with integer labels ``0 .. k-1``, an official test set where the dataset
has one, and the class names. Nothing is ever downloaded: a missing file raises
:class:`DatasetNotFoundError` naming the files expected under ``data_root``.

Supported (``name`` -> files under ``data_root``):

- ``digits``: scikit-learn's bundled 8x8 digits (no files; 1797 images, 10 classes, 1 channel).
- ``mnist`` / ``fashion-mnist``: torchvision's raw idx files ``train-images-idx3-ubyte``,
  ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte`` (each may
  be ``.gz``), in ``data_root``, ``data_root/MNIST/raw`` (``FashionMNIST/raw``) or ``data_root/raw``.
- ``cifar10``: ``cifar-10-batches-py/`` (``data_batch_1..5``, ``test_batch``, ``batches.meta``),
  the python pickles as torchvision extracts them.
- ``cifar100``: ``cifar-100-python/`` (``train``, ``test``, ``meta``), fine labels.
- ``imagenet16-120``: ``ImageNet16/`` (or ``data_root`` itself) with ``train_data_batch_1..10``
  and ``val_data``, the pickled batches of the down-sampled ImageNet 16x16 (labels 1..1000); the
  120 first classes are kept, as NAS-Bench-201 does.

The train / validation / test splits of a dataset are made in :mod:`nas_tasks.training.splits`.
"""
from __future__ import annotations

import gzip
import hashlib
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lamoo.exceptions import InvalidInputError, LamooError

DATASETS = ("digits", "mnist", "fashion-mnist", "cifar10", "cifar100", "imagenet16-120")
_ALIASES = {"cifar-10": "cifar10", "cifar-100": "cifar100", "imagenet16": "imagenet16-120",
            "imagenet16_120": "imagenet16-120", "imagenet-16-120": "imagenet16-120", "fashion_mnist": "fashion-mnist",
            "fmnist": "fashion-mnist"}

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
DIGIT_CLASSES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
FASHION_CLASSES = ("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
                   "ankle_boot")


class DatasetNotFoundError(LamooError, FileNotFoundError):
    """A dataset's files are not where they were expected (nothing is downloaded)."""


@dataclass
class ImageDataset:
    """Images and labels of one dataset.

    Attributes:
        name: canonical dataset name.
        x_train, y_train: ``(n x c x h x w)`` images and ``(n,)`` int64 labels.
        x_test, y_test: the official test split, or ``None`` when the dataset has none.
        classes: ``k`` class names; labels are ``0 .. k-1``.
        scale: multiply the stored pixel values by this to get intensities in ``[0, 1]``.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray | None
    y_test: np.ndarray | None
    classes: tuple[str, ...]
    scale: float = 1.0 / 255.0

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])

    def fingerprint(self) -> str:
        """A short hash of the labels, shapes and name: identifies the data in cache keys."""
        h = hashlib.sha256(self.name.encode())
        for a in (self.y_train, self.y_test):
            if a is not None:
                h.update(np.ascontiguousarray(a, dtype=np.int64).tobytes())
        h.update(repr((self.x_train.shape, None if self.x_test is None else self.x_test.shape)).encode())
        h.update(np.ascontiguousarray(self.x_train[:64]).tobytes())
        return h.hexdigest()[:16]


def canonical_name(name: str) -> str:
    key = str(name).lower()
    key = _ALIASES.get(key, key)
    if key not in DATASETS:
        raise InvalidInputError(f"unknown dataset {name!r}; available: {', '.join(DATASETS)}")
    return key


def load_dataset(name: str, data_root=None) -> ImageDataset:
    """Load dataset ``name`` (see the module docstring) from ``data_root``; never downloads."""
    key = canonical_name(name)
    if key == "digits":
        return load_digits()
    if data_root is None:
        raise DatasetNotFoundError(f"dataset {key!r} is read from files: pass data_root (the folder holding them); "
                                   f"nothing is downloaded")
    root = Path(data_root).expanduser()
    if not root.is_dir():
        raise DatasetNotFoundError(f"data_root {str(root)!r} is not a folder")
    return {"mnist": lambda r: load_mnist(r, "mnist"), "fashion-mnist": lambda r: load_mnist(r, "fashion-mnist"),
            "cifar10": load_cifar10, "cifar100": load_cifar100, "imagenet16-120": load_imagenet16}[key](root)


def load_digits() -> ImageDataset:
    """scikit-learn's bundled 8x8 digits: 1797 grey images with values 0..16, no test split."""
    from sklearn.datasets import load_digits as sk_digits

    d = sk_digits()
    x = d.images.astype(np.float32)[:, None]  # (1797, 1, 8, 8)
    return ImageDataset("digits", x, d.target.astype(np.int64), None, None, DIGIT_CLASSES, scale=1.0 / 16.0)


# ---------------------------------------------------------------------------------------- MNIST
_MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte")


def read_idx(path: Path) -> np.ndarray:
    """Read an idx file (optionally gzip-compressed): the format of the MNIST files."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise InvalidInputError(f"{path} is not an idx file (bad magic number)")
    dtype = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}.get(data[2])
    if dtype is None:
        raise InvalidInputError(f"{path}: unknown idx data type 0x{data[2]:02x}")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    arr = np.frombuffer(data, dtype=dtype, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(shape)):
        raise InvalidInputError(f"{path}: header says shape {shape} but holds {arr.size} values")
    return arr.reshape(shape)


def _find(root: Path, folders: list[str], name: str) -> Path | None:
    for folder in folders:
        for suffix in ("", ".gz"):
            p = root / folder / (name + suffix)
            if p.is_file():
                return p
    return None


def load_mnist(root: Path, variant: str = "mnist") -> ImageDataset:
    sub = "MNIST" if variant == "mnist" else "FashionMNIST"
    folders = [".", f"{sub}/raw", "raw", sub]
    paths = [_find(root, folders, f) for f in _MNIST_FILES]
    if any(p is None for p in paths):
        missing = [f for f, p in zip(_MNIST_FILES, paths) if p is None]
        raise DatasetNotFoundError(
            f"{variant}: missing {', '.join(missing)} (each optionally .gz) under {root} "
            f"(looked in {', '.join(str(root / f) for f in folders)})")
    xtr, ytr, xte, yte = (read_idx(p) for p in paths)
    classes = DIGIT_CLASSES if variant == "mnist" else FASHION_CLASSES
    return ImageDataset(variant, xtr[:, None].astype(np.uint8), ytr.astype(np.int64), xte[:, None].astype(np.uint8),
                        yte.astype(np.int64), classes)


# ---------------------------------------------------------------------------------------- CIFAR
def _unpickle(path: Path) -> dict:
    # These are the datasets' own pickle files: only point data_root at files you trust.
    with open(path, "rb") as f:
        d = pickle.load(f, encoding="bytes")
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in d.items()}


def _require(folder: Path, names: list[str], what: str) -> None:
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise DatasetNotFoundError(f"{what}: missing {', '.join(missing)} in {folder} "
                                   f"(expected the python pickles as torchvision extracts them)")


def _cifar_images(d: dict) -> np.ndarray:
    return np.asarray(d["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)


def load_cifar10(root: Path) -> ImageDataset:
    folder = root / "cifar-10-batches-py"
    train_files = [f"data_batch_{i}" for i in range(1, 6)]
    _require(folder, train_files + ["test_batch"], "cifar10")
    parts = [_unpickle(folder / f) for f in train_files]
    test = _unpickle(folder / "test_batch")
    classes = CIFAR10_CLASSES
    if (folder / "batches.meta").is_file():
        meta = _unpickle(folder / "batches.meta")
        classes = tuple(n.decode() if isinstance(n, bytes) else n for n in meta["label_names"])
    return ImageDataset("cifar10", np.concatenate([_cifar_images(p) for p in parts]),
                        np.concatenate([np.asarray(p["labels"], dtype=np.int64) for p in parts]),
                        _cifar_images(test), np.asarray(test["labels"], dtype=np.int64), classes)


def load_cifar100(root: Path) -> ImageDataset:
    folder = root / "cifar-100-python"
    _require(folder, ["train", "test", "meta"], "cifar100")
    train, test, meta = (_unpickle(folder / f) for f in ("train", "test", "meta"))
    classes = tuple(n.decode() if isinstance(n, bytes) else n for n in meta["fine_label_names"])
    return ImageDataset("cifar100", _cifar_images(train), np.asarray(train["fine_labels"], dtype=np.int64),
                        _cifar_images(test), np.asarray(test["fine_labels"], dtype=np.int64), classes)


# ---------------------------------------------------------------------------------------- ImageNet16-120
def load_imagenet16(root: Path, num_classes: int = 120) -> ImageDataset:
    from nas_tasks.objectives.wordnet_maps import IMAGENET16_120_CLASSES

    folder = root / "ImageNet16" if (root / "ImageNet16").is_dir() else root
    train_files = [f"train_data_batch_{i}" for i in range(1, 11)]
    _require(folder, train_files + ["val_data"], "imagenet16-120")

    def read(files):
        xs, ys = [], []
        for f in files:
            d = _unpickle(folder / f)
            y = np.asarray(d["labels"], dtype=np.int64)
            keep = (y >= 1) & (y <= num_classes)  # labels are 1-based
            xs.append(np.asarray(d["data"], dtype=np.uint8).reshape(-1, 3, 16, 16)[keep])
            ys.append(y[keep] - 1)
        return np.concatenate(xs), np.concatenate(ys)

    xtr, ytr = read(train_files)
    xte, yte = read(["val_data"])
    return ImageDataset("imagenet16-120", xtr, ytr, xte, yte, tuple(IMAGENET16_120_CLASSES[:num_classes]))
