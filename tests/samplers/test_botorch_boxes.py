"""lamoo's NumPy box decomposition must be BoTorch's, bit for bit, and qLogNEHVI must use it."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("botorch")

from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement  # noqa: E402
from botorch.sampling.normal import SobolQMCNormalSampler  # noqa: E402
from botorch.utils.multi_objective.box_decompositions.box_decomposition_list import BoxDecompositionList  # noqa: E402
from botorch.utils.multi_objective.box_decompositions.non_dominated import (  # noqa: E402
    FastNondominatedPartitioning, NondominatedPartitioning)

from samplers.botorch_acq import make_acquisition  # noqa: E402
from samplers.botorch_boxes import NumpyNondominatedPartitioning, QLogNEHVI  # noqa: E402


def fronts(m: int, seed: int):
    """Outcome sets (maximized) of every shape the decomposition meets: a sphere's front, uniform
    clouds, ties on a grid, duplicates, one point, points worse than the reference, none."""
    rng = np.random.default_rng(seed)
    Y = rng.random((40, m))
    yield Y
    yield Y / np.linalg.norm(Y, axis=1, keepdims=True)
    yield np.round(rng.random((30, m)) * 4) / 4
    yield np.vstack([Y[:5], Y[:5], Y[:1]])
    yield Y[:1]
    yield np.vstack([Y[:10], -rng.random((5, m))])
    yield -rng.random((3, m))
    yield np.empty((0, m))


@pytest.mark.parametrize("m", [2, 3, 4, 5])
def test_the_cells_are_botorchs_bit_for_bit(m):
    ref = torch.full((m,), 0.05, dtype=torch.float64)
    for seed in range(3):
        for Y in fronts(m, seed):
            Y = torch.as_tensor(Y, dtype=torch.float64)
            theirs = FastNondominatedPartitioning(ref_point=ref, Y=Y)
            ours = NumpyNondominatedPartitioning(ref_point=ref, Y=Y)
            assert torch.equal(ours.get_hypercell_bounds(), theirs.get_hypercell_bounds()), (m, seed, len(Y))
            assert ours.get_hypercell_bounds().dtype == torch.float64
            assert torch.equal(ours.compute_hypervolume(), theirs.compute_hypervolume())


def test_an_update_adds_points_as_botorch_does():
    rng = np.random.default_rng(7)
    ref = torch.zeros(3, dtype=torch.float64)
    first, more = (torch.as_tensor(rng.random((n, 3))) for n in (15, 10))
    theirs = FastNondominatedPartitioning(ref_point=ref, Y=first)
    ours = NumpyNondominatedPartitioning(ref_point=ref, Y=first)
    theirs.update(more)
    ours.update(more)
    assert torch.equal(ours.get_hypercell_bounds(), theirs.get_hypercell_bounds())


def test_single_precision_stays_single():
    Y = torch.rand(12, 3, generator=torch.Generator().manual_seed(0))
    ref = torch.zeros(3)
    ours = NumpyNondominatedPartitioning(ref_point=ref, Y=Y)
    theirs = FastNondominatedPartitioning(ref_point=ref, Y=Y)
    assert ours.get_hypercell_bounds().dtype == torch.float32
    assert torch.equal(ours.get_hypercell_bounds(), theirs.get_hypercell_bounds())


def model_and_baseline(m: int = 3, n: int = 25):
    from botorch.models import SingleTaskGP

    g = torch.Generator().manual_seed(0)
    X = torch.rand(n, 4, generator=g, dtype=torch.float64)
    Y = torch.stack([X[:, 0] - X[:, 1] ** 2, 1 - X[:, 0] + 0.3 * X[:, 2], X[:, 1] * X[:, 3]][:m], dim=-1)
    return SingleTaskGP(X, Y).eval(), X, torch.zeros(m, dtype=torch.float64)


def nehvi(cls, model, X, ref, **kwargs):
    torch.manual_seed(0)  # the baseline's pruning draws from torch's generator
    return cls(model=model, ref_point=ref, X_baseline=X, prune_baseline=True,
               sampler=SobolQMCNormalSampler(sample_shape=torch.Size([16]), seed=0), **kwargs)


def test_qlognehvi_is_botorchs_with_the_numpy_cells():
    model, X, ref = model_and_baseline()
    theirs = nehvi(qLogNoisyExpectedHypervolumeImprovement, model, X, ref)
    ours = nehvi(QLogNEHVI, model, X, ref)
    assert isinstance(ours.partitioning, BoxDecompositionList)
    assert all(type(p) is NumpyNondominatedPartitioning for p in ours.partitioning.box_decompositions)
    probe = torch.rand(64, 1, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    pending = torch.rand(3, 4, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    for step in range(len(pending) + 1):
        if step:
            theirs.set_X_pending(pending[:step])
            ours.set_X_pending(pending[:step])
        assert torch.equal(ours.cell_lower_bounds, theirs.cell_lower_bounds)
        assert torch.equal(ours.cell_upper_bounds, theirs.cell_upper_bounds)
        with torch.no_grad():
            assert torch.equal(ours(probe), theirs(probe))


def test_approximate_partitionings_are_left_to_botorch():
    model, X, ref = model_and_baseline()
    acq = nehvi(QLogNEHVI, model, X, ref, alpha=0.1)
    assert acq.p_class is NondominatedPartitioning


def test_two_objectives_keep_botorchs_batched_path():
    model, X, ref = model_and_baseline(m=2)
    theirs = nehvi(qLogNoisyExpectedHypervolumeImprovement, model, X, ref)
    ours = nehvi(QLogNEHVI, model, X, ref)
    assert torch.equal(ours.cell_lower_bounds, theirs.cell_lower_bounds)
    assert torch.equal(ours.cell_upper_bounds, theirs.cell_upper_bounds)


def test_the_sampler_builds_qlognehvi_with_the_numpy_cells():
    model, X, ref = model_and_baseline()
    acq = make_acquisition("qlognehvi", model, X, -ref.numpy()[None] - 1.0, -ref.numpy(), mc_samples=8, seed=0)
    assert type(acq) is QLogNEHVI
    assert acq.p_class is NumpyNondominatedPartitioning
