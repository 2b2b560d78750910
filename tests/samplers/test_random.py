from lamoo.testing import SamplerConformance


class TestRandomSamplerConformance(SamplerConformance):
    sampler_name = "random"
