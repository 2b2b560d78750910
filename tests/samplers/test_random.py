from tests.samplers.conformance import SamplerConformance


class TestRandomSamplerConformance(SamplerConformance):
    sampler_name = "random"
