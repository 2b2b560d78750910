import pytest

from tests.samplers.conformance import SamplerConformance

FAST = {"num_restarts": 1, "raw_samples": 32, "rescore": 4, "mc_samples": 8, "maxiter": 5, "fit_maxiter": 10}


class TestQEHVISamplerConformance(SamplerConformance):
    sampler_name = "qehvi"
    sampler_kwargs = FAST


class TestQLogEHVISamplerConformance(SamplerConformance):
    sampler_name = "qlogehvi"
    sampler_kwargs = FAST


class TestQLogNEHVISamplerConformance(SamplerConformance):
    sampler_name = "qlognehvi"
    sampler_kwargs = FAST
