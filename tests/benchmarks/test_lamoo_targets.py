import math

import pytest

from benchmarks.lamoo_targets import geometric_mean, main, meets, pair_cells
from lamoo.bench.stats import Bounded
from lamoo.exceptions import InvalidInputError
from tests.bench.test_report import MAX_HV, record, trace_reaching, write_records

TASK = "branin-currin"  # not an nb201-* task: the threshold is 90%


def reaching(k: int | None, final: float) -> list[float]:
    """A trace that first reaches 90% of the maximum after ``k`` samples (None: never) and ends at
    ``final``."""
    trace = trace_reaching({0.9: k} if k else {})
    trace[-1] = max(trace[-1], final)
    return trace


@pytest.fixture
def folders(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    write_records(first, [record(TASK, "random", s, reaching(8, 95.0)) for s in range(3)]
                  + [record(TASK, "lamoo-random", s, reaching(4, 95.0)) for s in range(3)])
    # LaMOO(random) with the classic policy: never reaches 90%, ends far worse; only 2 seeds
    write_records(second, [record(TASK, "lamoo-random:policy=classic", s, reaching(None, 60.0)) for s in range(2)])
    return first, second


def test_ratios_gaps_and_verdicts_over_two_folders(folders):
    cells = pair_cells(folders)
    r, gap, n_seeds = cells[("random", "lamoo-random")][TASK]
    assert (r.kind, r.value, gap, n_seeds) == ("=", 2.0, 0.0, 3) and meets(r, gap)
    r, gap, n_seeds = cells[("random", "lamoo-random:policy=classic")][TASK]
    assert r.kind == "<" and n_seeds == 2  # LaMOO censored at the budget: X / LaMOO(X) is an upper bound
    assert gap == pytest.approx(math.log10(MAX_HV - 95.0) - math.log10(MAX_HV - 60.0))
    assert meets(r, gap) is False


def test_a_run_in_two_folders_is_refused(folders, tmp_path):
    write_records(folders[1], [record(TASK, "random", 0, reaching(8, 95.0))])
    with pytest.raises(InvalidInputError, match="in two folders"):
        pair_cells(folders)


def test_verdicts_of_bounds():
    assert meets(Bounded(0.8, "="), 0.1) is False
    assert meets(Bounded(1.2, "="), -0.06) is False  # the final gap decides even with a good ratio
    assert meets(Bounded(0.8, ">"), 0.0) is None     # a lower bound under 0.9 decides nothing
    assert meets(Bounded(0.95, ">"), 0.0) is True
    assert meets(Bounded(math.nan, "?"), 0.0) is True and meets(Bounded(math.nan, "?"), None) is None


def test_geometric_mean_keeps_bounds():
    assert geometric_mean([Bounded(2.0, "="), Bounded(8.0, "=")]) == Bounded(4.0, "=")
    assert geometric_mean([Bounded(2.0, ">"), Bounded(8.0, "=")]).kind == ">"
    assert geometric_mean([Bounded(2.0, ">"), Bounded(8.0, "<")]).kind == "?"


def test_main_writes_the_table(folders, tmp_path, capsys):
    out = tmp_path / "TARGETS.md"
    main([str(f) for f in folders] + ["--out", str(out)])
    text = out.read_text()
    assert "| `random` | `lamoo-random` | 2.00 (+0.00) |" in text and text.strip() in capsys.readouterr().out


def test_seeds_restrict_every_pair(folders):
    cells = pair_cells(folders, seeds={0})
    assert {per[TASK][2] for per in cells.values()} == {1}
