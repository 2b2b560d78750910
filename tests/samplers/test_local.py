"""The local-search sampler: conformance, front neighbourhoods, parent weights, child weights."""
import numpy as np
import pytest

from lamoo import LaMOO, optimize
from lamoo.archive import Archive
from lamoo.exceptions import InvalidInputError
from lamoo.region import Region
from lamoo.space import SearchSpace
from lamoo.task import ObjectiveSpec
from lamoo.testing import FiniteToyTask, MixedToyTask, SamplerConformance, ToyTask, filled_archive, half_region
from samplers import LocalSearchSampler, get_sampler
from samplers.mutation import change_weights, front_layers, hamming_neighbours, neighbourhood_size, value_ratios


class TestLocalConformance(SamplerConformance):
    sampler_name = "local"


class TestUniformChildrenConformance(SamplerConformance):
    def make_sampler(self):
        return LocalSearchSampler(children="uniform")


class TestTournamentConformance(SamplerConformance):
    def make_sampler(self):
        return LocalSearchSampler(parents="tournament")


def propose(sampler, archive, region=None, n=5, seed=0):
    region = region if region is not None else Region.whole(archive)
    return sampler.propose(region, archive, n, np.random.default_rng(seed))


def test_registered_as_local():
    assert isinstance(get_sampler("local"), LocalSearchSampler)


def test_proposals_are_new_front_neighbours_at_hamming_distance_one():
    task = FiniteToyTask()
    archive = filled_archive(task, 30, seed=1)
    proposal = propose(LocalSearchSampler(), archive, n=6)
    front = archive.X[archive.valid_indices[next(front_layers(archive.F[archive.valid_indices]))]]
    distance = (proposal.X[:, None, :] != front[None, :, :]).sum(-1).min(axis=1)
    assert (distance == 1).all() and proposal.info["distance"] == 1 and proposal.info["n_uniform"] == 0
    assert not archive.contains(proposal.X).any() and len({r.tobytes() for r in proposal.X}) == 6


def test_an_exhausted_neighbourhood_widens_to_further_layers_and_distances():
    task = FiniteToyTask()
    archive = filled_archive(task, 75, seed=2)  # 6 cells left
    proposal = propose(LocalSearchSampler(), archive, n=6)
    assert len(proposal.X) == 6 and not archive.contains(proposal.X).any()
    assert proposal.info["n_mutants"] + proposal.info["n_uniform"] == 6


def test_region_proposals_stay_in_the_region():
    archive = filled_archive(FiniteToyTask(), 25, seed=3)
    region = half_region(archive)
    proposal = propose(LocalSearchSampler(), archive, region, n=5)
    assert region.contains(proposal.X).all() and proposal.region is region


def test_continuous_spaces_get_one_dimension_gaussian_steps_around_the_front():
    archive = filled_archive(ToyTask(d=3), 20, seed=4)
    X = propose(LocalSearchSampler(sigma=0.05), archive, n=8).X
    front = archive.X[archive.valid_indices[next(front_layers(archive.F[archive.valid_indices]))]]
    changed = (np.abs(X[:, None, :] - front[None, :, :]) > 0).sum(-1).min(axis=1)
    assert (changed == 1).all()


def test_mixed_spaces_mutate_one_dimension():
    task = MixedToyTask()
    archive = filled_archive(task, 15, seed=5)
    X = propose(LocalSearchSampler(), archive, n=4).X
    assert task.space.contains(X).all() and len(X) == 4


def test_parent_weights_mix_uniform_and_hypervolume_contribution():
    F = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])
    ref = np.array([2.0, 2.0])
    uniform = LocalSearchSampler(hvc_weight=0.0).parent_weights(F, ref)
    np.testing.assert_allclose(uniform, 1 / 3)
    weighted = LocalSearchSampler(hvc_weight=1.0).parent_weights(F, ref)
    # contributions 0.5, 0.25, 0.5 (the middle point adds a 0.5 x 0.5 box)
    np.testing.assert_allclose(weighted, [0.4, 0.2, 0.4])
    half = LocalSearchSampler().parent_weights(F, ref)
    np.testing.assert_allclose(half, 0.5 * uniform + 0.5 * weighted)


def test_gradient_parent_weights_follow_each_steps_scaled_height_and_width():
    F = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])
    ref = np.array([2.0, 2.0])
    # (height, width): (1, 0.5), (0.5, 0.5), (0.5, 1); both objectives scaled by 2 - 0
    weighted = LocalSearchSampler(hvc_weight=1.0, contribution="gradient").parent_weights(F, ref)
    np.testing.assert_allclose(weighted, [3 / 8, 2 / 8, 3 / 8])
    half = LocalSearchSampler(contribution="gradient").parent_weights(F, ref)
    np.testing.assert_allclose(half, 0.5 / 3 + 0.5 * weighted)


def test_parents_left_with_children_that_contribute_nothing_are_drawn_uniformly():
    # A alone contributes (B and C are duplicates: no exclusive volume) and every neighbour of A
    # is evaluated, so with hvc_weight=1 the parents left weigh 0 in total
    space = FiniteToyTask().space
    A, B, C = np.zeros(4), np.full(4, 2.0), np.array([2.0, 2.0, 2.0, 1.0])
    X = np.vstack([A, B, C, hamming_neighbours(A, space, 1)])
    Y = np.vstack([[5.0, 0.5], [0.5, 5.0], [0.5, 5.0], np.full((8, 2), 9.0)])
    objectives = [ObjectiveSpec("f1", "minimize"), ObjectiveSpec("f2", "minimize")]
    archive = Archive(space, objectives, np.array([10.0, 10.0]))
    archive.append(X, Y, sources=["init"] * len(X))
    proposal = propose(LocalSearchSampler(hvc_weight=1.0), archive, n=4)
    distance = (proposal.X[:, None, :] != np.vstack([B, C])[None]).sum(-1).min(axis=1)
    assert (distance == 1).all() and proposal.info["n_uniform"] == 0


def test_neighbourhood_helpers_count_and_enumerate():
    space = FiniteToyTask().space  # 4 dims x 3 options
    assert neighbourhood_size(space, 1) == 8 and neighbourhood_size(space, 2) == 24
    x = np.array([0.0, 1.0, 2.0, 0.0])
    for distance in (1, 2):
        nb = hamming_neighbours(x, space, distance)
        assert len(nb) == neighbourhood_size(space, distance) and ((nb != x).sum(1) == distance).all()
        assert len({r.tobytes() for r in nb}) == len(nb)


def test_value_ratios_compare_smoothed_frequencies_among_good_and_other_points():
    space = SearchSpace([(1, 3), (0, 1)], kinds=["integer", "categorical"])  # values 1..3 and 0..1
    X = np.array([[1, 0], [1, 0], [2, 1], [3, 1], [3, 1]], dtype=float)
    good = np.array([True, True, False, False, False])
    first, second = value_ratios(X, good, space)
    # dimension 0 among the good: (2+1, 0+1, 0+1) / (2+3); among the rest: (0+1, 1+1, 2+1) / (3+3)
    np.testing.assert_allclose(first, np.array([3, 1, 1]) / 5 / (np.array([1, 2, 3]) / 6))
    np.testing.assert_allclose(second, np.array([3, 1]) / 4 / (np.array([1, 4]) / 5))


def test_change_weights_multiply_the_ratio_changes_of_the_changed_dimensions():
    space = SearchSpace([(1, 3), (0, 1)], kinds=["integer", "categorical"])
    ratios = [np.array([2.0, 1.0, 0.5]), np.array([1.0, 4.0])]
    parents = np.array([[2, 0], [2, 0], [2, 0]], dtype=float)
    children = np.array([[1, 0], [3, 0], [1, 1]], dtype=float)
    np.testing.assert_allclose(change_weights(children, parents, ratios, space), [2.0, 0.5, 8.0])


def test_good_members_are_whole_layers_holding_gamma_of_them():
    F = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    np.testing.assert_array_equal(LocalSearchSampler(gamma=0.1).good(F), [True, True, False, False, False])
    np.testing.assert_array_equal(LocalSearchSampler(gamma=0.5).good(F), [True, True, True, False, False])


def test_ratio_children_keep_the_values_of_the_good_members():
    """The three front cells all hold option 2 in dimension 0 and no other cell does; the other
    dimensions are balanced. Their children that change dimension 0 weigh 1/24 of the others, so
    they are drawn first about 1 time in 70 instead of 1 in 4."""
    space = SearchSpace.categorical(4, ["a", "b", "c"])
    good = np.array([[2, 0, 0, 0], [2, 1, 1, 1], [2, 2, 2, 2]], dtype=float)
    rest = np.array([[0 if i < 5 else 1, i % 3, (i // 3) % 3, (i % 3 + i // 3) % 3] for i in range(9)], dtype=float)
    archive = Archive(space, (ObjectiveSpec("accuracy", "maximize"), ObjectiveSpec("cost", "minimize")),
                      np.array([0.0, 10.0]))
    archive.append(np.vstack([good, rest]), np.array([[10, 1], [11, 2], [12, 3]] + [[5, 5]] * 9, dtype=float),
                   sources=["init"] * 12)

    def share_changing_dimension_0(children):
        first = [propose(LocalSearchSampler(children=children), archive, n=1, seed=s).X[0] for s in range(300)]
        return np.mean([x[0] != 2 for x in first])

    assert share_changing_dimension_0("ratio") < 0.06
    assert 0.1 < share_changing_dimension_0("uniform") < 0.35


@pytest.mark.parametrize("kwargs, match", [
    ({"parents": "best"}, "parents"), ({"children": "best"}, "children"), ({"gamma": 0}, "gamma"),
    ({"hvc_weight": 2}, "hvc_weight"), ({"contribution": "shapley"}, "contribution"),
    ({"max_distance": 0}, "max_distance"),
    ({"sigma": 0}, "sigma"), ({"tournament_size": 0}, "tournament_size"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        LocalSearchSampler(**kwargs)


def test_local_search_finds_the_toy_front_faster_than_random_search():
    task = FiniteToyTask()
    hv = lambda s, seed: optimize(task, s, 30, 10, 5, seed=seed).hypervolume()  # noqa: E731
    plain = np.median([hv(get_sampler("random"), s) for s in range(5)])
    local = np.median([hv(LocalSearchSampler(), s) for s in range(5)])
    assert local >= plain
    assert optimize(task, LaMOO(LocalSearchSampler()), 30, 10, 5, seed=0).X.shape == (30, 4)
