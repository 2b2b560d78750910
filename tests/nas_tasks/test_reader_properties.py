"""Property-based tests of the table and dataset readers: random bytes, and random content in the
right container (CSV text, pickled dicts, idx headers), give a result or a LamooError naming the
file, never another exception."""
import bz2
import gzip
import pickle
import tempfile
from pathlib import Path

import numpy as np
import pytest

from tests.properties import prop, result_or_named_error

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import strategies as st  # noqa: E402

from nas_tasks import NB201TableTask, nb201  # noqa: E402
from nas_tasks.nb201.tables import load_table  # noqa: E402
from nas_tasks.safe_load import load_pickle  # noqa: E402
from nas_tasks.training.data import load_dataset, read_idx  # noqa: E402

BYTES = st.binary(max_size=300)
ARCHS = [nb201.decode(c) for c in nb201.all_cells()[[0, 1, 2, 555, 15624]]]


def _file(folder: str, name: str, data: bytes) -> Path:
    path = Path(folder) / name
    path.write_bytes(data)
    return path


@prop(BYTES, st.sampled_from(["t.csv", "t.tsv", "t.csv.gz", "t.parquet", "t.pth", "t.pickle.pbz2"]))
def test_any_bytes_as_a_table(data, name):
    with tempfile.TemporaryDirectory() as folder:
        path = _file(folder, name, data)
        result_or_named_error(lambda: load_table(path, trust_pickle=True, cache=False), name)
        result_or_named_error(lambda: NB201TableTask(path, ["acc:max", "cost:min"], trust_pickle=True, cache=False),
                              name)


CELL = st.one_of(st.sampled_from(ARCHS + ["", "nan", "abc", "|none~0|", "1e999", "-0", "0x1F", '"', "\\"]),
                 st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers(-5, 200).map(str))


NUMBER = st.floats(0, 100).map(repr) | st.integers(0, 100).map(str)
ROW = st.tuples(st.sampled_from(ARCHS), NUMBER, NUMBER).map(list)  # a sound row
ODD_ROW = st.tuples(st.sampled_from(ARCHS) | CELL, NUMBER | CELL, NUMBER | CELL).map(list) | st.lists(CELL, max_size=4)


@prop(st.lists(ROW, max_size=5), st.lists(ODD_ROW, max_size=2), st.sampled_from([",", ",", ",", ";"]),
      st.sampled_from(["arch,acc,cost", "arch,acc,cost", "acc,arch,cost", "arch,acc", "arch,arch,cost", ""]))
def test_random_csv_text_as_a_table(rows, odd_rows, sep, header):
    text = "\n".join([header.replace(",", sep)] + [sep.join(r) for r in rows + odd_rows])
    with tempfile.TemporaryDirectory() as folder:
        path = _file(folder, "table.csv", text.encode())
        task = result_or_named_error(lambda: NB201TableTask(path, ["acc:max", "cost:min"], cache=False), "table.csv")
        if task is not None:
            assert np.isfinite(task.Y).all() and len(task.Y) == task.space.n_candidates
            assert (task.evaluate(task.codes) == task.Y).all()


@prop(BYTES, st.booleans())
def test_any_bytes_as_an_idx_file(data, gz):
    with tempfile.TemporaryDirectory() as folder:
        path = _file(folder, "x-idx3-ubyte" + ".gz" * gz, gzip.compress(data) if gz and data[:1] == b"z" else data)
        a = result_or_named_error(lambda: read_idx(path), path.name)
        assert a is None or a.ndim == data[3]


@prop(st.lists(st.integers(0, 300), max_size=4), st.sampled_from([0x08, 0x09, 0x0D]), st.binary(max_size=64))
def test_random_idx_headers(shape, code, body):
    header = bytes([0, 0, code, len(shape)]) + b"".join(s.to_bytes(4, "big") for s in shape)
    with tempfile.TemporaryDirectory() as folder:
        path = _file(folder, "y-idx1-ubyte", header + body)
        a = result_or_named_error(lambda: read_idx(path), "y-idx1-ubyte")
        assert a is None or a.shape == tuple(shape)


@prop(BYTES | BYTES.map(lambda b: b"\x80\x04" + b), st.booleans())
def test_any_bytes_as_a_pickle(data, compressed):
    with tempfile.TemporaryDirectory() as folder:
        path = _file(folder, "batch", bz2.compress(data) if compressed else data)
        result_or_named_error(lambda: load_pickle(path, "CIFAR-10 batch", compression="bz2" if compressed else None),
                              "batch", "CIFAR-10 batch")


VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-300, 300) | st.floats(allow_nan=True) | st.text(max_size=4)
    | st.binary(max_size=4) | st.builds(lambda n, v: np.full((n, 3072), v), st.integers(0, 3), st.integers(-1, 256)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["data", "labels", b"data",
                                                                                 b"labels"]), inner, max_size=3),
    max_leaves=8)


@prop(VALUES, st.integers(2, 5))
def test_random_cifar_batches(batch, protocol):
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "cifar-10-batches-py"
        base.mkdir()
        good = pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1]}, protocol=protocol)
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            (base / name).write_bytes(good)
        (base / "data_batch_2").write_bytes(pickle.dumps(batch, protocol=protocol))
        ds = result_or_named_error(lambda: load_dataset("cifar10", folder), "data_batch_2")
        if ds is not None:
            assert ds.x_train.dtype == np.uint8 and ds.x_train.shape[1:] == (3, 32, 32)
            assert len(ds.x_train) == len(ds.y_train) and ((ds.y_train >= 0) & (ds.y_train < 10)).all()


PROPERTIES = [test_any_bytes_as_a_table, test_random_csv_text_as_a_table, test_any_bytes_as_an_idx_file,
              test_random_idx_headers, test_any_bytes_as_a_pickle, test_random_cifar_batches]


@pytest.mark.slow
@pytest.mark.parametrize("prop_test", PROPERTIES)
def test_properties_thoroughly(prop_test):
    prop_test.thorough()
