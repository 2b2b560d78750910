"""Evaluators: where :meth:`lamoo.Study.optimize` evaluates points when each of several workers
evaluates one point at a time (the asynchronous loop of :mod:`lamoo.parallel`).

An evaluator has ``n_workers`` (how many points it evaluates at once, known after ``start``),
``start(task)`` (ship the task to the workers), ``submit(key, x)`` (start evaluating the ``(d,)``
point ``x``; ``key`` names it), ``wait()`` (block until at least one submitted point finished
and return every finished one as a :class:`Finished`), ``cancel()`` (give up the points still
running) and ``shutdown()`` (release what the evaluator started). A point's evaluation never
raises: a failure is a :class:`Finished` with ``y`` NaN and its ``error``.

- :class:`ThreadEvaluator`: ``n_workers`` threads of this process (for tasks that wait on
  something outside Python: a simulator process, a remote service; the task must be thread-safe).
- :class:`RayEvaluator`: one Ray task per point on a Ray cluster, joined by address or started
  on this machine (``pip install 'lamoo[ray]'``).

Threads: a worker evaluates with ``cpus_per_worker`` CPU threads (OpenMP, MKL, OpenBLAS and
torch), so workers sharing a machine do not oversubscribe its cores.
"""
from __future__ import annotations

import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Hashable

import numpy as np

from lamoo.checks import check_int
from lamoo.exceptions import InvalidInputError, MissingDependencyError
from lamoo.task import as_task, evaluate_safely

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@dataclass
class Finished:
    """One evaluated point: its ``key``, raw values ``y`` ``(m,)`` (NaN when it failed), the
    ``error`` (None on success) and the worker's evaluation ``seconds`` (None when unknown)."""

    key: Hashable
    y: np.ndarray
    error: str | None
    seconds: float | None


def thread_env(threads: int) -> dict[str, str]:
    """The environment variables that cap the CPU threads of numerical libraries to ``threads``."""
    return {name: str(int(threads)) for name in THREAD_VARIABLES}


def limit_threads(threads: int) -> None:
    """Cap this process's CPU threads to ``threads``: the variables of :func:`thread_env` (for
    libraries loaded later) and torch's intra-op threads (when torch is loaded)."""
    os.environ.update(thread_env(threads))
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def evaluate_point(task, x, threads: int | None = None) -> tuple[np.ndarray, str | None, float]:
    """Evaluate one ``(d,)`` point with :func:`lamoo.task.evaluate_safely`: ``(y (m,), error,
    seconds)``; never raises. ``threads``: cap the CPU threads first (see :func:`limit_threads`)."""
    if threads is not None:
        limit_threads(threads)
    start = time.perf_counter()
    Y, errors = evaluate_safely(task, np.asarray(x, dtype=float)[None])
    return Y[0], errors[0], time.perf_counter() - start


class ThreadEvaluator:
    """Evaluates up to ``n_workers`` points at once on threads of this process (the task's
    ``evaluate`` is called from several threads: it must be thread-safe)."""

    name = "threads"

    def __init__(self, n_workers: int = 2):
        self.n_workers = check_int(n_workers, "n_workers", 1)
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict = {}
        self._task = None

    def start(self, task) -> None:
        self._task = as_task(task)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.n_workers, thread_name_prefix="lamoo-eval")

    def submit(self, key: Hashable, x: np.ndarray) -> None:
        self._futures[self._pool.submit(evaluate_point, self._task, x)] = key

    def wait(self) -> list[Finished]:
        done, _ = wait(list(self._futures), return_when=FIRST_COMPLETED)
        return [Finished(self._futures.pop(f), *f.result()) for f in done]

    def cancel(self) -> None:
        for future in self._futures:
            future.cancel()
        self._futures = {}

    def shutdown(self) -> None:
        self.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def connect_ray(address: str | None = None, num_cpus: int | None = None, threads: int = 1,
                what: str = "evaluator='ray'"):
    """Ray, connected: the cluster this process already joined, else the one at ``address``
    (``"auto"``, ``"ray://host:port"``, ...; default ``$RAY_ADDRESS``), else a new local cluster
    of ``num_cpus`` CPUs (default: all) whose workers import from this project's folder and the
    current folder first and start with ``threads`` CPU threads (:func:`thread_env`).
    Returns ``(ray, started_here)``.

    Raises:
        MissingDependencyError: Ray is not installed (``what`` names the feature that needs it).
    """
    try:
        import ray
    except ImportError as exc:
        raise MissingDependencyError(f"{what} needs Ray, which is not installed: pip install 'lamoo[ray]'") from exc
    if ray.is_initialized():
        return ray, False
    address = address or os.environ.get("RAY_ADDRESS")
    if address:
        ray.init(address=address, log_to_driver=False)
        return ray, False
    root = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(dict.fromkeys(p for p in (root, os.getcwd(), os.environ.get("PYTHONPATH")) if p))
    ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": path, **thread_env(threads)}})
    return ray, True


class RayEvaluator:
    """Evaluates each point as a Ray task, up to ``n_workers`` at once.

    Args:
        address: a running cluster to join (``"auto"``, ``"ray://host:port"``, ...); default
            ``$RAY_ADDRESS`` or, when unset, a new local cluster (stopped by :meth:`shutdown`).
            A process already connected to Ray uses that cluster.
        n_workers: points evaluated at once (default: the cluster's CPUs / ``cpus_per_worker``,
            or its GPUs / ``gpus_per_worker`` when that is smaller).
        cpus_per_worker: CPUs each evaluation reserves, and its CPU thread count (>= 1).
        gpus_per_worker: GPUs each evaluation reserves (>= 0; default 0).
        num_cpus: CPUs of a local cluster started here (default: all of this machine's).
        max_retries: how often a point whose worker process died is evaluated again (default 1;
            then it is recorded as failed). An evaluation that fails by itself is not retried.

    The task is sent to the cluster once per :meth:`start` (pickled: it must be picklable, and
    its module importable by the workers). Each worker process holds a copy: what the task
    records on itself there (counters, details) stays there.
    """

    name = "ray"

    def __init__(self, address: str | None = None, n_workers: int | None = None, cpus_per_worker: int = 1,
                 gpus_per_worker: float = 0, num_cpus: int | None = None, max_retries: int = 1):
        if address is not None and not isinstance(address, str):
            raise InvalidInputError(f"address must be a string ('auto', 'ray://host:port', ...) or None, got "
                                    f"{address!r}")
        self.address = address
        self._n_workers = check_int(n_workers, "n_workers", 1, allow_none=True)
        self.cpus_per_worker = check_int(cpus_per_worker, "cpus_per_worker", 1)
        if not isinstance(gpus_per_worker, (int, float)) or isinstance(gpus_per_worker, bool) \
                or not 0 <= gpus_per_worker < float("inf"):
            raise InvalidInputError(f"gpus_per_worker must be a number >= 0, got {gpus_per_worker!r}")
        self.gpus_per_worker = gpus_per_worker
        self.num_cpus = check_int(num_cpus, "num_cpus", 1, allow_none=True)
        self.max_retries = check_int(max_retries, "max_retries", 0)
        self._ray = None
        self._started_here = False
        self._remote = self._task_ref = None
        self._m = 0
        self._refs: dict = {}

    @property
    def n_workers(self) -> int:
        """Points evaluated at once (the cluster's capacity by default; known after :meth:`start`)."""
        if self._n_workers is not None:
            return self._n_workers
        if self._ray is None:
            raise InvalidInputError("RayEvaluator.n_workers is known once start() has joined the cluster; pass "
                                    "n_workers= to fix it beforehand")
        resources = self._ray.cluster_resources()
        n = int(resources.get("CPU", 1) // self.cpus_per_worker)
        if self.gpus_per_worker > 0:
            n = min(n, int(resources.get("GPU", 0) // self.gpus_per_worker))
        return max(1, n)

    def start(self, task) -> None:
        if self._ray is None:
            self._ray, self._started_here = connect_ray(self.address, self.num_cpus, self.cpus_per_worker)
        self._remote = self._ray.remote(num_cpus=self.cpus_per_worker, num_gpus=self.gpus_per_worker,
                                        max_retries=self.max_retries, retry_exceptions=False)(evaluate_point)
        self._task_ref = self._ray.put(task)
        self._m = len(as_task(task).objectives)

    def submit(self, key: Hashable, x: np.ndarray) -> None:
        self._refs[self._remote.remote(self._task_ref, np.asarray(x, dtype=float), self.cpus_per_worker)] = key

    def wait(self) -> list[Finished]:
        ray = self._ray
        done, rest = ray.wait(list(self._refs), num_returns=1)
        if rest:
            done += ray.wait(rest, num_returns=len(rest), timeout=0)[0]
        return [self._finished(ref) for ref in done]

    def _finished(self, ref) -> Finished:
        key = self._refs.pop(ref)
        ray = self._ray
        try:
            return Finished(key, *ray.get(ref))
        except ray.exceptions.RayTaskError as exc:  # the task could not run there (e.g. not unpicklable)
            error = f"Ray could not evaluate the point: {_one_line(getattr(exc, 'cause', None) or exc)}"
        except Exception as exc:  # noqa: BLE001 - the worker died (each time it was tried), lost object, ...
            error = f"Ray worker failed (tried {self.max_retries + 1} times): {_one_line(exc)}"
        return Finished(key, np.full(self._m, np.nan), error, None)

    def cancel(self) -> None:
        for ref in self._refs:
            self._ray.cancel(ref, force=True)
        self._refs = {}

    def shutdown(self) -> None:
        """Cancel what still runs; stop the local cluster this evaluator started (a joined
        cluster keeps running)."""
        if self._ray is None:
            return
        self.cancel()
        if self._started_here:
            self._ray.shutdown()
        self._ray = self._remote = self._task_ref = None
        self._started_here = False


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()
    return text[0] if text else type(exc).__name__


EVALUATORS = {"threads": ThreadEvaluator, "ray": RayEvaluator}


def get_evaluator(evaluator, **options):
    """``"threads"`` or ``"ray"`` (built with ``options``), or an evaluator object (returned as is)."""
    if all(callable(getattr(evaluator, m, None)) for m in ("start", "submit", "wait", "cancel", "shutdown")):
        return evaluator
    if isinstance(evaluator, str) and evaluator in EVALUATORS:
        return EVALUATORS[evaluator](**options)
    raise InvalidInputError(f"evaluator must be 'threads', 'ray' or an object with start, submit, wait, cancel and "
                            f"shutdown, got {evaluator!r}")
