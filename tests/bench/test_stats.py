import numpy as np
import pytest

from lamoo.bench.stats import Bounded, censored_quantiles, pad_trace, quantiles, ratio, samples_to_reach


def test_samples_to_reach_counts_evaluations_from_one():
    trace = [0.0, 1.0, 5.0, 9.0, 9.95, 10.0]
    assert samples_to_reach(trace, 9.9) == (5, False)
    assert samples_to_reach(trace, 0.0) == (1, False)
    assert samples_to_reach(trace, 10.0) == (6, False)
    assert samples_to_reach(trace, 10.5) == (6, True)  # never: censored at its length


def test_quantiles_without_censoring_are_numpy_percentiles():
    values = [10, 20, 30, 40, 50]
    q = censored_quantiles(values, [False] * 5)
    assert [b.kind for b in q] == ["="] * 3
    np.testing.assert_allclose([b.value for b in q], np.percentile(values, [25, 50, 75]))


def test_censored_median_is_exact_when_fewer_than_half_are_censored():
    # 10 runs, 3 never reach the threshold within 200 samples
    values = [20, 30, 40, 50, 60, 70, 80, 200, 200, 200]
    censored = [False] * 7 + [True] * 3
    q1, med, q3 = censored_quantiles(values, censored)
    assert med == Bounded(65.0, "=")  # (60 + 70) / 2, untouched by the censored runs
    assert q1 == Bounded(np.percentile(values, 25), "=")
    assert q3.kind == ">" and q3.value == pytest.approx(np.percentile(values, 75))  # leans on a censored run
    assert q3.format() == "> 170"


def test_censored_median_is_a_lower_bound_when_half_or_more_are_censored():
    values = [50, 60, 70, 80, 200, 200, 200, 200, 200, 200]
    censored = [False] * 4 + [True] * 6
    q1, med, q3 = censored_quantiles(values, censored)
    assert q1 == Bounded(np.percentile(values, 25), "=")
    assert med == Bounded(200.0, ">")
    assert med.format() == "> 200"  # "more than the budget"
    assert q3.format() == "> 200"


def test_all_censored_and_empty():
    assert [b.format() for b in censored_quantiles([100, 100, 100], [True] * 3)] == ["> 100"] * 3
    assert [b.format() for b in censored_quantiles([], [])] == ["n/a"] * 3
    assert [b.format() for b in quantiles([])] == ["n/a"] * 3


def test_ratio_carries_bounds():
    assert ratio(Bounded(90), Bounded(40)) == Bounded(2.25, "=")
    assert ratio(Bounded(200, ">"), Bounded(40)) == Bounded(5.0, ">")  # X needs more than 200
    assert ratio(Bounded(90), Bounded(200, ">")) == Bounded(0.45, "<")  # LaMOO needs more than 200
    assert ratio(Bounded(200, ">"), Bounded(200, ">")).format() == "n/a"
    assert ratio(Bounded(90), Bounded(np.nan, "?")).format() == "n/a"
    assert ratio(Bounded(200, ">"), Bounded(40)).format("{:.2f}") == "> 5.00"


def test_pad_trace_keeps_the_last_value():
    np.testing.assert_array_equal(pad_trace([1.0, 2.0], 4), [1.0, 2.0, 2.0, 2.0])
    np.testing.assert_array_equal(pad_trace([1.0, 2.0, 3.0], 2), [1.0, 2.0])
