"""Train / validation / test splits of an :class:`~nas_tasks.training.data.ImageDataset`:
stratified, seeded, the same for every cell of a task; and class subsets of a dataset
(:func:`select_classes`, with the grammar of :func:`parse_classes`), for transfer settings such as
a backbone trained on digits 0-4 and transferred to digits 5-9."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from lamoo.checks import check_int, check_number
from lamoo.exceptions import InvalidInputError
from nas_tasks.training.data import ImageDataset


@dataclass
class Splits:
    """Train / validation / test splits of one dataset: ``(x, y)`` pairs of ``(n x c x h x w)``
    images and ``(n,)`` int64 labels (as in :class:`ImageDataset`); ``info`` describes how they
    were made (sizes, fractions, seed, the data's fingerprint)."""

    dataset: ImageDataset
    train: tuple[np.ndarray, np.ndarray]
    val: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    info: dict = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return self.dataset.num_classes

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return self.dataset.image_shape


def stratified_split(y: np.ndarray, fractions: tuple[float, ...], seed: int) -> list[np.ndarray]:
    """Split indices of ``y`` into parts of the given ``fractions`` (summing to 1) class by class."""
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[] for _ in fractions]
    cum = np.cumsum(fractions)
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        cuts = np.round(cum[:-1] * len(idx)).astype(int)
        for i, chunk in enumerate(np.split(idx, cuts)):
            parts[i].append(chunk)
    return [np.sort(np.concatenate(p)) for p in parts]


def make_splits(dataset: ImageDataset, val_fraction: float = 0.2, test_fraction: float = 0.2,
                max_train: int | None = None, max_eval: int | None = None, split_seed: int = 0) -> Splits:
    """Train / validation / test splits, stratified, the same for every cell.

    The validation split is ``val_fraction`` of the training images. A dataset without a test
    split (``digits``) also gives ``test_fraction`` of its images to the test split.
    ``max_train`` / ``max_eval`` cap the split sizes (a stratified subset), for quick runs.
    """
    _fraction(val_fraction, "val_fraction")
    _fraction(test_fraction, "test_fraction")
    check_int(split_seed, "split_seed", 0)
    x, y = dataset.x_train, dataset.y_train
    if dataset.x_test is None:
        if not 0 < test_fraction < 1 or val_fraction + test_fraction >= 1:
            raise InvalidInputError(f"test_fraction must be in (0, 1 - val_fraction), got {test_fraction!r}")
        tr, va, te = stratified_split(y, (1 - val_fraction - test_fraction, val_fraction, test_fraction), split_seed)
        test = (x[te], y[te])
    else:
        tr, va = stratified_split(y, (1 - val_fraction, val_fraction), split_seed)
        test = (dataset.x_test, dataset.y_test)
    train, val = (x[tr], y[tr]), (x[va], y[va])
    train = _cap(train, max_train, split_seed, "max_train")
    val = _cap(val, max_eval, split_seed + 1, "max_eval")
    test = _cap(test, max_eval, split_seed + 2, "max_eval")
    info = {"dataset": dataset.name, "n_train": len(train[1]), "n_val": len(val[1]), "n_test": len(test[1]),
            "val_fraction": val_fraction, "test_fraction": test_fraction if dataset.x_test is None else None,
            "max_train": max_train, "max_eval": max_eval, "split_seed": split_seed,
            "fingerprint": dataset.fingerprint()}
    return Splits(dataset, train, val, test, info)


def _fraction(value, name: str) -> None:
    """Raise unless ``value`` is a finite number strictly between 0 and 1."""
    try:
        ok = check_number(value, name, low=0, high=1, low_open=True) < 1
    except InvalidInputError:
        ok = False
    if not ok:
        raise InvalidInputError(f"{name} must be a finite number in (0, 1), got {value!r}")


def _cap(part: tuple[np.ndarray, np.ndarray], cap: int | None, seed: int, name: str):
    if cap is None or len(part[1]) <= check_int(cap, name, 2):
        return part
    idx = stratified_split(part[1], (cap / len(part[1]), 1 - cap / len(part[1])), seed)[0]
    return part[0][idx], part[1][idx]


def parse_classes(spec, num_classes: int | None = None) -> tuple[int, ...]:
    """Class indices from ``"0-4"``, ``"0,2,5-7"``, an int or a sequence of ints, in the order given
    (ranges ascending), each at most once and, when ``num_classes`` is given, in ``0 .. num_classes-1``.

    Raises:
        InvalidInputError: a malformed spec, a repeated or out-of-range class, an empty list.
    """
    if isinstance(spec, str):
        out: list[int] = []
        for part in (p.strip() for p in spec.split(",")):
            lo, dash, hi = part.partition("-")
            try:
                out.extend(range(int(lo), int(hi) + 1) if dash else [int(part)])
            except ValueError:
                raise InvalidInputError(f"classes must look like '0-4' or '0,2,5-7', got {spec!r}") from None
    else:
        items = [spec] if isinstance(spec, (int, np.integer)) else list(spec)
        out = [check_int(c, "class index", 0) for c in items]
    if not out or len(set(out)) != len(out) or min(out) < 0:
        raise InvalidInputError(f"classes must name distinct class indices >= 0, at least one, got {spec!r}")
    if num_classes is not None and max(out) >= num_classes:
        raise InvalidInputError(f"classes {spec!r} name class {max(out)}, but the dataset has classes 0 .. "
                                f"{num_classes - 1}")
    return tuple(int(c) for c in out)


def select_classes(dataset: ImageDataset, classes) -> ImageDataset:
    """The images of ``classes`` only (see :func:`parse_classes`), relabelled ``0 .. k'-1`` in the
    order given, with their class names; the name stays the dataset's (its fingerprint changes,
    since the labels do)."""
    keep = parse_classes(classes, dataset.num_classes)
    lut = np.full(dataset.num_classes, -1, dtype=np.int64)
    lut[list(keep)] = np.arange(len(keep))

    def subset(x, y):
        if x is None:
            return None, None
        rows = np.flatnonzero(lut[y] >= 0)
        return x[rows], lut[y[rows]]

    (xtr, ytr), (xte, yte) = subset(dataset.x_train, dataset.y_train), subset(dataset.x_test, dataset.y_test)
    return replace(dataset, x_train=xtr, y_train=ytr, x_test=xte, y_test=yte,
                   classes=tuple(dataset.classes[c] for c in keep))
