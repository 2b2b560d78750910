import os
import subprocess
import sys
from pathlib import Path

import pytest

from lamoo.exceptions import InvalidInputError
from samplers import (CMAESSampler, EvolutionSampler, LocalSearchSampler, NSGA2Sampler, QEHVISampler, RandomSampler,
                      get_sampler, list_samplers)


def test_every_documented_name_is_registered():
    assert list_samplers() == sorted(["random", "qehvi", "qlogehvi", "qlognehvi", "cmaes", "nsga2", "evolution", "local",
                                      "xnas"])
    kinds = {"random": RandomSampler, "qehvi": QEHVISampler, "qlogehvi": QEHVISampler,
             "qlognehvi": QEHVISampler, "cmaes": CMAESSampler, "nsga2": NSGA2Sampler,
             "evolution": EvolutionSampler, "local": LocalSearchSampler, "xnas": NSGA2Sampler}
    for name, cls in kinds.items():
        assert type(get_sampler(name)) is cls


def test_keyword_arguments_reach_the_sampler():
    assert get_sampler("nsga2", pop_size=8).pop_size == 8
    assert get_sampler("cmaes", popsize=6).popsize == 6


def test_unknown_names_and_arguments_are_rejected():
    with pytest.raises(ValueError, match="unknown sampler 'tpe'"):
        get_sampler("tpe")
    with pytest.raises(InvalidInputError, match="sampler 'cmaes' rejected the unknown argument 'pop_size'; it accepts: popsize, "):
        get_sampler("cmaes", pop_size=3)
    with pytest.raises(InvalidInputError, match="'random' rejected the unknown argument 'seed'; it accepts: no arguments"):
        get_sampler("random", seed=3)
    with pytest.raises(InvalidInputError, match=r"it accepts: num_restarts, .*categorical$"):  # not the fixed one
        get_sampler("qlogehvi", popsize=3)


def test_importing_samplers_loads_no_heavy_back_end():
    code = ("import sys, samplers; samplers.get_sampler('qehvi'); samplers.get_sampler('cmaes'); "
            "samplers.get_sampler('nsga2'); "
            "print(sorted(m for m in ('torch', 'botorch', 'gpytorch', 'cma', 'pymoo') if m in sys.modules))")
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", ["cmaes", "nsga2"])
def test_a_resumed_run_continues_exactly_like_an_uninterrupted_one(name, tmp_path):
    # the samplers keep no state between calls: the archive is all they need
    import numpy as np

    from lamoo import LaMOO, Study, optimize
    from tests.toys import ToyTask

    task = ToyTask(d=2)

    def make():
        return LaMOO(get_sampler(name), leaf_size=4)

    journal = tmp_path / "run.jsonl"
    Study(task, make(), seed=3, n_init=10, journal=journal).optimize(20, batch_size=5)
    resumed = Study.load(journal, task, make()).optimize(35, batch_size=5)
    whole = optimize(task, make(), budget=35, n_init=10, batch_size=5, seed=3)
    np.testing.assert_array_equal(resumed.X, whole.X)
