"""The XNAS search preset and the fast defaults, by name; the NSGA-II options they use."""
import argparse

import numpy as np
import pytest

from lamoo.archive import Archive
from lamoo.exceptions import InvalidInputError
from lamoo.plugins import get_sampler
from lamoo.region import Region
from lamoo.task import ObjectiveSpec
from nas_tasks.nb201.encoding import OPS, is_connected, search_space
from nas_tasks.xnas.preset import XNAS_OP_ORDER, get_preset, op_code_order
from samplers import NSGA2Sampler


def nb201_archive(n: int, seed: int) -> Archive:
    rng = np.random.default_rng(seed)
    archive = Archive(search_space(), [ObjectiveSpec("a", "minimize"), ObjectiveSpec("b", "minimize")])
    X = np.unique(rng.integers(0, 5, size=(n, 6)), axis=0).astype(float)
    archive.append(X, rng.normal(size=(len(X), 2)))
    return archive


def test_the_xnas_sampler_is_the_papers_nsga2_by_name():
    s = get_sampler("xnas")
    assert isinstance(s, NSGA2Sampler) and s.pop_size == 64
    mating = s.make_mating(n_dims=6)
    assert mating.crossover.prob.value == 0.9 and mating.crossover.eta.value == 3.0
    assert mating.mutation.prob_var.value == pytest.approx(1 / 6) and mating.mutation.eta.value == 3.0
    assert [OPS[c] for c in s.code_order] == list(XNAS_OP_ORDER)
    assert s.child_filter is not None and s.integer_bounds == "widened"
    fast = get_preset("fast").sampler()
    assert fast.pop_size == 20 and fast.code_order is None and fast.child_filter is None
    assert fast.integer_bounds == "exact" and "integer_bounds" not in fast.config()["params"]


def test_the_op_order_is_the_released_codes_edge_op_list():
    # LLNL/XNAS@aab3efdc xnas/search_space_common.py lists, per edge: 3x3 conv, 1x1 conv,
    # 3x3 average pool, zeroize, skip; its NSGA-II mates the list index as an integer
    assert XNAS_OP_ORDER == ("nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "none", "skip_connect")
    assert op_code_order(XNAS_OP_ORDER) == (3, 2, 4, 0, 1)


def test_epochs_by_dataset():
    xnas, fast = get_preset("xnas"), get_preset("fast")
    assert [xnas.epochs_for(d) for d in ("mnist", "cifar10", "imagenet16-120", "digits")] == [5, 12, 200, 5]
    assert fast.epochs_for("cifar10") == fast.epochs_for("digits") == 10
    with pytest.raises(InvalidInputError, match="states no epochs for 'cifar100'"):
        xnas.epochs_for("cifar100")
    with pytest.raises(InvalidInputError, match="unknown preset 'paper'"):
        get_preset("paper")


def test_ranks_follow_the_op_order_and_invert():
    s = NSGA2Sampler(code_order=op_code_order(XNAS_OP_ORDER))
    codes = np.array([[OPS.index(op) for op in XNAS_OP_ORDER] + [0]], dtype=float)
    assert s.ranks(codes).tolist() == [[0, 1, 2, 3, 4, 3]]  # code 0 ("none") has rank 3
    assert s.codes(s.ranks(codes)).tolist() == codes.tolist()
    # a child half-way between nor_conv_1x1 (rank 1) and none (rank 3) is avg_pool_3x3, not
    # nor_conv_1x1 as in NAS-Bench-201's order
    assert OPS[int(s.codes([[2.2] * 6])[0, 0])] == "avg_pool_3x3"


def test_every_xnas_child_is_a_connected_new_cell():
    archive = nb201_archive(80, seed=1)
    assert not is_connected(archive.X).all()  # disconnected parents are there to breed from
    proposal = get_sampler("xnas").propose(Region.whole(archive), archive, 30, np.random.default_rng(0))
    assert len(proposal.X) == 30 and is_connected(proposal.X).all()
    pairs = np.array(proposal.info["parents"])  # each child's two parents, archive indices
    assert pairs.shape == (30, 2) and set(pairs.ravel()) <= set(range(len(archive)))
    assert not archive.contains(proposal.X).any()
    plain = NSGA2Sampler(mutation_prob=0.5).propose(Region.whole(archive), archive, 200, np.random.default_rng(0))
    assert not is_connected(plain.X).all()  # without the filter mating does make disconnected cells


def end_code_share(integer_bounds: str) -> float:
    """Share of codes 0 and 4 among 600 mutation-only children of a fixed archive."""
    archive = nb201_archive(120, seed=3)
    s = NSGA2Sampler(crossover_prob=0.0, mutation_prob=1.0, integer_bounds=integer_bounds, max_tries=50)
    X = s.propose(Region.whole(archive), archive, 600, np.random.default_rng(0)).X
    return float(np.isin(X, (0, 4)).mean())


def test_widened_integer_bounds_give_the_end_codes_a_whole_interval():
    archive = nb201_archive(20, seed=0)
    problem = NSGA2Sampler(integer_bounds="widened")._mating_problem(archive)
    assert np.allclose(problem.xl, -0.5) and np.allclose(problem.xu, 4.5)
    assert (problem.xl > -0.5).all() and (problem.xu < 4.5).all()  # so rounding stays inside 0..4
    # on the exact bounds 0..4 the end codes own half an interval each: fewer children land there
    assert end_code_share("widened") > end_code_share("exact") + 0.03


def test_widened_bounds_refuse_continuous_dimensions():
    from lamoo.space import SearchSpace

    archive = Archive(SearchSpace.box([0, 0], [1, 1]), [ObjectiveSpec("a", "minimize"), ObjectiveSpec("b", "minimize")])
    archive.append(np.random.default_rng(0).random((6, 2)), np.random.default_rng(1).random((6, 2)))
    with pytest.raises(ValueError, match="dimensions \\[0, 1\\] are continuous"):
        NSGA2Sampler(integer_bounds="widened").propose(Region.whole(archive), archive, 2, np.random.default_rng(0))


@pytest.mark.parametrize("kwargs, match", [({"code_order": [0, 1, 1]}, "permutation"),
                                           ({"integer_bounds": "loose"}, "integer_bounds"),
                                           ({"code_order": "abc"}, "permutation"),
                                           ({"child_filter": 3}, "child_filter must be a callable")])
def test_bad_options_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        NSGA2Sampler(**kwargs)


def test_a_code_order_must_fit_the_space():
    archive = nb201_archive(20, seed=0)
    with pytest.raises(ValueError, match="every dimension must range over 0..2"):
        NSGA2Sampler(code_order=[2, 0, 1]).propose(Region.whole(archive), archive, 2, np.random.default_rng(0))


def test_the_train_plugin_takes_the_presets_epochs_unless_given(tmp_path):
    from nas_tasks.nb201.train_cli import TrainPlugin

    plugin = TrainPlugin()
    parser = argparse.ArgumentParser()
    for name in ("--dataset", "--data-root", "--objectives", "--out"):
        parser.add_argument(name, default=None)
    parser.add_argument("--lamoo", action="store_true")
    parser.add_argument("--sampler", default="xnas")
    parser.add_argument("--seed", type=int, default=0)
    plugin.add_arguments(parser)
    common = ["--max-train", "50", "--cache-dir", str(tmp_path), "--out", str(tmp_path / "run")]
    assert plugin.build(parser.parse_args(["--preset", "xnas", *common])).training.epochs == 5
    assert plugin.build(parser.parse_args(common)).training.epochs == 10
    assert plugin.build(parser.parse_args(["--preset", "xnas", "--epochs", "2", *common])).training.epochs == 2


def test_the_child_filter_is_journaled_by_import_path_and_rebuilds_from_it():
    s = get_sampler("xnas")
    path = s.config()["params"]["child_filter"]
    assert path == "nas_tasks.xnas.preset:connected_cells"
    again = NSGA2Sampler(child_filter=path)
    assert again.child_filter is s.child_filter and again.config()["params"]["child_filter"] == path


def test_regularized_evolution_records_the_winner_each_child_mutates():
    from samplers.evolution import EvolutionSampler

    archive = nb201_archive(40, seed=2)
    proposal = EvolutionSampler().propose(Region.whole(archive), archive, 12, np.random.default_rng(0))
    parents = proposal.info["parents"]
    assert len(parents) == len(proposal.X) == 12
    for child, (p,) in zip(proposal.X, parents):
        assert (child != archive.X[p]).sum() == 1  # one edge redrawn


def test_integer_bounds_must_be_a_known_choice():
    with pytest.raises(InvalidInputError, match="integer_bounds must be one of .*'widened'.*got 'wide'"):
        NSGA2Sampler(integer_bounds="wide")
