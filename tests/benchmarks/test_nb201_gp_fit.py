"""The GP rank-quality script on the 81-cell toy: one correlation per objective and the top decile's."""
import numpy as np
import pytest

from benchmarks import nb201_gp_fit
from tests.toys import FiniteToyTask

pytest.importorskip("botorch")


def test_rank_quality_correlates_the_posterior_mean_with_the_true_values():
    rho = nb201_gp_fit.rank_quality(FiniteToyTask(), 40, seed=0, kernel="hamming", n_test=41)
    assert len(rho) == 3 and all(np.isfinite(r) and -1 <= r <= 1 for r in rho)
    assert rho[0] > 0.3 and rho[1] > 0.3  # smooth toy objectives: a misaligned mean would give about 0
