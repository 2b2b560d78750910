import pytest

pytest.importorskip("botorch")

from benchmarks import box_decomposition  # noqa: E402


def test_prints_one_row_per_setting_with_equal_cells_and_batches(capsys):
    box_decomposition.main(["--problems", "vehicle-safety", "--archives", "uniform", "nsga2", "--sizes", "20",
                            "--mc-samples", "4", "--batch", "--num-restarts", "1", "--raw-samples", "16"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("# ") and out[1].split()[:3] == ["problem", "m", "archive"]
    rows = [line.split() for line in out[2:]]
    assert [row[2] for row in rows] == ["uniform", "nsga2"]
    for row in rows:
        assert float(row[6]) > 0 and float(row[7]) > 0  # seconds, BoTorch's and lamoo's
        assert row[9] == "yes" and float(row[10]) == 0.0  # the same cells, the same acquisition values
        assert row[-1] == "yes"  # the same greedy batch


def test_rejects_an_archive_too_small():
    with pytest.raises(SystemExit):
        box_decomposition.main(["--sizes", "1"])
