"""Plots a reader can trust: units, direction arrows, the reference point and dominated region,
only hypervolume-adding points marked, projections said to be projections, figures returned."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from lamoo import optimize  # noqa: E402
from lamoo.exceptions import InvalidInputError  # noqa: E402
from lamoo.plotting import (axis_labels, guess_unit, plot_hypervolume_trace, plot_parallel_coordinates,  # noqa: E402
                            plot_pareto)
from lamoo.result import Result  # noqa: E402
from lamoo.task import ObjectiveSpec  # noqa: E402
from samplers import RandomSampler  # noqa: E402
from tests.toys import MixedToyTask  # noqa: E402

OBJECTIVES = (ObjectiveSpec("cifar10_test_acc", "maximize"), ObjectiveSpec("latency_ms_pixel3", "minimize"))


def nas_result(**kwargs):
    Y = np.array([[90.0, 5.0], [80.0, 2.0], [70.0, 4.0], [95.0, 12.0], [5.0, 0.5], [np.nan, np.nan]])
    return Result(np.zeros((len(Y), 1)), Y, OBJECTIVES, [10.0, 10.0], **kwargs)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_units_and_direction_arrows():
    assert axis_labels(nas_result()) == ["cifar10_test_acc [%] ↑", "latency_ms_pixel3 [ms] ↓"]
    assert [guess_unit(n) for n in ("flops", "params", "energy_mj", "mystery")] == ["MFLOPs", "M params", "mJ", None]
    assert guess_unit("val_acc", np.array([0.5, 0.9])) == "fraction"
    assert axis_labels(nas_result(), {"latency_ms_pixel3": "s"})[1] == "latency_ms_pixel3 [s] ↓"
    with pytest.raises(InvalidInputError, match=r"units names no objective: \['latency'\]"):
        axis_labels(nas_result(), {"latency": "ms"})
    fig = plot_pareto(nas_result())
    ax = fig.axes[0]
    assert isinstance(fig, Figure) and ax.get_xlabel().endswith("↑") and "(min)" not in ax.get_ylabel()


def test_the_dominated_region_is_the_hypervolume_and_only_points_adding_some_are_marked():
    res = nas_result()
    ax = plot_pareto(res).axes[0]
    [region] = [p for p in ax.patches]
    x, y = region.get_xy().T
    area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
    assert area == pytest.approx(res.hypervolume())
    by_label = {c.get_label(): c.get_offsets() for c in ax.collections if c.get_label()}
    np.testing.assert_array_equal(by_label["reference point"], [[10.0, 10.0]])
    # [95, 12] and [5, 0.5] are non-dominated but outside the reference box: they add no hypervolume
    assert sorted(map(tuple, by_label["non-dominated"])) == [(80.0, 2.0), (90.0, 5.0)]
    assert sorted(map(tuple, by_label["non-dominated, adds no HV (outside ref)"])) == [(5.0, 0.5), (95.0, 12.0)]
    assert len(by_label["evaluated"]) == 5  # the failed row is left out


def test_three_objectives_get_labelled_projections_and_parallel_coordinates(tmp_path):
    from lamoo.problems import get_problem

    res = optimize(get_problem("dtlz2", num_objectives=3), RandomSampler(), budget=30, seed=0)
    fig = plot_pareto(res, tmp_path / "front.png")
    assert (tmp_path / "front.png").read_bytes()[:4] == b"\x89PNG"
    titles = [ax.get_title() for ax in fig.axes]
    assert sum(t.startswith("projection on") for t in titles) == 3 and "parallel coordinates" in titles[-1]
    assert "projections" in fig._suptitle.get_text()
    par = plot_parallel_coordinates(res)
    assert [t.get_text().split("\n")[0] for t in par.axes[0].get_xticklabels()] == ["f1 ↓", "f2 ↓", "f3 ↓"]


def test_the_trace_marks_the_initial_design_and_can_be_normalized():
    class Known(MixedToyTask):
        def __init__(self):
            super().__init__()
            self.max_hypervolume = 2.0

    res = optimize(Known(), RandomSampler(), budget=15, n_init=6, seed=0)
    fig = plot_hypervolume_trace(res, normalized=True)
    ax = fig.axes[0]
    marks = [line for line in ax.get_lines() if line.get_label() == "end of initial design"]
    assert len(marks) == 1 and marks[0].get_xdata()[0] == 6.5
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), res.hypervolume_trace / 2.0)
    assert "maximum" in ax.get_ylabel() and len(fig.axes) == 2
    plain = optimize(MixedToyTask(), RandomSampler(), budget=10, seed=0)
    with pytest.raises(InvalidInputError, match="normalized=True needs the task's maximum hypervolume"):
        plot_hypervolume_trace(plain, normalized=True)
    assert isinstance(plot_hypervolume_trace(plain), Figure)


def test_a_run_whose_reference_point_is_not_inferred_yet_plots_without_one():
    res = nas_result()
    pending = Result(res.X, res.Y, res.objectives, None)
    ax = plot_pareto(pending).axes[0]
    labels = {c.get_label() for c in ax.collections}
    assert "reference point" not in labels and not ax.patches and "non-dominated" in labels
    fig = plot_hypervolume_trace(pending)
    assert fig.axes[0].get_title() == "reference point not inferred yet"
