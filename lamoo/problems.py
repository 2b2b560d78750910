"""Built-in synthetic problems, from BoTorch's multi-objective test functions.

All objectives are minimized, in BoTorch's units; reference points and known maximum
hypervolumes are BoTorch's (in minimization form). :func:`branin_currin`, :func:`vehicle_safety`
and :func:`dtlz2` build them; they are also registered as ``lamoo.tasks`` entry points, so
``lamoo optimize --task branin-currin`` and ``lamoo.plugins.get_task("dtlz2", dim=8)`` find them.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from lamoo.exceptions import InvalidInputError, require
from lamoo.space import SearchSpace
from lamoo.task import ObjectiveSpec, Task


class BoTorchProblem(Task):
    """A task wrapping a ``botorch.test_functions.multi_objective`` problem (noise-free).

    Attributes follow :class:`lamoo.task.Task`; ``evaluate(X)`` maps ``(n x d)`` points to
    ``(n x m)`` minimized objective values.
    """

    def __init__(self, name: str, problem, objective_names: tuple[str, ...], ideal_point=None, kwargs=None):
        self.name = name
        self._problem = problem
        bounds = problem.bounds.numpy().T
        self.space = SearchSpace(bounds)
        self.objectives = tuple(ObjectiveSpec(o, "minimize") for o in objective_names)
        self.ref_point = np.asarray(problem.ref_point, dtype=float)
        try:
            self.max_hypervolume: float | None = float(problem.max_hv)
        except NotImplementedError:
            self.max_hypervolume = None
        self.ideal_point = None if ideal_point is None else np.asarray(ideal_point, dtype=float)
        self._kwargs = dict(kwargs or {})

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        import torch

        X = self.space.validate(X)
        with torch.no_grad():
            return self._problem.evaluate_true(torch.as_tensor(X, dtype=torch.double)).numpy().copy()

    def describe(self) -> dict:
        return {"problem": self.name, "kwargs": self._kwargs}

    def __repr__(self) -> str:
        return f"BoTorchProblem({self.name!r}, d={self.space.n_dims}, m={len(self.objectives)})"


def branin_currin() -> BoTorchProblem:
    """BraninCurrin: ``d = 2`` in ``[0, 1]^2``, two minimized objectives, reference point
    ``(18, 6)``, maximum hypervolume 59.36011874867746."""
    mo = require("botorch.test_functions.multi_objective", "botorch")
    return BoTorchProblem("branin-currin", mo.BraninCurrin(), ("branin", "currin"))


def vehicle_safety() -> BoTorchProblem:
    """VehicleSafety: ``d = 5`` in ``[1, 3]^5``, three minimized objectives (mass, acceleration,
    intrusion)."""
    mo = require("botorch.test_functions.multi_objective", "botorch")
    return BoTorchProblem("vehicle-safety", mo.VehicleSafety(), ("mass", "acceleration", "intrusion"))


def dtlz2(dim: int = 6, num_objectives: int = 2) -> BoTorchProblem:
    """DTLZ2 on ``[0, 1]^dim`` with ``num_objectives`` minimized objectives (``dim >
    num_objectives >= 2``); the ideal point is the origin."""
    if not (isinstance(num_objectives, int) and num_objectives >= 2):
        raise InvalidInputError(f"dtlz2: num_objectives must be an integer >= 2, got {num_objectives!r}")
    if not (isinstance(dim, int) and dim > num_objectives):
        raise InvalidInputError(f"dtlz2: dim must be an integer > num_objectives ({num_objectives}), got {dim!r}")
    mo = require("botorch.test_functions.multi_objective", "botorch")
    names = tuple(f"f{i + 1}" for i in range(num_objectives))
    return BoTorchProblem("dtlz2", mo.DTLZ2(dim=dim, num_objectives=num_objectives), names,
                          ideal_point=np.zeros(num_objectives), kwargs={"dim": dim, "num_objectives": num_objectives})


PROBLEMS: dict[str, Callable[..., BoTorchProblem]] = {
    "branin-currin": branin_currin,
    "vehicle-safety": vehicle_safety,
    "dtlz2": dtlz2,
}


def list_problems() -> list[str]:
    return sorted(PROBLEMS)


def get_problem(name: str, **kwargs) -> BoTorchProblem:
    """A built-in problem by name: ``"branin-currin"`` (d=2, m=2), ``"vehicle-safety"``
    (d=5, m=3) or ``"dtlz2"`` (``dim`` and ``num_objectives`` configurable; default 6 and 2)."""
    if name not in PROBLEMS:
        raise InvalidInputError(f"unknown problem {name!r}; available: {', '.join(list_problems())}")
    try:
        return PROBLEMS[name](**kwargs)
    except TypeError as exc:
        raise InvalidInputError(f"problem {name!r}: {exc}") from None


# ---------------------------------------------------------------------------- ``lamoo.tasks`` entry points
def branin_currin() -> BoTorchProblem:
    """The ``branin-currin`` task (d=2, m=2) for the ``lamoo.tasks`` entry point."""
    return get_problem("branin-currin")


def vehicle_safety() -> BoTorchProblem:
    """The ``vehicle-safety`` task (d=5, m=3) for the ``lamoo.tasks`` entry point."""
    return get_problem("vehicle-safety")


def dtlz2(dim: int = 6, num_objectives: int = 2) -> BoTorchProblem:
    """The ``dtlz2`` task (``dim`` > ``num_objectives`` >= 2) for the ``lamoo.tasks`` entry point."""
    return get_problem("dtlz2", dim=dim, num_objectives=num_objectives)
