"""Any pymoo problem as a lamoo task (``pip install 'lamoo[pymoo]'``): ZDT, DTLZ, WFG, ... and a
user's own ``pymoo.core.problem.Problem``.

::

    from lamoo import LaMOO, optimize
    from lamoo.integrations.pymoo import PymooTask, pymoo_task
    from samplers import NSGA2Sampler

    task = pymoo_task("zdt1", n_var=10)              # pymoo.problems.get_problem("zdt1", n_var=10)
    task = PymooTask(MyProblem(), ref_point=[2, 2])  # your own Problem
    res = optimize(task, LaMOO(NSGA2Sampler()), budget=200, batch_size=5, seed=0)

Registered as ``lamoo.tasks`` entry points: ``pymoo`` (any problem by name: ``lamoo optimize
--task pymoo --param name=wfg4 --param n_var=6 --param n_obj=2``) and ``pymoo-zdt1``,
``pymoo-zdt2``, ``pymoo-zdt3``, ``pymoo-dtlz2``, ``pymoo-dtlz7``, ``pymoo-wfg4`` (the problem's own
keywords as options: ``pymoo-dtlz2:n_var=6:n_obj=2`` in ``lamoo bench``).

Objectives are pymoo's, all minimized, named ``f1 .. fm``. Where pymoo knows the problem's Pareto
front, it sets the maximum hypervolume, the ideal point and, unless given, the reference point
(the front's nadir plus 10% of its range: ``(1.1, 1.1)`` on ZDT1). The front is asked for densely
(about 100,000 points for two objectives, 10,000 for more, where its ``_calc_pareto_front``
takes a density: ``n_pareto_points``, ``n_points`` or ``ref_dirs``; pymoo's default otherwise,
e.g. WFG's 100 points, which it computes numerically), and its hypervolume is a lower bound of the true maximum; with two objectives the
true maximum is also bounded above (the front lies between consecutive points, so the corners
``(f1[i], f2[i+1])`` dominate it), and ``describe()`` records both bounds.
"""
from __future__ import annotations

import inspect

import numpy as np

from lamoo.exceptions import InvalidInputError, require
from lamoo.pareto import hypervolume, non_dominated_mask
from lamoo.space import SearchSpace
from lamoo.task import ObjectiveSpec, Task

DENSE_FRONT = {2: 100_000, 3: 10_000}  # points asked for, by number of objectives (more: 10,000 too)
INFEASIBLE = ("error", "fail")


class PymooTask(Task):
    """A pymoo ``Problem`` as a lamoo :class:`~lamoo.Task`.

    Args:
        problem: a ``pymoo.core.problem.Problem`` with bounds (``xl``, ``xu``), or a mixed-variable
            one (``vars``: ``Real``, ``Integer``, ``Choice``, ``Binary``).
        ref_point: ``(m,)`` reference point (objectives minimized); default from the Pareto front
            (see the module docstring); required when pymoo has no front for the problem.
        name: the task's name in ``describe()`` (default: the problem's class name).
        options: the keywords the problem was built with (recorded in ``describe()``).
        infeasible: a problem with constraints: ``"error"`` (the default) refuses it, since lamoo
            has no constraint handling; ``"fail"`` makes every infeasible point a failed
            evaluation whose error names the largest violation.

    ``evaluate(X)`` maps ``(n x d)`` points to ``(n x m)`` minimized values.
    """

    def __init__(self, problem, *, ref_point=None, name: str | None = None, options: dict | None = None,
                 infeasible: str = "error"):
        require("pymoo", "pymoo")
        from pymoo.core.problem import Problem

        if not isinstance(problem, Problem):
            raise InvalidInputError(f"problem must be a pymoo.core.problem.Problem, got {problem!r}")
        if infeasible not in INFEASIBLE:
            raise InvalidInputError(f"infeasible must be one of {INFEASIBLE}, got {infeasible!r}")
        if problem.has_constraints() and infeasible == "error":
            raise InvalidInputError(f"{type(problem).__name__} has {problem.n_constr} constraints and lamoo has no "
                                    f"constraint handling: pass infeasible='fail' to count infeasible points as "
                                    f"failed evaluations")
        self.problem = problem
        self.name = name or type(problem).__name__
        self._options = dict(options or {})
        self.infeasible = infeasible
        self._vars = _variables(problem)
        self.space = _space(problem, self._vars)
        m = int(problem.n_obj)
        self.objectives = tuple(ObjectiveSpec(f"f{j + 1}", "minimize") for j in range(m))
        self.front = dense_pareto_front(problem)
        if ref_point is None and self.front is None:
            raise InvalidInputError(f"pymoo knows no Pareto front for {self.name}: give ref_point (one value per "
                                    f"objective, minimized)")
        self.ref_point = _default_ref(self.front) if ref_point is None else np.asarray(ref_point, dtype=float)
        self.ideal_point = None if self.front is None else self.front.min(axis=0)
        self.max_hypervolume = None if self.front is None else hypervolume(self.front, self.ref_point)
        self._upper = _upper_bound(self.front, self.ref_point)

    def _pymoo_X(self, X: np.ndarray):
        if self._vars is None:
            return X
        return [{name: var.options[int(v)] if kind == "choice" else (bool(v) if kind == "binary" else
                                                                     int(v) if kind == "integer" else float(v))
                 for (name, kind, var), v in zip(self._vars, x)} for x in X]

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        return self.evaluate_with_errors(X)[0]

    def evaluate_with_errors(self, X: np.ndarray) -> tuple[np.ndarray, list[str | None]]:
        """Raw values ``(n x m)`` and per-row errors: with ``infeasible="fail"``, an infeasible
        point's row is NaN and its error names the largest constraint violation."""
        X = self.space.validate(X)
        wanted = ["F"] + (["G"] if self.problem.n_ieq_constr else []) + (["H"] if self.problem.n_eq_constr else [])
        out = self.problem.evaluate(self._pymoo_X(X), return_values_of=wanted, return_as_dictionary=True)
        F = np.array(out["F"], dtype=float).reshape(len(X), -1)
        errors: list[str | None] = [None] * len(X)
        violation = np.zeros(len(X))
        if "G" in out:
            violation = np.maximum(violation, np.array(out["G"], dtype=float).reshape(len(X), -1).max(axis=1))
        if "H" in out:
            violation = np.maximum(violation, np.abs(np.array(out["H"], dtype=float).reshape(len(X), -1)).max(axis=1))
        for i in np.flatnonzero(violation > 0):
            F[i] = np.nan
            errors[i] = f"infeasible: largest constraint violation {violation[i]:.6g}"
        return F, errors

    def describe(self) -> dict:
        out = {"problem": self.name, "library": "pymoo", "class": f"{type(self.problem).__module__}."
               f"{type(self.problem).__qualname__}", "options": self._options, "infeasible": self.infeasible,
               "pareto_front_points": None if self.front is None else len(self.front)}
        if self._upper is not None:
            out["max_hypervolume_upper_bound"] = self._upper
        return out

    def __repr__(self) -> str:
        return f"PymooTask({self.name!r}, d={self.space.n_dims}, m={len(self.objectives)})"


def _variables(problem):
    """``[(name, kind, variable)]`` of a mixed-variable problem; None for a plain array problem."""
    vars_ = getattr(problem, "vars", None)
    if not isinstance(vars_, dict) or not vars_:
        return None
    from pymoo.core.variable import Binary, Choice, Integer, Real

    out = []
    for name, var in vars_.items():
        kind = ("binary" if isinstance(var, Binary) else "choice" if isinstance(var, Choice) else
                "integer" if isinstance(var, Integer) else "real" if isinstance(var, Real) else None)
        if kind is None:
            raise InvalidInputError(f"variable {name!r}: {type(var).__name__} is not supported (Real, Integer, Choice, "
                                    f"Binary are)")
        out.append((str(name), kind, var))
    return out


def _space(problem, variables) -> SearchSpace:
    if variables is None:
        if not problem.has_bounds():
            raise InvalidInputError(f"{type(problem).__name__} has no bounds (xl, xu): lamoo searches a box")
        xl, xu = (np.broadcast_to(np.asarray(b, dtype=float), (problem.n_var,)) for b in (problem.xl, problem.xu))
        return SearchSpace(np.column_stack([xl, xu]))
    bounds, kinds, choices = [], [], []
    for name, kind, var in variables:
        if kind == "choice":
            bounds.append((0, len(var.options) - 1))
            choices.append(tuple(str(o) for o in var.options))
        else:
            bounds.append((0, 1) if kind == "binary" else tuple(var.bounds))
            choices.append(None)
        kinds.append({"real": "continuous", "choice": "categorical"}.get(kind, "integer"))
    return SearchSpace(bounds, kinds=kinds, names=[name for name, _, _ in variables], choices=choices)


def dense_pareto_front(problem) -> np.ndarray | None:
    """pymoo's Pareto front of ``problem``, non-dominated points only, asked for about
    :data:`DENSE_FRONT` points when its ``_calc_pareto_front`` takes a density; None when pymoo
    has none."""
    params = inspect.signature(problem._calc_pareto_front).parameters
    m = int(problem.n_obj)
    kwargs = {}
    if "n_pareto_points" in params:
        kwargs["n_pareto_points"] = DENSE_FRONT.get(m, 10_000)
    elif "n_points" in params:
        kwargs["n_points"] = DENSE_FRONT.get(m, 10_000)
    elif "ref_dirs" in params and "n_iterations" not in params:  # WFG's front is numerical: keep its default
        from pymoo.util.ref_dirs import get_reference_directions

        partitions = {2: DENSE_FRONT[2] - 1, 3: 140, 4: 40}.get(m, 12)
        kwargs["ref_dirs"] = get_reference_directions("das-dennis", m, n_partitions=partitions)
    front = problem.pareto_front(**kwargs)
    if front is None:
        return None
    front = np.asarray(front, dtype=float).reshape(-1, int(problem.n_obj))
    front = front[np.isfinite(front).all(axis=1)]
    return front[non_dominated_mask(front)] if len(front) else None


def _default_ref(front: np.ndarray) -> np.ndarray:
    nadir, ideal = front.max(axis=0), front.min(axis=0)
    return nadir + 0.1 * np.where(nadir > ideal, nadir - ideal, np.maximum(np.abs(nadir), 1.0))


def _upper_bound(front: np.ndarray | None, ref: np.ndarray) -> float | None:
    """With two objectives, the hypervolume of the front and the corners between its consecutive
    points (an upper bound of the true maximum); None otherwise."""
    if front is None or front.shape[1] != 2 or len(front) < 2:
        return None
    F = front[np.argsort(front[:, 0])]
    corners = np.column_stack([F[:-1, 0], F[1:, 1]])
    return hypervolume(np.vstack([F, corners]), ref)


# ---------------------------------------------------------------------------- ``lamoo.tasks`` entry points
def pymoo_task(name: str, ref_point=None, infeasible: str = "error", **options) -> PymooTask:
    """``pymoo.problems.get_problem(name, **options)`` as a task (the ``pymoo`` entry point)."""
    get_problem = require("pymoo.problems", "pymoo").get_problem
    try:
        problem = get_problem(name, **options)
    except Exception as exc:  # noqa: BLE001 - pymoo raises several kinds for a bad name or option
        raise InvalidInputError(f"pymoo has no problem {name!r} with options {options}: {type(exc).__name__}: "
                                f"{exc}") from exc
    return PymooTask(problem, ref_point=ref_point, name=f"pymoo-{name}", options=options, infeasible=infeasible)


def zdt1(n_var: int = 30, ref_point=None) -> PymooTask:
    """ZDT1 (two objectives, convex front, ``n_var`` in [0, 1])."""
    return pymoo_task("zdt1", ref_point, n_var=n_var)


def zdt2(n_var: int = 30, ref_point=None) -> PymooTask:
    """ZDT2 (two objectives, concave front)."""
    return pymoo_task("zdt2", ref_point, n_var=n_var)


def zdt3(n_var: int = 30, ref_point=None) -> PymooTask:
    """ZDT3 (two objectives, a front of five disconnected pieces)."""
    return pymoo_task("zdt3", ref_point, n_var=n_var)


def dtlz2(n_var: int = 10, n_obj: int = 3, ref_point=None) -> PymooTask:
    """DTLZ2 (spherical front, ``n_obj`` objectives)."""
    return pymoo_task("dtlz2", ref_point, n_var=n_var, n_obj=n_obj)


def dtlz7(n_var: int = 10, n_obj: int = 3, ref_point=None) -> PymooTask:
    """DTLZ7 (disconnected front, ``n_obj`` objectives)."""
    return pymoo_task("dtlz7", ref_point, n_var=n_var, n_obj=n_obj)


def wfg4(n_var: int = 6, n_obj: int = 2, ref_point=None) -> PymooTask:
    """WFG4 (multimodal, concave front; pymoo computes its front numerically)."""
    return pymoo_task("wfg4", ref_point, n_var=n_var, n_obj=n_obj)
