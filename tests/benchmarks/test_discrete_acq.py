"""Smoke test of the discrete acquisition timing script on the 81-cell toy (slow: GP fits, torch)."""
import pytest

from benchmarks import discrete_acq
from tests.toys import FiniteToyTask

pytest.importorskip("botorch")


@pytest.mark.slow
def test_one_row_per_method_and_candidate_count():
    rows = discrete_acq.measure(FiniteToyTask(), [20], [10, 40], ["analytic", "qlogehvi"], 3)
    assert rows[0].split()[:3] == ["method", "n", "N"] and "all 81 cells" in rows[0]
    cells = [row.split() for row in rows[1:]]
    assert [(c[0], c[1], c[2]) for c in cells] == [("analytic", "20", "10"), ("analytic", "20", "40"),
                                                   ("qlogehvi", "20", "10"), ("qlogehvi", "20", "40")]
    assert all(float(c[4]) > 0 and float(c[5]) > 0 for c in cells)  # batch seconds, ms per candidate
