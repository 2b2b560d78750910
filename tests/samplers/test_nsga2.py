from tests.samplers.conformance import SamplerConformance


class TestNSGA2SamplerConformance(SamplerConformance):
    sampler_name = "nsga2"
