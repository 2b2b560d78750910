"""The pruning genome: layouts, masks, the binary space and its initial design."""
import numpy as np
import pytest

from lamoo.exceptions import InvalidInputError
from nas_tasks.pruning.genome import BinarySpace, GenomeLayout


def test_each_level_maps_its_bits_to_the_sparse_layer_mask():
    rng = np.random.default_rng(0)
    inputs, neurons, connections = (GenomeLayout(level, 5, 3) for level in ("inputs", "neurons", "connections"))
    assert (inputs.length, neurons.length, connections.length) == (5, 3, 15)
    g = rng.random((2, 5)) < 0.5
    m = inputs.masks(g.astype(float))
    assert m.shape == (2, 3, 5) and (m == g[:, None, :]).all()  # an off feature loses every connection
    g = rng.random((2, 3)) < 0.5
    assert (neurons.masks(g.astype(float)) == g[:, :, None]).all()  # an off unit loses every connection
    g = rng.random((2, 15)) < 0.5
    m = connections.masks(g.astype(float))
    assert m[1, 2, 4] == g[1, 2 * 5 + 4] and connections.names()[2 * 5 + 4] == "unit_2<-feature_4"
    assert (connections.units(g.astype(float)) == g.reshape(2, 3, 5).any(axis=2)).all()
    assert GenomeLayout.memory(np.array([[1, 0, 0, 1.0]])).tolist() == [0.5]


def test_a_genome_of_the_wrong_length_is_refused_naming_the_layer():
    layout = GenomeLayout("neurons", 64, 32)
    with pytest.raises(InvalidInputError, match=r"32 bits per row \(level 'neurons': one per sparse-layer unit, H = 32\)"
                                                r", got shape \(2, 64\)"):
        layout.masks(np.ones((2, 64)))
    with pytest.raises(InvalidInputError, match="only 0 and 1"):
        layout.masks(np.full((1, 32), 0.5))
    with pytest.raises(InvalidInputError, match="level must be one of"):
        GenomeLayout("channels", 4, 4)


def test_the_initial_design_spans_every_density():
    space = BinarySpace(200)
    X = space.sample_initial(20, np.random.default_rng(1))
    assert space.contains(X).all() and set(np.unique(X)) == {0.0, 1.0}
    density = np.sort(X.mean(axis=1))
    assert np.all(np.abs(density - (np.arange(20) + 0.5) / 20) <= 0.5 / 20 + 1 / 200)  # one per stratum
    np.testing.assert_array_equal(X, space.sample_initial(20, np.random.default_rng(1)))
    tiny = BinarySpace(3)  # small enough to be enumerated: distinct candidates
    assert len({r.tobytes() for r in tiny.sample_initial(8, np.random.default_rng(0))}) == 8
