"""Small journaled runs for the dashboard's tests (seconds each)."""
import numpy as np

from lamoo import LaMOO, Study, Task
from lamoo.space import SearchSpace
from lamoo.task import ObjectiveSpec
from lamoo.testing import ToyTask
from samplers import RandomSampler

NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]


class CellToyTask(Task):
    """NAS-Bench-201's cell space (6 edges, 5 ops) with two cheap objectives: convolutions
    (maximized) and a cost (minimized)."""

    def __init__(self):
        self.space = SearchSpace.categorical(6, NB201_OPS, names=[f"edge{i}" for i in range(6)])
        self.objectives = (ObjectiveSpec("convs", "maximize"), ObjectiveSpec("cost", "minimize"))
        self.ref_point = np.array([-1.0, 30.0])

    def evaluate(self, X):
        X = np.asarray(X)
        return np.column_stack([np.isin(X, (2, 3)).sum(1), (X ** 2).sum(1) / 2 + X[:, 0]])


def lamoo_study(path, task=None, seed=0, n_init=8, leaf_size=3) -> Study:
    task = task or ToyTask(2)
    return Study(task, LaMOO(RandomSampler(), leaf_size=leaf_size), seed=seed, n_init=n_init, journal=path)


def grow(study: Study, n: int, batch_size: int = 4) -> None:
    """Evaluate ``n`` more points, a batch at a time (the journal grows as it goes)."""
    target = study.n_told + n
    while study.n_told < target:
        X = study.ask(min(batch_size, target - study.n_told) if study.n_told >= study.n_init else study.n_init)
        study.tell(X, study.task.evaluate(X))
