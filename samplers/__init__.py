"""Inner samplers for LaMOO (each usable alone too), and the sampler registry by name.

Each sampler is registered in the ``lamoo.samplers`` entry-point group (see ``pyproject.toml``);
:func:`get_sampler` and :func:`list_samplers` are those of :mod:`lamoo.plugins`, so they also find
samplers other packages register. The sampler modules import their back ends (BoTorch, cma, pymoo)
only when they propose, so ``import samplers`` stays light.
"""
from lamoo.plugins import get_sampler, list_samplers
from samplers.base import Sampler
from samplers.cmaes import CMAESSampler
from samplers.evolution import EvolutionSampler
from samplers.local import LocalSearchSampler
from samplers.nsga2 import NSGA2Sampler
from samplers.qehvi import QEHVISampler
from samplers.random import RandomSampler

__all__ = ["CMAESSampler", "EvolutionSampler", "LocalSearchSampler", "NSGA2Sampler", "QEHVISampler", "RandomSampler",
           "Sampler", "get_sampler", "list_samplers"]
