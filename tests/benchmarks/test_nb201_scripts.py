"""Smoke test of the NAS-Bench-201 look-up benchmark script on small synthetic tables (slow: it
imports torch)."""
import pytest

from tests.nas_tasks.fake_benchmarks import synthetic_frame


@pytest.mark.slow
def test_lookup_benchmark_runs(tmp_path, capsys):
    from benchmarks import nb201_lookup

    table = tmp_path / "t.csv"
    synthetic_frame(200).to_csv(table, index=False)
    assert nb201_lookup.main(["--table", str(table), "--n", "2000", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "warm cache" in out and "M cells/s" in out
