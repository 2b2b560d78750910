"""Inner samplers for LaMOO (each usable alone too) and a registry by name."""
from samplers.base import Sampler
from samplers.random import RandomSampler
from samplers.registry import get_sampler, list_samplers

__all__ = ["RandomSampler", "Sampler", "get_sampler", "list_samplers"]
