import pytest

from benchmarks.paired_seeds import compare, main
from lamoo.bench.records import load_runs
from lamoo.exceptions import InvalidInputError
from tests.bench.test_report import BUDGET, record, trace_reaching, write_records

TASK = "branin-currin"  # the default threshold is 90% off NB201


@pytest.fixture
def folder(tmp_path):
    # seeds 0-5: A reaches 90% after 4 samples, B after 6; seed 6: a tie at 5; seed 7: A never does
    runs = [record(TASK, "random", s, trace_reaching({0.9: 4})) for s in range(6)]
    runs += [record(TASK, "lamoo-random", s, trace_reaching({0.9: 6})) for s in range(6)]
    runs += [record(TASK, m, 6, trace_reaching({0.9: 5})) for m in ("random", "lamoo-random")]
    runs += [record(TASK, "random", 7, trace_reaching({})), record(TASK, "lamoo-random", 7, trace_reaching({0.9: 8}))]
    runs.append(record(TASK, "random", 8, trace_reaching({0.9: 2})))  # no partner: left out
    return write_records(tmp_path, runs)


def test_counts_sign_test_and_interval(folder):
    row = compare(load_runs(folder), "random", "lamoo-random")[TASK]
    assert (row["seeds"], row["faster"], row["tied"], row["slower"]) == (8, 6, 1, 1)
    assert row["p"] == pytest.approx(2 * 8 / 128)  # two-sided sign test: 6 or 7 of 7 untied
    assert row["a"] == "4 [4, 4.25]" and row["b"] == "6 [6, 6]"
    low, high = row["interval"]
    assert 0 <= low <= high <= BUDGET + 1 - 4
    # every run ends at 90% of the maximum but random's seed 7, which never gets there
    assert (row["closer"], row["same"], row["farther"], row["final_p"]) == (0, 7, 1, 1.0)
    assert row["final_diff"] == 0.0


def test_final_gaps_pair_up_by_seed(tmp_path):
    runs = [record(TASK, "random", s, trace_reaching({0.9: 4, 0.99: 6 if s < 5 else 0})) for s in range(6)]
    runs += [record(TASK, "cmaes", s, trace_reaching({0.9: 4})) for s in range(6)]
    row = compare(load_runs(write_records(tmp_path, runs)), "random", "cmaes")[TASK]
    assert (row["closer"], row["same"], row["farther"]) == (5, 1, 0)
    assert row["final_p"] == pytest.approx(2 / 32)
    assert row["final_diff"] == pytest.approx(1.0)  # log10(10% of max) - log10(1% of max)


def test_threshold_and_reversed_roles(folder):
    row = compare(load_runs(folder), "lamoo-random", "random", threshold=0.5)[TASK]
    assert (row["faster"], row["tied"], row["slower"]) == (0, 8, 0)  # every trace starts at 50%
    row = compare(load_runs(folder), "lamoo-random", "random")[TASK]
    assert (row["faster"], row["slower"]) == (1, 6)


def test_cli(folder, capsys):
    main([str(folder), "--a", "random", "--b", "lamoo-random"])
    out = capsys.readouterr().out
    assert f"| {TASK} | 8 | 90.0% | 4 [4, 4.25] | 6 [6, 6] | 6 / 1 / 1 |" in out
    with pytest.raises(InvalidInputError, match="'random' and 'cmaes'"):
        main([str(folder), "--a", "random", "--b", "cmaes"])
    with pytest.raises(SystemExit):
        main([str(folder), "--a", "random", "--b", "lamoo-random", "--threshold", "1.5"])
    assert "got 1.5" in capsys.readouterr().err


def test_a_folder_with_only_its_runs_table_pairs_as_its_records_did(folder, tmp_path, capsys):
    import shutil

    from lamoo.bench.report import write_report

    main([str(folder), "--a", "random", "--b", "lamoo-random"])
    from_records = capsys.readouterr().out
    write_report(folder)
    shutil.rmtree(folder / "json")  # what a committed folder keeps: REPORT.md and runs.csv
    main([str(folder), "--a", "random", "--b", "lamoo-random"])
    assert capsys.readouterr().out == from_records
    main([str(folder), "--a", "random", "--b", "lamoo-random", "--threshold", "0.99"])
    assert "| 99.0% |" in capsys.readouterr().out
    with pytest.raises(InvalidInputError, match=r"runs.csv has no samples to 80%.*90%, 95%, 99%, 99.9%"):
        main([str(folder), "--a", "random", "--b", "lamoo-random", "--threshold", "0.8"])
