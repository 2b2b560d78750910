import pytest

torch = pytest.importorskip("torch")

from nas_tasks import nb201  # noqa: E402
from nas_tasks.nb201.network import (  # noqa: E402
    build_network, count_flops, count_parameters, cost_representative, network_cost,
)

CELL0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"


def test_nas_bench_201_reported_cost_of_cell_0():
    params, flops = network_cost(CELL0)  # CIFAR-10: 32x32 inputs, 10 classes
    assert params == pytest.approx(0.129306, abs=5e-7)
    assert flops == pytest.approx(15.64736, abs=5e-6)


def test_extremes_of_the_space():
    assert network_cost([3] * 6) == pytest.approx((1.531546, 220.11968), abs=1e-6)  # all 3x3 convs
    low = network_cost([0] * 6)
    assert low == pytest.approx((0.073306, 7.78304), abs=1e-6)
    assert network_cost([1, 4, 1, 0, 4, 1]) == pytest.approx(low)  # no convs: the skeleton alone


def test_dataset_dependence():
    p10, f10 = network_cost(CELL0)
    p100, f100 = network_cost(CELL0, num_classes=100)
    assert p100 - p10 == pytest.approx(90 * 65 / 1e6)  # classifier weights + biases
    assert f100 - f10 == pytest.approx(90 * 64 / 1e6)  # classifier MACs (biases are not MACs)
    p120, f120 = network_cost(CELL0, input_size=16, num_classes=120)
    assert f120 == pytest.approx((f10 - 640e-6) / 4 + 120 * 64 / 1e6)  # a quarter of the pixels


def test_cost_counts_dead_edges_like_nas_bench_201():
    dead = [0, 3, 3, 0, 3, 3]  # node 1 is dead: the 3x3 convs on 2<-1 and 3<-1 never run
    net = build_network(dead)
    params, flops = network_cost(dead)
    assert count_parameters(net) == pytest.approx(params)
    assert count_flops(net) < flops  # only what actually runs
    assert network_cost(cost_representative(dead)) == (params, flops)
    live = [2, 3, 4, 1, 3, 2]
    assert count_flops(build_network(live)) == pytest.approx(network_cost(live)[1])


def test_shapes_for_other_configurations():
    net = build_network(CELL0, channels=4, cells_per_stage=1, num_classes=7, in_channels=1)
    assert len(net.cells) == 5 and net.reduction_indices == (1, 3) and net.cell_indices == (0, 2, 4)
    for size in (8, 28, 15):  # digits, MNIST (odd 7x7 after one reduction), odd input
        assert net(torch.randn(2, 1, size, size)).shape == (2, 7)


def test_forward_features_and_hooks():
    torch.manual_seed(0)
    net = build_network([3, 2, 1, 4, 3, 1], channels=4, cells_per_stage=2).eval()
    x = torch.randn(3, 3, 32, 32)
    feats, logits = net.forward_features(x)
    assert tuple(feats) == net.feature_names and net.feature_names[0] == "stem" and net.feature_names[-1] == "pooled"
    assert len(feats) == 1 + 8 + 1
    assert feats["cells.1"].shape == (3, 4, 32, 32) and feats["cells.2"].shape == (3, 8, 16, 16)
    assert feats["cells.7"].shape == (3, 16, 8, 8) and feats["pooled"].shape == (3, 16)
    torch.testing.assert_close(logits, net(x))
    seen = {}
    handles = [m.register_forward_hook(lambda m, i, o, name=name: seen.__setitem__(name, o))
               for name, m in net.named_blocks()]
    net(x)
    for h in handles:
        h.remove()
    assert list(seen) == list(net.feature_names[:-1])
    for name in seen:
        torch.testing.assert_close(seen[name], feats[name])
    names = dict(net.named_modules())
    assert all(name in names for name, _ in net.named_blocks())


def test_disconnected_cell_builds_runs_and_outputs_zeros():
    for codes in ([0] * 6, [3, 0, 3, 0, 0, 0], [0, 3, 0, 0, 3, 0]):
        assert not nb201.is_connected(codes)[0]
        net = build_network(codes, channels=4, cells_per_stage=2)
        assert not net.is_connected
        x = torch.randn(2, 3, 16, 16)
        feats, logits = net.forward_features(x)
        for i in net.cell_indices:
            assert torch.count_nonzero(feats[f"cells.{i}"]) == 0
        logits.sum().backward()  # trains without errors (only the classifier and skeleton learn)
        assert net.classifier.weight.grad is not None


def test_dead_branches_add_exact_zeros():
    # 1<-0 none kills node 1, so the convs on 2<-1 and 3<-1 add nothing; output = skip(x) on 3<-0
    net = build_network([0, 1, 3, 1, 3, 0], channels=4, cells_per_stage=1).train()
    cell = net.cells[0]
    with torch.no_grad():
        for k in (2, 4):  # a trained BN bias would leak through in NAS-Bench-201's implementation
            cell.layers[k].op[2].bias.fill_(1.0)
    x = torch.randn(2, 4, 8, 8)
    torch.testing.assert_close(cell(x), x)


def test_parameter_names_follow_nas_bench_201():
    names = set(build_network(CELL0, cells_per_stage=1).state_dict())
    for expected in ("stem.0.weight", "stem.1.running_mean", "cells.0.layers.1.op.1.weight",
                     "cells.1.conv_a.op.1.weight", "cells.1.conv_b.op.2.weight", "cells.1.downsample.1.weight",
                     "lastact.0.weight", "classifier.weight", "classifier.bias"):
        assert expected in names, expected


@pytest.mark.parametrize("bad", [dict(channels=0), dict(cells_per_stage=1.5), dict(num_classes=-1)])
def test_bad_configuration(bad):
    with pytest.raises(ValueError):
        build_network(CELL0, **bad)


def test_bad_arch():
    with pytest.raises(ValueError, match="unknown op"):
        build_network("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    with pytest.raises(ValueError, match="0..4"):
        build_network([0, 0, 0, 0, 0, 9])
