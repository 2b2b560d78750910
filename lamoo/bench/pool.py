"""The worker pool that runs a grid's runs.

Runs execute in ``workers`` processes started with ``spawn`` (or in this process with
``workers=0``); each worker limits its math libraries to ``threads`` threads
(``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``, ``torch.set_num_threads``) before anything imports
torch: on a small machine, several torch processes with default thread counts slow each other
down many times over. Each worker imports the heavy back ends once before its first run, so that
their import time is not charged to the optimizer time of whichever run uses them first.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import warnings

from lamoo.bench.planning import RunSpec
from lamoo.bench.runner import execute

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS")
WARM_IMPORTS = ("scipy.stats", "sklearn.svm", "botorch", "optuna", "pymoo.algorithms.moo.nsga2", "moocore")


def limit_threads(threads: int = 1) -> None:
    """Limit BLAS/OpenMP/torch threads of this process: the environment variables for libraries
    loaded afterwards, and threadpoolctl (scikit-learn's dependency) for those already loaded:
    ``workers=0`` runs in the command's own process, where numpy's BLAS is loaded before this is
    called (without it an NB201 grid used about 1.7 cores at ``--threads 1``)."""
    for var in THREAD_VARS:
        os.environ[var] = str(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn requires it; without it only the variables apply
        pass
    else:
        threadpool_limits(limits=threads)
    if "torch" in sys.modules or importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(threads)
        try:
            torch.set_num_interop_threads(threads)
        except RuntimeError:  # already set, or parallel work already started in this process
            pass


def warm_up(modules=WARM_IMPORTS) -> None:
    """Import ``modules`` (those installed) once in this process."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            pass


def _init_worker(threads: int) -> None:
    limit_threads(threads)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warm_up()


class _Progress:
    """Collects run summaries; shows a tqdm bar when asked and calls ``on_result`` for each."""

    def __init__(self, total: int, show: bool, on_result=None):
        self.summaries: list[dict] = []
        self.on_result = on_result
        self.bar = None
        if show:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc="runs", unit="run", dynamic_ncols=True)

    def __call__(self, summary: dict) -> None:
        self.summaries.append(summary)
        if self.bar is not None:
            errors = sum(s["status"] != "ok" for s in self.summaries)
            self.bar.set_postfix_str(f"{summary['task']} {summary['method']} s{summary['seed']} "
                                     f"{summary['status']}" + (f" | {errors} failed" if errors else ""))
            self.bar.update(1)
        if self.on_result is not None:
            self.on_result(summary)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_grid(specs: list[RunSpec], *, workers: int = 1, threads: int = 1, progress: bool = True,
             on_result=None) -> list[dict]:
    """Run ``specs`` (those :func:`~lamoo.bench.planning.plan_grid` left to do); returns their
    summaries (see :func:`~lamoo.bench.runner.execute`) in the order they finished.

    ``workers == 0`` runs them in this process (after limiting its threads); otherwise in
    ``workers`` spawned processes. Ctrl-C drops the queued runs; finished ones are saved."""
    done = _Progress(len(specs), progress, on_result)
    try:
        if workers <= 0:
            limit_threads(threads)
            warm_up()
            for spec in specs:
                done(execute(spec))
        else:
            _run_spawned(specs, workers, threads, done)
    finally:
        done.close()
    return done.summaries


def _run_spawned(specs: list[RunSpec], workers: int, threads: int, done) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(threads,))
    try:
        futures = {pool.submit(execute, spec): spec for spec in specs}
        for future in as_completed(futures):
            spec = futures[future]
            try:
                done(future.result())
            except Exception as exc:  # noqa: BLE001 - a worker killed by the OS: no file, resume reruns it
                done({"path": spec.path, "task": spec.task, "method": spec.method_label, "seed": spec.seed,
                      "status": "crashed", "error": f"{type(exc).__name__}: {exc}",
                      "final_hypervolume": None, "wall_seconds": None})
    except BaseException:  # Ctrl-C: drop the queued runs instead of waiting for all of them
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
