"""Optuna's own sampler test expectations (``optuna.testing.pytest_samplers``), run on LaMOOSampler:
the basic, relative and multi-objective cases every Optuna sampler is held to."""
import pytest

optuna = pytest.importorskip("optuna")
pytest_samplers = pytest.importorskip("optuna.testing.pytest_samplers")

from lamoo.integrations.optuna import LaMOOSampler  # noqa: E402


class TestLaMOOSamplerAsOptunaSampler(pytest_samplers.BasicSamplerTestCase, pytest_samplers.RelativeSamplerTestCase,
                                      pytest_samplers.MultiObjectiveSamplerTestCase):
    @pytest.fixture
    def sampler(self):
        return lambda: LaMOOSampler(seed=0, n_init=3, leaf_size=3)
