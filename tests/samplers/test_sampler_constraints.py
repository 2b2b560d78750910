"""How each inner sampler handles outcome constraints (see each sampler's docstring)."""
import numpy as np
import pytest

from lamoo import LaMOO, optimize, plugins
from lamoo.archive import Archive
from lamoo.region import Region
from samplers import CMAESSampler, NSGA2Sampler, QEHVISampler
from samplers.cmaes import _penalize
from samplers.evolution import EvolutionSampler
from tests.samplers.test_qehvi import FAST
from tests.toys import FiniteToyTask, ToyTask

BOUND = 0.15  # f1 = mean(x^2) <= BOUND: about a quarter of the unit square


def constrained_archive(task, n: int, seed: int = 0, constraint=f"f1<={BOUND}") -> Archive:
    rng = np.random.default_rng(seed)
    archive = Archive(task.space, task.objectives, task.ref_point, [constraint])
    X = task.space.sample_uniform(n, rng)
    Y = task.evaluate(X)
    archive.append(X, Y, C=Y[:, :1], sources=["init"] * n)
    return archive


@pytest.mark.parametrize("name", ["random", "nsga2", "cmaes", "evolution",
                                  pytest.param("qehvi", marks=pytest.mark.slow),
                                  pytest.param("qlogehvi", marks=pytest.mark.slow)])
@pytest.mark.parametrize("lamoo", [False, True])
def test_every_sampler_runs_on_a_constrained_task(name, lamoo):
    kwargs = FAST if name.startswith("q") else {}
    sampler = plugins.get_sampler(name, **kwargs)
    sampler = LaMOO(sampler, leaf_size=4, min_samples=8) if lamoo else sampler
    res = optimize(ToyTask(d=2), sampler, budget=16, n_init=8, batch_size=4, seed=0, constraints=f"f1<={BOUND}")
    assert len(res) == 16 and not res.failed.any()
    np.testing.assert_array_equal(res.feasible, res.Y[:, 0] <= BOUND)


def test_nsga2_parents_are_feasible_first_then_least_violating():
    archive = constrained_archive(ToyTask(d=2), 40)
    region = Region.whole(archive)
    feasible = archive.feasible_indices
    assert 0 < len(feasible) < 20
    parents = NSGA2Sampler(pop_size=len(feasible) + 3).select_parents(region, archive, np.random.default_rng(0))
    assert set(feasible) <= set(parents)
    infeasible = np.setdiff1d(archive.valid_indices, feasible)
    least = infeasible[np.argsort(archive.violation[infeasible], kind="stable")[:3]]
    assert set(parents) - set(feasible) == set(least)


def test_cmaes_ranks_infeasible_points_after_feasible_ones_by_violation():
    g = np.array([5.0, 1.0, 0.5, 3.0])
    violation = np.array([0.0, 0.2, 0.1, 0.0])
    assert list(np.argsort(_penalize(g, violation))) == [3, 0, 2, 1]
    assert list(np.argsort(_penalize(g, violation + 0.05), kind="stable")) == [0, 3, 2, 1]  # none feasible: by violation
    archive = constrained_archive(ToyTask(d=2), 30)
    proposal = CMAESSampler().propose(Region.whole(archive), archive, 4, np.random.default_rng(0))
    assert len(proposal.X) == 4


def test_evolution_tournament_prefers_feasible_members():
    F = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    sampler = EvolutionSampler(population_size=3, sample_size=3)
    assert sampler.tournament(F, np.random.default_rng(0)) == 0
    assert sampler.tournament(F, np.random.default_rng(0), np.array([0.3, 0.0, 0.0])) == 1
    assert sampler.tournament(F, np.random.default_rng(0), np.array([0.3, 0.2, 0.1])) == 2


def test_qehvi_models_each_constraint_and_discounts_infeasible_points():
    import torch

    from samplers.botorch_acq import make_acquisition

    task = ToyTask(d=2)
    archive = constrained_archive(task, 30)
    plain = Archive(task.space, task.objectives, task.ref_point)
    plain.append(archive.X, archive.Y)
    sampler = QEHVISampler("qehvi", **FAST)
    values = {}
    for key, arch in (("constrained", archive), ("plain", plain)):
        valid = arch.valid_indices
        model, train_X = sampler._fit(arch, valid)
        assert model.num_outputs == 2 + len(arch.constraints)
        F = arch.F[arch.feasible_indices]
        acq = make_acquisition("qehvi", model, train_X, F, arch.reference_F(), mc_samples=FAST.get("mc_samples", 32),
                               seed=0, n_constraints=len(arch.constraints))
        assert (acq.constraints is not None) == (key == "constrained")
        far = torch.tensor([[[0.95, 0.95]]], dtype=torch.float64)  # f1 = 0.9, far above the bound
        with torch.no_grad():
            values[key] = float(acq(far))
    assert values["constrained"] < 1e-2 * values["plain"]


def test_constrained_finite_task_runs_with_lamoo():
    task = FiniteToyTask()
    bound = float(np.median(task.evaluate(task.space.candidates)[:, 1]))
    res = optimize(task, LaMOO(NSGA2Sampler(), leaf_size=5), budget=30, n_init=10, batch_size=5, seed=0,
                   constraints=f"{task.objectives[1].name}<={bound}")
    assert res.feasible.sum() > 0
    assert len({tuple(x) for x in res.X}) == len(res.X)
