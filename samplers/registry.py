"""Samplers by name, for the CLI and the benchmarks."""
from __future__ import annotations

import importlib
import inspect

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
    "evolution": ("samplers.evolution", "EvolutionSampler", {}),
}


def list_samplers() -> list[str]:
    return sorted(SAMPLERS)


def get_sampler(name: str, **kwargs) -> Sampler:
    """A sampler by name (see :func:`list_samplers`), built with ``kwargs``; an unknown name or
    argument raises :class:`InvalidInputError` listing the accepted ones."""
    if name not in SAMPLERS:
        raise InvalidInputError(f"unknown sampler {name!r}; available: {', '.join(list_samplers())}")
    module, cls, fixed = SAMPLERS[name]
    clash = sorted(set(fixed) & set(kwargs))
    if clash:
        raise InvalidInputError(f"sampler {name!r} fixes {clash[0]}={fixed[clash[0]]!r}; do not pass {clash[0]!r}")
    sampler_class = getattr(importlib.import_module(module), cls)
    _check_arguments(name, sampler_class, fixed, kwargs)
    return sampler_class(**fixed, **kwargs)


def _check_arguments(name: str, sampler_class: type, fixed: dict, kwargs: dict) -> None:
    """Raise :class:`InvalidInputError` naming the first of ``kwargs`` that ``sampler_class``
    does not accept, with the list of those it does (less the registry's ``fixed`` ones)."""
    params = inspect.signature(sampler_class).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return
    accepted = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in fixed]
    unknown = [key for key in kwargs if key not in accepted]
    if unknown:
        raise InvalidInputError(f"sampler {name!r} rejected the unknown argument {unknown[0]!r}; it accepts: "
                                f"{', '.join(accepted) or 'no arguments'}")
