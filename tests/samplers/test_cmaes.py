from tests.samplers.conformance import SamplerConformance


class TestCMAESSamplerConformance(SamplerConformance):
    sampler_name = "cmaes"
