"""The datasets NAS-Bench-201 / NATS-Bench report on: input size, class count, column prefix."""
from __future__ import annotations

from dataclasses import dataclass

from lamoo.exceptions import InvalidInputError


@dataclass(frozen=True)
class DatasetSpec:
    """``name`` as the benchmarks spell it; images are ``input_size x input_size``;
    ``prefix`` starts the names of the dataset's metric columns (``cifar10_test_acc``)."""

    name: str
    input_size: int
    num_classes: int

    @property
    def prefix(self) -> str:
        return column_prefix(self.name)

    @property
    def random_guess_accuracy(self) -> float:
        """Accuracy of guessing uniformly, in percent (``100 / num_classes``)."""
        return 100.0 / self.num_classes


DATASETS: dict[str, DatasetSpec] = {d.name: d for d in (
    DatasetSpec("cifar10", 32, 10),
    DatasetSpec("cifar10-valid", 32, 10),
    DatasetSpec("cifar100", 32, 100),
    DatasetSpec("ImageNet16-120", 16, 120),
)}


def column_prefix(name: str) -> str:
    """``"ImageNet16-120" -> "imagenet16_120"``: lower case, ``-`` replaced by ``_``."""
    return name.lower().replace("-", "_")


_BY_PREFIX = {column_prefix(n): d for n, d in DATASETS.items()}


def get_dataset(name: str) -> DatasetSpec:
    """The spec of a known dataset, matched case-insensitively with ``-`` and ``_`` equivalent."""
    spec = _BY_PREFIX.get(column_prefix(str(name)))
    if spec is None:
        raise InvalidInputError(
            f"unknown dataset {name!r}; known: {', '.join(DATASETS)} (for another dataset give num_classes "
            f"and input_size)")
    return spec


def dataset_of_column(column: str) -> DatasetSpec | None:
    """The dataset a metric column is about, from its prefix (``cifar100_test_acc`` ->
    cifar100; the longest matching prefix wins), or None."""
    col = column.lower().replace("-", "_")
    best = None
    for prefix, spec in _BY_PREFIX.items():
        if (col == prefix or col.startswith(prefix + "_")) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, spec)
    return None if best is None else best[1]
