"""The toy tasks and helpers of :mod:`lamoo.testing.toys`, under the import path the tests and
benchmark specs use (``tests.toys:FiniteToyTask``)."""
from lamoo.testing.toys import (FiniteToyTask, HalfSpaceClassifier, MixedToyTask, ToyTask, filled_archive,
                                half_region)

__all__ = ["FiniteToyTask", "HalfSpaceClassifier", "MixedToyTask", "ToyTask", "filled_archive", "half_region"]
