"""Samplers by name, for the CLI and the benchmarks."""
from __future__ import annotations

import importlib

from lamoo.exceptions import InvalidInputError
from lamoo.sampler import Sampler

# name -> (module, class, fixed keyword arguments); modules load lazily
SAMPLERS: dict[str, tuple[str, str, dict]] = {
    "random": ("samplers.random", "RandomSampler", {}),
}


def list_samplers() -> list[str]:
    return sorted(SAMPLERS)


def get_sampler(name: str, **kwargs) -> Sampler:
    """A sampler by name (see :func:`list_samplers`), built with ``kwargs``."""
    if name not in SAMPLERS:
        raise InvalidInputError(f"unknown sampler {name!r}; available: {', '.join(list_samplers())}")
    module, cls, fixed = SAMPLERS[name]
    return getattr(importlib.import_module(module), cls)(**fixed, **kwargs)
