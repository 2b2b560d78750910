import json
import os

import numpy as np
import pytest

pytest.importorskip("torch")

from nas_tasks import nb201  # noqa: E402
from nas_tasks.cache import cache_dir  # noqa: E402
from nas_tasks.nb201 import cost  # noqa: E402
from nas_tasks.nb201.network import network_cost  # noqa: E402


def test_every_cell_matches_the_network_and_the_reported_range():
    cells = nb201.all_cells()
    params, flops = cost.params_flops(cells)
    assert params.shape == flops.shape == (15625,)
    assert flops.min() == pytest.approx(7.78304) and flops.max() == pytest.approx(220.11968)
    assert params.min() == pytest.approx(0.073306) and params.max() == pytest.approx(1.531546)
    k0 = nb201.lex_index(nb201.encode(
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"))[0]
    assert (params[k0], flops[k0]) == pytest.approx((0.129306, 15.64736), abs=1e-7)
    rng = np.random.default_rng(0)
    picks = list(rng.choice(15625, 4, replace=False)) + list(nb201.lex_index([[3] * 6, [2] * 6, [2, 3, 0, 3, 2, 3]]))
    for k in picks:  # the per-edge shortcut agrees with counting the whole network
        assert (params[k], flops[k]) == pytest.approx(network_cost(cells[k]), rel=1e-12)


def test_other_datasets():
    cell0 = [4, 2, 1, 2, 1, 1]
    p, f = cost.params_flops(cell0, input_size=16, num_classes=120)
    assert (p[0], f[0]) == pytest.approx(network_cost(cell0, input_size=16, num_classes=120))


def test_costs_are_cached_on_disk(monkeypatch):
    config = dict(input_size=8, num_classes=3, channels=4, cells_per_stage=1)
    first = cost.params_flops(nb201.all_cells()[:50], **config)
    files = list((cache_dir() / "nb201").glob("cost-*.json"))
    entry = next(f for f in files if json.loads(f.read_text())["config"]["num_classes"] == 3)

    def fail(*args, **kwargs):
        raise AssertionError("the network was rebuilt despite the cache")

    monkeypatch.setattr("nas_tasks.nb201.network.network_cost", fail)
    np.testing.assert_array_equal(cost.params_flops(nb201.all_cells()[:50], **config)[1], first[1])
    monkeypatch.undo()
    entry.write_text("{ damaged")  # a damaged entry is recomputed and rewritten
    np.testing.assert_array_equal(cost.params_flops(nb201.all_cells()[:50], **config)[1], first[1])
    assert json.loads(entry.read_text())["config"]["num_classes"] == 3


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMOO_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("LAMOO_CACHE_DIR")
    assert cache_dir() == type(cache_dir())(os.path.expanduser("~/.cache/lamoo"))


def test_reference_cells_are_the_cheapest_median_and_costliest_by_flops():
    cells = nb201.all_cells()
    flops = cost.params_flops(cells)[1]
    ref = cost.reference_cells()
    assert [ref[k][1] for k in ("cheapest", "costliest")] == pytest.approx([flops.min(), flops.max()])
    below = (flops < ref["median"][1]).sum()
    assert below <= 15625 // 2 < below + (flops == ref["median"][1]).sum()  # the lower median's value
    for codes, mflops in ref.values():
        assert nb201.is_connected(codes[None])[0] and cost.params_flops(codes[None])[1][0] == pytest.approx(mflops)
    assert ref["costliest"][0].tolist() == [3] * 6 and ref["cheapest"][0].tolist() == [1] * 6
