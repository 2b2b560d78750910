"""Samplers by name, for the CLI and the benchmarks."""
from __future__ import annotations

import importlib

from lamoo.exceptions import InvalidInputError
from lamoo.sampler import Sampler

# name -> (module, class, fixed keyword arguments); modules load lazily
SAMPLERS: dict[str, tuple[str, str, dict]] = {
    "random": ("samplers.random", "RandomSampler", {}),
    "qehvi": ("samplers.qehvi", "QEHVISampler", {"acquisition": "qehvi"}),
    "qlogehvi": ("samplers.qehvi", "QEHVISampler", {"acquisition": "qlogehvi"}),
    "qlognehvi": ("samplers.qehvi", "QEHVISampler", {"acquisition": "qlognehvi"}),
    "cmaes": ("samplers.cmaes", "CMAESSampler", {}),
    "nsga2": ("samplers.nsga2", "NSGA2Sampler", {}),
}


def list_samplers() -> list[str]:
    return sorted(SAMPLERS)


def get_sampler(name: str, **kwargs) -> Sampler:
    """A sampler by name (see :func:`list_samplers`), built with ``kwargs``."""
    if name not in SAMPLERS:
        raise InvalidInputError(f"unknown sampler {name!r}; available: {', '.join(list_samplers())}")
    module, cls, fixed = SAMPLERS[name]
    clash = sorted(set(fixed) & set(kwargs))
    if clash:
        raise InvalidInputError(f"sampler {name!r} fixes {clash[0]}={fixed[clash[0]]!r}; do not pass {clash[0]!r}")
    return getattr(importlib.import_module(module), cls)(**fixed, **kwargs)
