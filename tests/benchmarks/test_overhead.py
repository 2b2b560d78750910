import pytest

from benchmarks import overhead

pytest.importorskip("botorch")


def test_overhead_prints_one_row_per_setting(capsys):
    overhead.main(["--sizes", "30", "--repeats", "1", "--samplers", "random", "nsga2"])
    rows = [line for line in capsys.readouterr().out.splitlines()[1:] if line.strip()]
    assert len(rows) == 2 * 2  # problems x samplers
    assert all(float(row.split()[5]) > 0 for row in rows)  # LaMOO seconds


def test_overhead_times_the_exact_tree_too(capsys):
    overhead.main(["--sizes", "30", "--repeats", "1", "--problems", "branin-currin", "--exact"])
    row = capsys.readouterr().out.splitlines()[1].split()
    assert len(row) == 11 and float(row[9]) > 0  # exact seconds, then the speed-up
