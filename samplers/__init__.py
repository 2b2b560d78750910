"""Inner samplers for LaMOO (each usable alone too) and a registry by name.

The sampler modules import their back ends (BoTorch, cma, pymoo) only when they propose, so
``import samplers`` stays light.
"""
from samplers.base import Sampler
from samplers.cmaes import CMAESSampler
from samplers.evolution import EvolutionSampler
from samplers.nsga2 import NSGA2Sampler
from samplers.qehvi import QEHVISampler
from samplers.random import RandomSampler
from samplers.registry import get_sampler, list_samplers

__all__ = ["CMAESSampler", "EvolutionSampler", "NSGA2Sampler", "QEHVISampler", "RandomSampler", "Sampler", "get_sampler",
           "list_samplers"]
