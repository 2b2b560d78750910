"""Tools to test samplers and plug-ins against lamoo's protocols, shipped with the package.

- :class:`SamplerConformance`: the conformance suite every sampler must pass; subclass it in a
  pytest module to check your own sampler (see :mod:`lamoo.testing.conformance`).
- :mod:`lamoo.testing.toys`: the small tasks and helpers it runs on.
- :func:`registered_entry_points` and :func:`write_entry_points`: entry points (a sampler, a
  task, a CLI plug-in) registered for the length of a test, as an installed package registers them.

Nothing here is imported by ``import lamoo``.
"""
from lamoo.testing.conformance import SamplerConformance
from lamoo.testing.plugins import registered_entry_points, write_entry_points
from lamoo.testing.toys import (CrashingToyTask, FiniteToyTask, HalfSpaceClassifier, MixedToyTask, SleepTask, ToyTask,
                                filled_archive, half_region)

__all__ = ["CrashingToyTask", "FiniteToyTask", "HalfSpaceClassifier", "MixedToyTask", "SamplerConformance", "SleepTask",
           "ToyTask", "filled_archive", "half_region", "registered_entry_points", "write_entry_points"]
