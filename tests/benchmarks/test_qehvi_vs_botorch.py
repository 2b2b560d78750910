import numpy as np
import pytest

from benchmarks import qehvi_vs_botorch
from lamoo.bench.records import load_runs
from lamoo.bench.run import main as bench


@pytest.mark.filterwarnings("ignore:no evaluated point dominates the reference point")
def test_the_comparison_prints_each_seeds_numbers_from_the_run_records(tmp_path, capsys):
    # a real grid of two cheap methods stands in for the two BoTorch loops (minutes per run)
    bench(["--tasks", "branin-currin", "--methods", "random", "lamoo-random", "--seeds", "0-1", "--budget", "16",
           "--batch-size", "3", "--n-init", "7", "--workers", "0", "--no-progress", "--out", str(tmp_path)])
    capsys.readouterr()
    records = load_runs(tmp_path)
    lines = qehvi_vs_botorch.compare(records, 0.5, methods=("random", "lamoo-random"))
    assert lines[0] == "branin-currin: budget 16, seeds [0, 1]"
    by_key = {(r["method"], r["seed"]): r for r in records}
    for seed, line in zip((0, 1), lines[2:4]):
        cells = line.replace("|", " ").replace("> ", ">").split()
        ours, peer = by_key["random", seed], by_key["lamoo-random", seed]
        for record, value in ((ours, cells[1]), (peer, cells[2])):
            gap = record["max_hypervolume"] - record["hypervolume_trace"][-1]
            assert float(value) == round(np.log10(gap), 3)
        trace = np.asarray(ours["hypervolume_trace"])
        reached = np.flatnonzero(trace >= 0.5 * ours["max_hypervolume"])
        assert cells[3] == (str(reached[0] + 1) if len(reached) else ">16")
    assert lines[5].startswith("final gap: random lower on ")
    qehvi_vs_botorch.main(["--out", str(tmp_path)])  # the default labels: no run of them, nothing to compare
    assert capsys.readouterr().out.strip() == ""
