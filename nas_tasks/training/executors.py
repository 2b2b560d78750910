"""Where cells are trained: on this machine (``"local"``) or on a Ray cluster (``"ray"``).

An executor has ``map(fn, jobs)``, which maps a picklable function over jobs and returns one
:class:`Outcome` per job, in job order: the function's result, or the error that stopped it (one
job's failure never loses another's result), and ``shutdown()``, which releases what it started.

Local (``LocalExecutor``): one job after the other in this process; or, with ``workers > 1`` (a
CUDA device shared by ``cells_per_gpu`` cells, :mod:`nas_tasks.training.packing`), up to
``workers`` jobs at once, each in a fresh process (``spawn``: a CUDA context cannot cross a fork)
that ends with its job and so frees its GPU memory; a worker that dies fails its own job only.

Ray (``RayExecutor``): one Ray task per cell; ``1 / cells_per_gpu`` of a GPU per task when the
cluster has GPUs (one GPU by default, :func:`~nas_tasks.training.packing.ray_gpus_per_task`), else
``cpus_per_task`` CPUs, and the worker's torch thread count is set to the same number so workers
do not oversubscribe the cores); joins a running cluster by ``address`` (or ``$RAY_ADDRESS``),
otherwise starts a local one (:func:`lamoo.evaluators.connect_ray`). A task whose worker process
dies is retried once by Ray (``max_retries=1``) and then recorded as failed; an exception raised
by the function itself is not retried (training is deterministic: it would fail again).

Threads and determinism: a trained cell's values can depend on the CPU thread count (a reduction
split over more threads adds its terms in another order), so every job carries one explicit
count, :attr:`nas_tasks.NB201TrainTask.num_threads` (``num_threads``, default ``cpus_per_task``),
and sets it where it runs, under every executor. With the same count, the same cell, seed and
machine give bit-identical values locally and on Ray (``tests/nas_tasks/test_ray_determinism.py``).
What remains: other CPUs (another instruction set picks other kernels), GPUs (cuDNN's
non-deterministic algorithms; mixed precision) and other torch versions can still change the last
digits, and a cell trained earlier is read from the cache whatever thread count trained it.
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from lamoo.checks import check_int
from lamoo.exceptions import InvalidInputError
from nas_tasks.training.config import ExecutionConfig
from nas_tasks.training.packing import local_workers, ray_gpus_per_task


@dataclass
class Outcome:
    """The result of one job, or ``error`` (a one-line message) when it failed."""

    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()
    return text[0] if text else type(exc).__name__


class LocalExecutor:
    """Runs the jobs on this machine: one after the other in this process (``workers=1``), or up
    to ``workers`` at once, each in a fresh process started with ``start_method`` (see the module
    docstring; the function and the jobs must then be picklable)."""

    name = "local"

    def __init__(self, workers: int = 1, start_method: str = "spawn"):
        self.workers = check_int(workers, "workers", 1)
        if start_method not in multiprocessing.get_all_start_methods():
            raise InvalidInputError(f"start_method must be one of {multiprocessing.get_all_start_methods()}, "
                                    f"got {start_method!r}")
        self.start_method = start_method

    def map(self, fn: Callable, jobs: Sequence) -> list[Outcome]:
        if self.workers > 1 and len(jobs) > 1:
            return _map_in_processes(fn, list(jobs), self.workers, multiprocessing.get_context(self.start_method))
        return [_outcome(fn, job) for job in jobs]

    def shutdown(self) -> None:
        pass


def _outcome(fn: Callable, job) -> Outcome:
    try:
        return Outcome(fn(job))
    except Exception as exc:  # noqa: BLE001 - one cell's failure must not stop the others
        return Outcome(error=_one_line(exc))


def _child(fn: Callable, job, conn) -> None:
    """A worker process: run one job and send its :class:`Outcome` back."""
    out = _outcome(fn, job)
    try:
        conn.send(out)
    except Exception as exc:  # noqa: BLE001 - e.g. a result that does not pickle
        conn.send(Outcome(error=f"the result could not be sent back: {_one_line(exc)}"))
    conn.close()


def _map_in_processes(fn: Callable, jobs: list, workers: int, ctx) -> list[Outcome]:
    """Each job in its own process of context ``ctx``, at most ``workers`` at a time, in job order."""
    out: list[Outcome | None] = [None] * len(jobs)
    waiting = list(range(len(jobs)))[::-1]
    running: dict = {}  # receiving end of the pipe -> (job index, process)
    while waiting or running:
        while waiting and len(running) < workers:
            i = waiting.pop()
            receive, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(fn, jobs[i], send), daemon=True)
            proc.start()
            send.close()
            running[receive] = (i, proc)
        for conn in multiprocessing.connection.wait(list(running)):
            i, proc = running.pop(conn)
            try:
                out[i] = conn.recv()
            except Exception:  # noqa: BLE001 - EOF: the process died before sending
                proc.join()
                out[i] = Outcome(error=f"worker process died (exit code {proc.exitcode})")
            conn.close()
            proc.join()
    return out  # type: ignore[return-value]


def _ray_entry(fn, job, threads):
    import torch

    torch.set_num_threads(max(1, int(threads)))
    return fn(job)


class RayExecutor:
    """Runs each job as a Ray task (see the module docstring).

    Args:
        address: a running cluster to join (``"auto"``, ``"ray://host:port"``, ...); default
            ``$RAY_ADDRESS`` or, when unset, a new local cluster.
        cpus_per_task: CPUs (and torch threads) per task on CPU-only clusters.
        gpus_per_task: GPUs per task; default ``1 / cells_per_gpu`` when the cluster has GPUs,
            else 0 (:func:`~nas_tasks.training.packing.ray_gpus_per_task`).
        num_cpus: CPUs of a local cluster started here (default: all).
        cells_per_gpu: cells sharing one GPU (None: one).
    """

    name = "ray"

    def __init__(self, address: str | None = None, cpus_per_task: int = 1, gpus_per_task: float | None = None,
                 num_cpus: int | None = None, cells_per_gpu: int | None = None):
        check_int(cpus_per_task, "cpus_per_task", 1)
        self.address = address
        self.cpus_per_task, self.gpus_per_task, self.num_cpus = cpus_per_task, gpus_per_task, num_cpus
        self.cells_per_gpu = check_int(cells_per_gpu, "cells_per_gpu", 1, allow_none=True)
        self._started_here = False
        self._remote = None

    def _ensure(self):
        from lamoo.evaluators import connect_ray

        ray, started = connect_ray(self.address, self.num_cpus, self.cpus_per_task, what="executor='ray'")
        self._started_here = self._started_here or started
        if self._remote is None:
            gpus = ray_gpus_per_task(self.gpus_per_task, self.cells_per_gpu, ray.cluster_resources().get("GPU", 0))
            # max_calls stays Ray's GPU default of 1 (a fresh worker per cell, losing cell_job's data cache):
            # a reused worker would hold GPU memory while idle, and its CUDA context on its first task's GPU.
            self._remote = ray.remote(num_cpus=self.cpus_per_task, num_gpus=gpus, max_retries=1,
                                      retry_exceptions=False)(_ray_entry)
        return ray

    def map(self, fn: Callable, jobs: Sequence) -> list[Outcome]:
        ray = self._ensure()
        refs = [self._remote.remote(fn, job, self.cpus_per_task) for job in jobs]
        index = {ref: i for i, ref in enumerate(refs)}
        out: list[Outcome | None] = [None] * len(refs)
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                try:
                    out[index[ref]] = Outcome(ray.get(ref))
                except ray.exceptions.RayTaskError as exc:  # the function raised
                    cause = exc.cause if getattr(exc, "cause", None) is not None else exc
                    out[index[ref]] = Outcome(error=_one_line(cause))
                except Exception as exc:  # noqa: BLE001 - worker died twice, object lost, ...
                    out[index[ref]] = Outcome(error=f"Ray worker failed (retried once): {_one_line(exc)}")
        return out  # type: ignore[return-value]

    def shutdown(self) -> None:
        """Shut down the local cluster this executor started (a joined cluster keeps running)."""
        if self._started_here:
            import ray

            ray.shutdown()
            self._started_here = False
        self._remote = None


def get_executor(executor="local", **options):
    """``"local"`` or ``"ray"`` (``options`` go to :class:`LocalExecutor` or :class:`RayExecutor`),
    or an executor object."""
    if hasattr(executor, "map"):
        return executor
    if executor == "local":
        return LocalExecutor(**options)
    if executor == "ray":
        return RayExecutor(**options)
    raise InvalidInputError(f"executor must be 'local', 'ray' or an object with map(fn, jobs), got {executor!r}")


def make_executor(execution: ExecutionConfig, device_type: str = "cpu"):
    """The executor an :class:`~nas_tasks.training.config.ExecutionConfig` names: for ``"ray"``
    with its Ray settings (``ray_address``, ``cpus_per_task``, ``gpus_per_task``,
    ``cells_per_gpu``); for ``"local"`` with ``cells_per_gpu`` workers when ``device_type`` (the
    resolved device's) is ``"cuda"`` (:func:`~nas_tasks.training.packing.local_workers`)."""
    if execution.executor == "ray":
        return RayExecutor(address=execution.ray_address, cpus_per_task=execution.cpus_per_task,
                           gpus_per_task=execution.gpus_per_task, cells_per_gpu=execution.cells_per_gpu)
    return get_executor(execution.executor, workers=local_workers(execution.cells_per_gpu, device_type))
