"""The asynchronous loop: :meth:`lamoo.Study.optimize` with an evaluator of several workers.

Each free worker gets one point, asked from the study when the worker becomes free; each point
is told as soon as it is evaluated, without waiting for the others. So a worker never waits for
a batch, and every ask sees the points still being evaluated as pending (the sampler's region
holds them, :attr:`lamoo.region.Region.pending`, so it proposes around them).

The journal records this like any other run (:mod:`lamoo.journal`): each ask before its point
is submitted, each evaluation as it is told, in the order the points finish. A run killed midway
leaves its running points pending; a resume evaluates them first. Unlike the batch loop, the
order in which points finish depends on the workers' timing, so two runs with one seed agree on
their initial design but may differ after it.
"""
from __future__ import annotations

import itertools

from lamoo.checks import check_int


def optimize_async(study, evaluator, budget: int, *, progress: bool = False, callback=None):
    """Run ``study`` until ``budget`` points are evaluated or pending, evaluating them on
    ``evaluator``'s workers (see the module docstring and :mod:`lamoo.evaluators`).
    ``callback(study, X, Y)`` is called after each told point (``X``: ``1 x d``, ``Y``: ``1 x m``);
    returning True or calling ``study.stop()`` stops asking (the running points are still told).
    The evaluator is started here and its running points cancelled on the way out (an error, an
    interrupt); shutting it down is the caller's. Returns the study's :class:`~lamoo.result.Result`."""
    budget = check_int(budget, "budget", 1)
    evaluator.start(study.task)
    n_workers = check_int(evaluator.n_workers, "evaluator.n_workers", 1)
    keys = itertools.count()
    running: dict = {}
    asking = True
    bar = ProgressBar(study, budget) if progress else None
    try:
        while True:
            while asking and len(running) < n_workers:
                with study._state.transaction():
                    X = study._next_batch(budget, 1, whole_init=False)
                if X is None:
                    asking = False
                    break
                for x in X:  # one point, or the points a dead study left pending
                    key = next(keys)
                    running[key] = x
                    evaluator.submit(key, x)
            if not running:
                break
            for done in evaluator.wait():
                x = running.pop(done.key)
                study.tell(x[None], done.y[None], [done.error], eval_seconds=done.seconds)
                if bar is not None:
                    bar.update_to(study)
                if callback is not None and callback(study, x[None], done.y[None]) is True:
                    study.stop()
                if study._stop_requested:
                    asking = False
    finally:
        if running:
            evaluator.cancel()
        if bar is not None:
            bar.close()
    study._warn_if_nothing_dominates_the_ref_point()
    return study.result()


class ProgressBar:
    """The progress bar of :meth:`lamoo.Study.optimize` (tqdm): evaluations told out of
    ``budget``, with the hypervolume (of the feasible points) and, with constraints, how many
    evaluations were feasible."""

    def __init__(self, study, budget: int):
        from tqdm.auto import tqdm

        self.budget = budget
        self._bar = tqdm(total=budget, initial=min(study.n_told, budget), desc="evaluations", unit="pt")

    def update_to(self, study) -> None:
        self._bar.n = min(study.n_told, self.budget)
        postfix = {"hv": f"{study.archive_hypervolume():.4g}"}
        if study.constraints:
            postfix["feasible"] = f"{len(study.archive.feasible_indices)}/{study.n_told}"
        self._bar.set_postfix(postfix)

    def close(self) -> None:
        self._bar.close()
