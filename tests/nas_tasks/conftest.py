import os
from pathlib import Path

import pytest

SHARED_TABLE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "nb201" / "nb201_cifar.csv"


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """Tests never touch the user's cache: one fresh LAMOO_CACHE_DIR for the session (computed
    costs are shared between tests, which also exercises reading the cache)."""
    old = os.environ.get("LAMOO_CACHE_DIR")
    os.environ["LAMOO_CACHE_DIR"] = str(tmp_path_factory.mktemp("lamoo-cache"))
    yield
    if old is None:
        os.environ.pop("LAMOO_CACHE_DIR", None)
    else:
        os.environ["LAMOO_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def shared_table() -> Path:
    """The shared NAS-Bench-201 table (../shared/data/nb201/nb201_cifar.csv); skips when absent."""
    if not SHARED_TABLE.is_file():
        pytest.skip(f"shared NAS-Bench-201 table not found at {SHARED_TABLE}")
    return SHARED_TABLE


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny networks on a shared 2-core machine: one thread is fastest and fair."""
    import sys

    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A private LAMOO_CACHE_DIR for one test (tests that check what is trained and what is cached)."""
    d = tmp_path / "cache"
    monkeypatch.setenv("LAMOO_CACHE_DIR", str(d))
    return d
