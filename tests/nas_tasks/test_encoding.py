import numpy as np
import pytest

from lamoo.exceptions import InvalidInputError
from nas_tasks import nb201
from nas_tasks.nb201 import encoding

CELL0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"


def test_contract_example():
    np.testing.assert_array_equal(nb201.encode(CELL0), [4, 2, 1, 2, 1, 1])
    assert nb201.decode([4, 2, 1, 2, 1, 1]) == CELL0
    assert nb201.OPS == ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
    assert nb201.EDGE_NAMES == ("1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2")


def test_round_trip_for_every_cell():
    cells = nb201.all_cells()
    assert cells.shape == (15625, 6) and len(np.unique(nb201.lex_index(cells))) == 15625
    strings = nb201.decode_many(cells)
    assert len(set(strings)) == 15625
    np.testing.assert_array_equal(nb201.encode_many(strings), cells)
    for k in (0, 1, 777, 15624):  # the scalar functions agree with the vectorized ones
        assert nb201.decode(cells[k]) == strings[k]
        np.testing.assert_array_equal(nb201.encode(strings[k]), cells[k])


def test_lex_index_is_mixed_radix():
    np.testing.assert_array_equal(nb201.lex_index([[0, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0]]), [1, 5 ** 5])
    np.testing.assert_array_equal(nb201.all_cells()[nb201.lex_index([4, 2, 1, 2, 1, 1])[0]], [4, 2, 1, 2, 1, 1])


def test_nas_bench_201_api_parses_our_strings_the_same_way():
    from nas_201_api import NASBench201API

    rng = np.random.default_rng(0)
    for codes in nb201.all_cells()[rng.choice(15625, 50, replace=False)]:
        matrix = NASBench201API.str2matrix(nb201.decode(codes))
        np.testing.assert_array_equal([matrix[j, i] for j, i in nb201.EDGES], codes)


def test_tolerant_parsing_of_reordered_inputs_and_whitespace():
    reordered = " |avg_pool_3x3~0|+|skip_connect~1|nor_conv_1x1~0|+|skip_connect~2|nor_conv_1x1~0|skip_connect~1| "
    np.testing.assert_array_equal(nb201.encode(reordered), [4, 2, 1, 2, 1, 1])


@pytest.mark.parametrize("bad, words", [
    ("", "found 1 nodes"),
    ("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown op 'conv'"),
    ("|none~0|+|none~0|none~0|+|none~0|none~1|none~2|", "repeated input"),
    ("|none~0|+|none~0|+|none~0|none~1|none~2|", "expected [0, 1]"),
    ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "invalid input ~1"),
    ("|none0|+|none~0|none~1|+|none~0|none~1|none~2|", "bad edge 'none0'"),
    ("none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "enclosed in '|'"),
])
def test_bad_strings_raise_clear_errors(bad, words):
    with pytest.raises(InvalidInputError, match=None) as info:
        nb201.encode(bad)
    assert words in str(info.value) and repr(bad) in str(info.value)


def test_encode_many_names_the_bad_row():
    good = nb201.decode([1] * 6)
    with pytest.raises(InvalidInputError, match=r"row 2: .*nor_conv_5x5.*\(2 bad rows in all\)"):
        nb201.encode_many([good, good, "|nor_conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|", None])
    codes, errors = nb201.try_encode_many([good, 7])
    assert codes[1].tolist() == [-1] * 6 and errors[0][0] == 1


@pytest.mark.parametrize("bad", [[0, 0, 0, 0, 0, 5], [0, 0, 0, 0, 0, 0.5], [0, 0, 0, 0, 0], [[np.nan] * 6], "abc"])
def test_bad_codes_raise(bad):
    with pytest.raises(InvalidInputError):
        nb201.decode_many(bad)


def test_connectivity():
    cells = nb201.all_cells()
    connected = nb201.is_connected(cells)
    assert (~connected).sum() == 341  # NAS-Bench-201's disconnected cells
    assert not nb201.is_connected([0] * 6)[0]
    assert nb201.is_connected([0, 0, 0, 1, 0, 0])[0]  # direct input -> output edge
    assert not nb201.is_connected([0, 3, 0, 0, 3, 0])[0]  # node 1 is dead, node 2 unused
    assert nb201.is_connected([0, 3, 0, 0, 0, 3])[0]
    np.testing.assert_array_equal(nb201.live_edges([0, 3, 3, 0, 3, 3])[0], [False, True, False, False, False, True])
    # agrees with NATS-Bench's own validity check on a sample
    from nats_bench.genotype_utils import topology_str2structure

    rng = np.random.default_rng(1)
    for k in rng.choice(15625, 300, replace=False):
        assert topology_str2structure(nb201.decode(cells[k])).check_valid() == connected[k]


def test_canonical_form():
    assert nb201.canonical_string([0] * 6) == "#"
    a = [3, 0, 1, 0, 0, 1]  # conv3x3(x) at node 1, skipped to node 2 and on to the output
    b = [0, 0, 0, 3, 0, 0]  # conv3x3 directly to the output
    assert nb201.canonical_string(a) == nb201.canonical_string(b) == "(0)@nor_conv_3x3"
    assert nb201.canonical_index([a, b]).tolist()[0] == nb201.canonical_index([a, b]).tolist()[1]
    assert nb201.canonical_string([1, 1, 1, 1, 1, 1]) != nb201.canonical_string([1, 1, 0, 1, 1, 1])
    # sums are commutative: swapping the ops on 3<-0 and 3<-1 when node 1 = x changes nothing
    assert nb201.canonical_string([1, 0, 0, 2, 3, 0]) == nb201.canonical_string([1, 0, 0, 3, 2, 0])
    # every class is a union of NATS-Bench's classes (ours also merges its "#+#" zero spellings)
    from nats_bench.genotype_utils import topology_str2structure

    cells = nb201.all_cells()
    theirs = np.array([topology_str2structure(s).to_unique_str(consider_zero=True) for s in nb201.decode_many(cells)])
    ours = nb201.canonical_index(cells)
    for u in np.unique(theirs)[:2000]:
        assert len(np.unique(ours[theirs == u])) == 1
    assert nb201.num_isomorphism_classes() == 5390 < len(np.unique(theirs)) == 6466
    rep = nb201.canonical_codes(cells[:100])
    np.testing.assert_array_equal(nb201.canonical_index(rep), nb201.canonical_index(cells[:100]))


def test_search_space():
    space = nb201.search_space()
    assert space.n_dims == 6 and space.n_candidates == 15625 and space.names == nb201.EDGE_NAMES
    assert space.kinds == ("categorical",) * 6 and space.choices[0] == nb201.OPS
    sub = nb201.search_space(nb201.all_cells()[:10])
    assert sub.n_candidates == 10
    assert encoding.NUM_CELLS == 15625
