"""The pruning benchmark's report pieces: LaMOO-vs-inner wins and the partition/yield sections,
from a real LaMOO run on a binary toy task."""
import numpy as np

from benchmarks.pruning import _wins, make_sampler
from benchmarks.pruning_analysis import journals, partition_lines, partitions
from lamoo import LaMOO, Result, optimize
from nas_tasks.pruning.partitions import front_yield
from samplers import EvolutionSampler, NSGA2Sampler, RandomSampler
from tests.nas_tasks.pruning.test_partitions import SparseTask


def test_every_method_builds_its_sampler():
    assert isinstance(make_sampler("nsga2-binary", 10), NSGA2Sampler)
    wrapped = make_sampler("lamoo-random", 10)
    assert isinstance(wrapped, LaMOO) and isinstance(wrapped.sampler, RandomSampler)
    assert isinstance(make_sampler("evolution", 10), EvolutionSampler)


def test_wins_compare_each_lamoo_method_with_its_inner_sampler_seed_by_seed():
    runs = [{"method": m, "seed": s, "hypervolume": hv} for m, s, hv in [
        ("nsga2-binary", 0, 1.0), ("lamoo-nsga2-binary", 0, 2.0), ("nsga2-binary", 1, 3.0),
        ("lamoo-nsga2-binary", 1, 2.0), ("random", 0, 1.0), ("lamoo-random", 0, 0.5), ("lamoo-random", 1, 9.0)]]
    assert _wins(runs) == ["LaMOO(nsga2-binary) has the larger HV than nsga2-binary on 1 of 2 seeds.",
                           "LaMOO(random) has the larger HV than random on 0 of 1 seeds."]


def test_the_partition_section_reads_the_runs_journals(tmp_path):
    (tmp_path / "journals").mkdir()
    path = tmp_path / "journals" / "lamoo-nsga2-binary-s0.jsonl"
    optimize(SparseTask(), make_sampler("lamoo-nsga2-binary", 10), budget=60, n_init=20, batch_size=10, seed=3,
             journal=path)
    assert journals(tmp_path) == {("lamoo-nsga2-binary", 0): path}
    part = partitions("lamoo-nsga2-binary", path, 10)
    assert [b["batch"] for b in part["batches"]] == [1, 2, 3, 4] and all(b["tree_matches"] for b in part["batches"])
    yields = [y["yield"] for y in front_yield(Result.from_journal(path))]
    analysis = {"n_bits": 24, "partitions": {"lamoo-nsga2-binary-s0": part},
                "yield": {"lamoo-nsga2-binary-s0": {"mean": float(np.mean(yields)), "per_batch": yields}}}
    text = "\n".join(partition_lines(analysis))
    assert "| lamoo-nsga2-binary-s0 | 4 (4) |" in text and "lamoo-nsga2-binary, means over 1 runs" in text
    assert "; 24 bits, " in text
    assert f"| lamoo-nsga2-binary | {np.mean(yields):.3f} |" in text
