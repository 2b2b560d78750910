"""Safe loading: the restricted unpickler, the trust_pickle opt-in, and private cache entries.

Every malicious file here would create a folder if it were unpickled the ordinary way (checked
once, in a scratch folder), so a test that passes shows the code did not run.
"""
import bz2
import collections
import os
import pickle

import numpy as np
import pytest

from lamoo.exceptions import InvalidInputError
from nas_tasks import NB201TableTask, nb201
from nas_tasks.safe_load import (BadFileError, PickleNotTrustedError, UnsafePickleError, cache_entry_problem,
                                 folder_problem, load_pickle)
from tests.nas_tasks import fake_benchmarks as fake

ARCHS = [nb201.decode(c) for c in nb201.all_cells()[[0, 77, 15624]]]


class MakesAFolder:
    """Unpickling this object calls ``os.mkdir(target)``: the stand-in for arbitrary code."""

    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return os.mkdir, (self.target,)


def test_the_malicious_pickle_is_live(tmp_path):
    """The payload used below really runs under plain pickle (so the other tests can fail)."""
    pickle.loads(pickle.dumps({"x": MakesAFolder(tmp_path / "pwned")}))
    assert (tmp_path / "pwned").is_dir()


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_restricted_unpickler_reads_the_types_the_files_hold(tmp_path, protocol):
    obj = {b"data": np.arange(12, dtype=np.uint8).reshape(3, 4), "labels": [1, 2, 3], "x": np.float64(1.5),
           "i": np.int64(7), "names": np.array(["a", "bc"]), "od": collections.OrderedDict(a=1), "s": {1, 2},
           "f": frozenset([3]), "c": 1 + 2j, "t": (1, None, True), "b": b"\x00\xff"}
    path = tmp_path / "ok.pkl"
    path.write_bytes(pickle.dumps(obj, protocol=protocol))
    out = load_pickle(path, "test file", encoding="bytes")
    assert np.array_equal(out[b"data"], obj[b"data"]) and out["x"] == 1.5 and out["i"] == 7
    assert list(out["names"]) == ["a", "bc"] and out["od"] == obj["od"] and out["b"] == obj["b"]


def test_numpy_1_names_are_read(tmp_path):
    """Files written by NumPy 1.x name numpy.core.multiarray (NumPy 2 moved it to numpy._core)."""
    data = pickle.dumps({"a": np.arange(3), "x": np.float64(2.0)}, protocol=2)
    assert b"numpy._core.multiarray" in data
    path = tmp_path / "old.pkl"
    path.write_bytes(data.replace(b"numpy._core.multiarray", b"numpy.core.multiarray"))
    out = load_pickle(path, "test file")
    assert out["a"].tolist() == [0, 1, 2] and out["x"] == 2.0


def test_restricted_unpickler_refuses_code(tmp_path):
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"data": MakesAFolder(tmp_path / "pwned")}))
    with pytest.raises(UnsafePickleError, match=r"evil\.pkl.*names posix\.mkdir") as info:
        load_pickle(path, "CIFAR-10 batch")
    assert isinstance(info.value, InvalidInputError) and not (tmp_path / "pwned").exists()


def test_garbage_is_a_bad_file(tmp_path):
    path = tmp_path / "junk.pkl"
    path.write_bytes(b"\x80\x04junk")
    with pytest.raises(BadFileError, match=r"junk\.pkl.*not a readable CIFAR-10 batch"):
        load_pickle(path, "CIFAR-10 batch")


# ------------------------------------------------------------------ NAS-Bench-201 .pth
torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def nb201_file(tmp_path_factory):
    pytest.importorskip("nas_201_api")
    path = tmp_path_factory.mktemp("nb201") / "NAS-Bench-201-tiny.pth"
    torch.save(fake.nb201_dict(ARCHS), path)
    return path


def test_a_pth_table_needs_the_opt_in(nb201_file):
    with pytest.raises(PickleNotTrustedError, match=r"NAS-Bench-201-tiny\.pth.*Python pickle.*trust_pickle=True"):
        NB201TableTask(nb201_file, ["cifar10_test_acc", "flops"])
    with pytest.raises(InvalidInputError, match="trust_pickle must be True or False, got 'yes'"):
        NB201TableTask(nb201_file, ["cifar10_test_acc", "flops"], trust_pickle="yes")
    task = NB201TableTask(nb201_file, ["cifar10_test_acc", "flops"], trust_pickle=True, cache=False)
    assert task.space.n_candidates == len(ARCHS)


def test_a_crafted_pth_runs_no_code(tmp_path):
    target = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    torch.save({"meta_archs": ARCHS, "arch2infos": {}, "evaluated_indexes": [], "x": MakesAFolder(target)}, path)
    with pytest.raises(PickleNotTrustedError):
        NB201TableTask(path, ["cifar10_test_acc", "flops"])
    with pytest.raises(UnsafePickleError, match=r"evil\.pth.*names posix\.mkdir.*not loaded"):
        NB201TableTask(path, ["cifar10_test_acc", "flops"], trust_pickle=True)
    assert not target.exists()
    torch.load(path, weights_only=False)  # what the old code did
    assert target.is_dir()


def test_a_garbage_pth_is_a_bad_file(tmp_path):
    path = tmp_path / "garbage.pth"
    path.write_bytes(b"garbage garbage")
    with pytest.raises(BadFileError, match=r"garbage\.pth.*not a readable NAS-Bench-201 file"):
        NB201TableTask(path, ["cifar10_test_acc", "flops"], trust_pickle=True)


# ------------------------------------------------------------------ NATS-Bench archives
def test_a_nats_archive_needs_the_opt_in_and_runs_no_code(tmp_path):
    pytest.importorskip("nats_bench")
    good = fake.write_nats_archive(tmp_path, ARCHS, fast=False)
    with pytest.raises(PickleNotTrustedError, match="NATS-Bench topology archive"):
        NB201TableTask(good, ["cifar100_test_acc", "params"], dataset="cifar100")
    target = tmp_path / "pwned"
    evil = tmp_path / "NATS-tss-evil.pickle.pbz2"
    evil.write_bytes(bz2.compress(pickle.dumps({"meta_archs": ARCHS, "arch2infos": {0: MakesAFolder(target)},
                                                "evaluated_indexes": [0]})))
    with pytest.raises(UnsafePickleError, match="names posix.mkdir"):
        NB201TableTask(evil, ["cifar100_test_acc", "params"], dataset="cifar100", trust_pickle=True)
    assert not target.exists()


def test_a_fast_mode_archive_file_with_code_is_refused(tmp_path):
    pytest.importorskip("nats_bench")
    folder = fake.write_nats_archive(tmp_path, ARCHS, fast=True)
    target = tmp_path / "pwned"
    (folder / "000001.pickle.pbz2").write_bytes(bz2.compress(pickle.dumps({"200": MakesAFolder(target)})))
    with pytest.raises(UnsafePickleError, match=r"000001\.pickle\.pbz2"):
        NB201TableTask(folder, ["cifar100_test_acc", "params"], dataset="cifar100", trust_pickle=True, cache=False)
    assert not target.exists()


# ------------------------------------------------------------------ the table cache
def test_the_table_cache_is_parquet_and_private(nb201_file, monkeypatch, cache_dir):
    objectives = ["cifar10_test_acc", "latency_ms_cifar10"]
    NB201TableTask(nb201_file, objectives, trust_pickle=True)
    entries = list((cache_dir / "nb201-tables").glob("nb201-hp200-*.parquet"))
    assert len(entries) == 1 and entries[0].read_bytes()[:4] == b"PAR1"
    reads = []
    real = __import__("nas_tasks.nb201.tables", fromlist=["read_nb201_file"]).read_nb201_file
    monkeypatch.setattr("nas_tasks.nb201.tables.read_nb201_file", lambda *a, **k: reads.append(1) or real(*a, **k))
    NB201TableTask(nb201_file, objectives, trust_pickle=True)
    assert reads == []  # served by the cache
    os.chmod(entries[0], 0o666)  # now anyone could have rewritten it
    with pytest.warns(RuntimeWarning, match=r"not reading the cached table .*writable by other users"):
        NB201TableTask(nb201_file, objectives, trust_pickle=True)
    assert reads == [1]


def test_cache_entry_problem(tmp_path):
    root = tmp_path / "cache"
    (root / "sub").mkdir(parents=True)
    os.chmod(root, 0o755)
    os.chmod(root / "sub", 0o700)
    entry = root / "sub" / "entry.parquet"
    entry.write_bytes(b"x")
    os.chmod(entry, 0o644)
    assert cache_entry_problem(entry, root) is None
    os.chmod(root, 0o777)
    assert "writable by other users" in cache_entry_problem(entry, root)
    assert "writable by other users" in folder_problem(root / "sub", root)
    os.chmod(root, 0o755)
    (root / "sub" / "link.parquet").symlink_to(entry)
    assert "not a regular file" in cache_entry_problem(root / "sub" / "link.parquet", root)
    assert folder_problem(tmp_path / "elsewhere", root) is None  # outside the cache: not its business
    if os.geteuid() == 0:  # only root can give a file away
        os.chown(entry, 4242, -1)
        assert "owned by user id 4242" in cache_entry_problem(entry, root)
