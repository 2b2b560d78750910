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
import math
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lamoo.exceptions import InvalidInputError, LamooError
from nas_tasks.safe_load import BadFileError, load_pickle

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
    if not isinstance(data_root, (str, os.PathLike)):
        raise InvalidInputError(f"data_root must be a folder path (str or os.PathLike), got {data_root!r}")
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
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path) -> np.ndarray:
    """Read an idx file (optionally gzip-compressed): the format of the MNIST files. Raises
    :class:`~nas_tasks.safe_load.BadFileError` naming the file when it is not one."""
    expected = "idx file (the MNIST format: 0, 0, a type code, the number of dimensions, then sizes and values)"
    try:
        if str(path).endswith(".gz"):
            with gzip.open(path, "rb") as f:
                data = f.read()
        else:
            data = Path(path).read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        raise BadFileError(f"{str(path)!r} is not a readable {'gzip-compressed ' * str(path).endswith('.gz')}"
                           f"{expected}: {type(exc).__name__}: {exc}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise BadFileError(f"{str(path)!r} is not an {expected}: bad magic number")
    dtype = _IDX_DTYPES.get(data[2])
    if dtype is None:
        raise BadFileError(f"{str(path)!r}: unknown idx data type 0x{data[2]:02x}; expected one of "
                           f"{', '.join(f'0x{c:02x}' for c in _IDX_DTYPES)}")
    ndim = data[3]
    offset = 4 + 4 * ndim
    if len(data) < offset:
        raise BadFileError(f"{str(path)!r}: the idx header announces {ndim} dimensions but the file ends after "
                           f"{len(data)} bytes")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    itemsize = np.dtype(dtype).itemsize
    if (len(data) - offset) != math.prod(shape) * itemsize:
        raise BadFileError(f"{str(path)!r}: the idx header says shape {shape} ({math.prod(shape)} values) but the "
                           f"file holds {(len(data) - offset) / itemsize:g}")
    return np.frombuffer(data, dtype=dtype, offset=offset).reshape(shape)


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
    train = _mnist_pair(xtr, ytr, paths[0], paths[1], len(classes))
    test = _mnist_pair(xte, yte, paths[2], paths[3], len(classes))
    return ImageDataset(variant, *train, *test, classes)


def _mnist_pair(x: np.ndarray, y: np.ndarray, x_path: Path, y_path: Path, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(n x 1 x h x w)`` uint8 and labels ``(n,)`` int64 from one images/labels pair of idx files."""
    if x.dtype != np.uint8 or x.ndim != 3 or min(x.shape) == 0:
        raise BadFileError(f"{str(x_path)!r} must hold n x h x w unsigned bytes (type 0x08), got {x.ndim} dimensions "
                           f"of shape {x.shape} and type {x.dtype}")
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise BadFileError(f"{str(y_path)!r} must hold one integer label per image, got shape {y.shape} of type {y.dtype}")
    if len(x) != len(y):
        raise BadFileError(f"{str(x_path)!r} holds {len(x)} images but {str(y_path)!r} holds {len(y)} labels")
    return x[:, None].copy(), _labels(y, k, y_path)


def _labels(y, k: int, path: Path, offset: int = 0) -> np.ndarray:
    """``y - offset`` as int64 labels, checked to lie in ``0 .. k-1``."""
    try:
        y = np.asarray(y)
    except (TypeError, ValueError) as exc:
        raise BadFileError(f"{str(path)!r}: the labels are not a list of integers: {exc}") from None
    if y.ndim != 1 or (y.size and y.dtype.kind not in "iu"):
        raise BadFileError(f"{str(path)!r}: the labels must be a list of integers, got shape {y.shape} of type {y.dtype}")
    y = y.astype(np.int64) - offset
    bad = np.flatnonzero((y < 0) | (y >= k))
    if len(bad):
        raise BadFileError(f"{str(path)!r}: label {int(y[bad[0]]) + offset} (entry {bad[0]}) is outside "
                           f"{offset}..{k - 1 + offset}, the dataset's {k} classes")
    return y


# ---------------------------------------------------------------------------------------- CIFAR
def _unpickle(path: Path, what: str, keys: tuple[str, ...]) -> dict:
    """A dataset batch pickled as a dict, read with the restricted unpickler (NumPy arrays,
    lists, numbers, strings only: :mod:`nas_tasks.safe_load`); keys as str."""
    d = load_pickle(path, what, encoding="bytes")
    if not isinstance(d, dict):
        raise BadFileError(f"{str(path)!r} is not a {what}: expected a pickled dict, got {type(d).__name__}")
    d = {(k.decode("latin-1") if isinstance(k, bytes) else k): v for k, v in d.items()}
    missing = [k for k in keys if k not in d]
    if missing:
        raise BadFileError(f"{str(path)!r} is not a {what}: it has no {', '.join(map(repr, missing))} entry "
                           f"(keys: {sorted(map(str, d))[:10]})")
    return d


def _require(folder: Path, names: list[str], what: str) -> None:
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise DatasetNotFoundError(f"{what}: missing {', '.join(missing)} in {folder} "
                                   f"(expected the python pickles as torchvision extracts them)")


def _batch(path: Path, what: str, label_key: str, size: int, k: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(n x 3 x size x size)`` uint8 and labels ``(n,)`` of one pickled batch, checked."""
    d = _unpickle(path, what, ("data", label_key))
    x = d["data"]
    per_image = 3 * size * size
    if not isinstance(x, np.ndarray) or x.dtype.kind not in "iu" or x.ndim != 2 or x.shape[1] != per_image:
        raise BadFileError(f"{str(path)!r}: 'data' must be an n x {per_image} array of pixel values 0..255 "
                           f"(3 x {size} x {size} images), got "
                           + (f"shape {x.shape} of type {x.dtype}" if isinstance(x, np.ndarray) else type(x).__name__))
    if x.dtype != np.uint8:
        if x.size and (x.min() < 0 or x.max() > 255):
            raise BadFileError(f"{str(path)!r}: pixel values must lie in 0..255, got {x.min()}..{x.max()}")
        x = x.astype(np.uint8)
    y = _labels(d[label_key], k, path, offset)
    if len(y) != len(x):
        raise BadFileError(f"{str(path)!r} holds {len(x)} images but {len(y)} labels")
    return x.reshape(-1, 3, size, size), y


def _class_names(path: Path, what: str, key: str, k: int) -> tuple[str, ...]:
    names = _unpickle(path, what, (key,))[key]
    if not isinstance(names, (list, tuple)) or len(names) != k or not all(isinstance(n, (str, bytes)) for n in names):
        raise BadFileError(f"{str(path)!r}: {key!r} must be a list of {k} class names, got {type(names).__name__}"
                           + (f" of length {len(names)}" if isinstance(names, (list, tuple)) else ""))
    return tuple(n.decode("utf-8", "replace") if isinstance(n, bytes) else n for n in names)


def load_cifar10(root: Path) -> ImageDataset:
    folder = root / "cifar-10-batches-py"
    train_files = [f"data_batch_{i}" for i in range(1, 6)]
    _require(folder, train_files + ["test_batch"], "cifar10")
    what = "CIFAR-10 batch (python version)"
    parts = [_batch(folder / f, what, "labels", 32, 10) for f in train_files]
    xte, yte = _batch(folder / "test_batch", what, "labels", 32, 10)
    classes = CIFAR10_CLASSES
    if (folder / "batches.meta").is_file():
        classes = _class_names(folder / "batches.meta", "CIFAR-10 batches.meta", "label_names", 10)
    return ImageDataset("cifar10", np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts]),
                        xte, yte, classes)


def load_cifar100(root: Path) -> ImageDataset:
    folder = root / "cifar-100-python"
    _require(folder, ["train", "test", "meta"], "cifar100")
    what = "CIFAR-100 file (python version)"
    xtr, ytr = _batch(folder / "train", what, "fine_labels", 32, 100)
    xte, yte = _batch(folder / "test", what, "fine_labels", 32, 100)
    classes = _class_names(folder / "meta", "CIFAR-100 meta file", "fine_label_names", 100)
    return ImageDataset("cifar100", xtr, ytr, xte, yte, classes)


# ---------------------------------------------------------------------------------------- ImageNet16-120
def load_imagenet16(root: Path, num_classes: int = 120) -> ImageDataset:
    from nas_tasks.objectives.wordnet_maps import IMAGENET16_120_CLASSES

    folder = root / "ImageNet16" if (root / "ImageNet16").is_dir() else root
    train_files = [f"train_data_batch_{i}" for i in range(1, 11)]
    _require(folder, train_files + ["val_data"], "imagenet16-120")

    def read(files):
        xs, ys = [], []
        for f in files:  # labels are 1-based, 1..1000; the first num_classes are kept
            x, y = _batch(folder / f, "ImageNet16 batch", "labels", 16, 1000, offset=1)
            keep = y < num_classes
            xs.append(x[keep])
            ys.append(y[keep])
        return np.concatenate(xs), np.concatenate(ys)

    xtr, ytr = read(train_files)
    xte, yte = read(["val_data"])
    return ImageDataset("imagenet16-120", xtr, ytr, xte, yte, tuple(IMAGENET16_120_CLASSES[:num_classes]))
