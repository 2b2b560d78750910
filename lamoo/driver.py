"""The driver: :class:`Study` (ask/tell with a journal) and :func:`optimize` (the whole loop).

Randomness: ask number ``k`` of a study with seed ``s`` draws from its own generator
``default_rng(SeedSequence(s, spawn_key=(1, k)))`` and the initial design from
``SeedSequence(s, spawn_key=(0,))``. A proposal therefore depends only on the seed, the ask number,
the archive and the pending points, which is what makes a resumed run continue exactly like an
uninterrupted one.

State: a study's state is what its records say (:class:`lamoo.runlog.RunLog`), and it changes
only by applying records: its own, after they are journaled, and those other processes appended
to the same journal (read before each ask and tell; see :mod:`lamoo.journal`). A study without a
journal applies its records all the same, so it behaves exactly like one with a journal.
"""
from __future__ import annotations

import numbers
import time
import uuid
import warnings

import numpy as np

from lamoo.archive import Archive
from lamoo.checks import check_int
from lamoo.exceptions import InvalidInputError, LamooError
from lamoo.journal import JournalFile
from lamoo.proposal import Proposal, as_proposal, complete
from lamoo.records import ask_record, claim_record, eval_record, header_record, reference_record
from lamoo.reference import INFER, due_reference, resolve_ref_point
from lamoo.runheader import run_header, run_max_hypervolume
from lamoo.region import Region
from lamoo.result import Result
from lamoo.resume import check_resume
from lamoo.runlog import row_key
from lamoo.runstate import RunState
from lamoo.task import Task, as_task, check_objectives, check_Y, evaluate_safely, from_minimization, point_labels

EXHAUSTED = "every candidate of the finite search space has been evaluated or is pending"


def resolve_seed(seed) -> int:
    """An int seed from ``seed`` (int, ``numpy.random.Generator`` or None for fresh entropy)."""
    if seed is None:
        return int(np.random.SeedSequence().entropy % 2 ** 63)
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2 ** 63))
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return int(seed)
    raise InvalidInputError(f"seed must be a non-negative int, a numpy.random.Generator or None, got {seed!r}")


def default_n_init(n_dims: int) -> int:
    """``2 * (d + 1)``, BoTorch's usual initial design size."""
    return 2 * (n_dims + 1)


def initial_design(space, n_init: int, seed: int) -> np.ndarray:
    """The ``(n_init x d)`` initial design a :class:`Study` with this ``seed`` starts from
    (peers in the benchmarks start from it too)."""
    return space.sample_initial(n_init, np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,))))


class Study:
    """An optimization run driven by ask/tell.

    Args:
        task: the problem: a :class:`lamoo.task.Task`, or any object with ``space``,
            ``objectives``, ``ref_point`` and ``evaluate`` (given :class:`~lamoo.task.Task`'s
            defaults by :func:`~lamoo.task.as_task`).
        sampler: proposes points (a plain sampler searches the whole space; ``LaMOO(sampler)``
            searches learned regions).
        seed: int, ``numpy.random.Generator`` or None (fresh entropy, recorded in the journal).
        n_init: size of the initial design returned by the first asks (default ``2 (d + 1)``).
        journal: path of a new JSON-lines journal: every ask is appended before it returns,
            every told point before :meth:`tell` returns. Resume, or join from another process,
            with :meth:`load`. Refused if the file holds anything.
        ref_point: overrides ``task.ref_point`` (raw units, ``m``); ``"infer"``, or None with a
            task that declares none, infers one from the initial design (see
            :mod:`lamoo.reference`): it is journaled once inferred and never changes.
        run_info: a JSON-able description of how the run was launched, kept in the journal
            header under ``"run"`` (``lamoo optimize`` keeps its options there).

    Attributes:
        ref_point: ``(m,)`` the run's reference point, raw units (None while an inferred one waits
            for the initial design to be told).
        archive: every point told so far (:class:`~lamoo.archive.Archive`), by any process
            sharing the journal, up to the latest ask or tell of this study.
        last_proposal: the :class:`~lamoo.proposal.Proposal` of the latest ask that called the
            sampler (``None`` before one; asks served by the initial design do not call it).
        worker: this study's id in its journal's records.

    A study with a journal holds a lease on it until :meth:`close` (or the end of a ``with``
    block, or of the process): its pending points are its own until then, and free for another
    study to claim after.
    """

    def __init__(self, task: Task, sampler, *, seed=None, n_init: int | None = None, journal=None,
                 ref_point=None, run_info: dict | None = None):
        if not hasattr(sampler, "propose"):
            raise InvalidInputError(f"sampler must implement propose(region, archive, n, rng), got {sampler!r}")
        self.task = task
        self._task = as_task(task)
        self.sampler = sampler
        self.objectives = check_objectives(self._task.objectives)
        ref_point, self._ref_source = resolve_ref_point(ref_point, self._task.ref_point, self.objectives,
                                                        self._task.ideal_point)
        self.seed = resolve_seed(seed)
        space = self._task.space
        self.n_init = default_n_init(space.n_dims) if n_init is None else check_int(n_init, "n_init", 1)
        self.archive = Archive(space, self.objectives, ref_point)
        self.last_proposal: Proposal | None = None
        self.worker = uuid.uuid4().hex
        self._init_design: np.ndarray | None = None
        self._stop_requested = False
        self._state = RunState(header_record(run_header(self, run_info)), self.archive, self.worker)
        if journal is not None:
            handle = JournalFile.create(journal, self._state.log.header)
            try:
                self._state.attach(handle, sampler)
            except BaseException:
                handle.close()
                raise

    @property
    def ref_point(self) -> np.ndarray | None:
        return self.archive.ref_point

    def _infer_ref_point_if_due(self) -> None:
        """Journal the inferred reference point once the initial design is told (the lock held)."""
        if self.archive.ref_point is None and self._state.log.ref_point_source == "inferred":
            due = due_reference(self.archive, self.n_init)
            if due is not None:
                self._state.commit([reference_record(due[0], due[1], self.worker)])

    # ------------------------------------------------------------------ persistence
    @classmethod
    def load(cls, journal, task: Task, sampler, *, seed=None, n_init=None, ref_point=None,
             allow_sampler_change: bool = False, run_info: dict | None = None) -> "Study":
        """Resume the run recorded in ``journal``, or join it while other processes work on it:
        its records are replayed (no evaluation is repeated), new records are appended to the
        same file, and the first asks return the points its dead workers left pending (the
        in-flight batch) before anything new. The seed, initial design size and reference point
        come from the journal (an inferred reference point too: ``ref_point``, when given for such
        a run, must equal it).

        Refused (:class:`~lamoo.exceptions.JournalError` naming the stored and given values)
        when ``task`` is not the journal's (objectives, space, description less its
        ``"execution"`` entry), when ``seed``, ``n_init`` or ``ref_point`` are given and differ,
        or when ``sampler``'s configuration differs from the journal's, unless
        ``allow_sampler_change``: then the change (with ``run_info``, the new launch options) is
        recorded in the journal and later resumes expect the new sampler.
        """
        handle = JournalFile.open(journal)
        header = handle.header
        try:
            inferred = header.get("ref_point_source") == "inferred"
            check_resume(journal, header, as_task(task), seed=seed, n_init=n_init,
                         ref_point=None if inferred else ref_point)
            study = cls(task, sampler, seed=header["seed"], n_init=header["n_init"],
                        ref_point=INFER if inferred else header["ref_point"])
            study._state = RunState(header, study.archive, study.worker)
            study._state.attach(handle, sampler, allow_sampler_change=allow_sampler_change, run_info=run_info)
            if inferred and ref_point is not None and not (isinstance(ref_point, str) and ref_point == INFER):
                check_resume(journal, dict(header, ref_point=study._state.log.ref_point), as_task(task),
                             ref_point=ref_point)
        except BaseException:
            handle.close()
            raise
        return study

    def close(self) -> None:
        """End this study's lease on its journal: its pending points become free for another
        study to claim. The study cannot ask or tell on the journal after this."""
        self._state.close()

    def __enter__(self) -> "Study":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ ask / tell
    @property
    def n_told(self) -> int:
        return self.archive.n

    @property
    def pending_points(self) -> np.ndarray:
        """``(p x d)`` the points asked (by this or another study on the journal) and not told yet."""
        with self._state.transaction():
            return self._state.pending_rows()

    def _rng(self, *key: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))

    def _initial_design(self) -> np.ndarray:
        if self._init_design is None:
            self._init_design = initial_design(self._task.space, self.n_init, self.seed)
        return self._init_design

    def ask(self, n: int = 1) -> np.ndarray:
        """Propose ``n`` points to evaluate next, ``(k x d)`` with ``k <= n``.

        First the points a dead study left pending on the journal (the in-flight batch of a
        killed run; at most ``n``, from one ask), then the initial design, then the sampler's
        proposals. No evaluated or pending point is proposed again; on a finite space with fewer
        than ``n`` new candidates left, fewer rows are returned, and with none left a
        :class:`LamooError` is raised (the study is left as it was). The ask is journaled
        before it returns. The sampler's proposal is completed once by
        :func:`lamoo.proposal.complete` and kept in :attr:`last_proposal`."""
        n = check_int(n, "n", 1)
        with self._state.transaction():
            self._infer_ref_point_if_due()
            orphans = self._state.orphans()
            if orphans:
                return self._claim(orphans[:n])
            return self._plan(n)

    def _claim(self, rows: list) -> np.ndarray:
        X = np.vstack([row.x for row in rows])
        self._state.commit([claim_record(rows[0].batch, X, self.worker)])
        return X

    def _plan(self, n: int) -> np.ndarray:
        """A new ask of up to ``n`` points (the lock held): initial design first, then the sampler."""
        if self._exhausted():
            raise LamooError(EXHAUSTED)
        start = time.perf_counter()
        batch = self._state.log.next_batch
        rng = self._rng(1, batch)
        pending = self._state.pending_rows()
        n_from_init = max(0, min(n, self.n_init - self._state.log.init_asked))
        parts, proposal = [], None
        if n_from_init > 0:
            cursor = self._state.log.init_asked
            design = self._initial_design()[cursor:cursor + n_from_init]
            parts.append(complete(Proposal(design, Region.whole(self.archive, pending)), n_from_init, rng, "init"))
            pending = np.vstack([pending, parts[-1].X])
        if n > n_from_init:
            region = Region.whole(self.archive, pending)
            proposal = as_proposal(self.sampler.propose(region, self.archive, n - n_from_init, rng), region,
                                   self.sampler)
            parts.append(complete(proposal, n - n_from_init, rng))
        X = np.vstack([part.X for part in parts])
        if len(X) == 0:
            raise LamooError(EXHAUSTED)
        sources = [source for part in parts for source in part.sources]
        leaf_ids = np.concatenate([part.leaf_ids for part in parts])
        info = None if proposal is None else dict(proposal.info)
        self._state.commit([ask_record(batch, X, sources, leaf_ids, info, time.perf_counter() - start, self.worker)])
        if proposal is not None:
            self.last_proposal = proposal
        return X

    @property
    def exhausted(self) -> bool:
        """True on a finite space whose every candidate has been evaluated or is pending."""
        with self._state.transaction():
            return self._exhausted()

    def _exhausted(self) -> bool:
        return Region.whole(self.archive, self._state.pending_rows()).n_available() == 0

    def tell(self, X, Y, errors=None, eval_seconds: float | None = None) -> None:
        """Record evaluations: ``X`` (``n x d``), raw ``Y`` (``n x m``; NaN rows are failures)
        and optional per-row ``errors``. A row asked by any study on the journal completes that
        ask's point; points not from an ask are accepted too (source ``"user"``). Appended to
        the journal (flushed and synced) before returning."""
        X = self._task.space.validate(X, "X")
        Y = check_Y(Y, len(X), len(self.objectives), "Y")
        if errors is not None and len(errors) != len(X):
            raise InvalidInputError(f"errors must have {len(X)} entries (one per row of X), got {len(errors)}")
        errors = [None] * len(X) if errors is None else list(errors)
        with self._state.transaction():
            records, used = [], set()
            for j, (x, y, error) in enumerate(zip(X, Y, errors)):
                row = self._state.log.pending_row(x, skip=used)
                if row is not None:
                    used.add((row.batch, row_key(x)))
                failed = bool(np.isnan(y).any())
                records.append(eval_record(
                    self._state.log.n_evals + j, -1 if row is None else row.batch, x, None if failed else y,
                    (str(error) if error else "the evaluation returned NaN") if failed else None,
                    "user" if row is None else row.source, -1 if row is None else row.leaf_id, eval_seconds,
                    self.worker))
            self._state.commit(records)
            self._infer_ref_point_if_due()

    # ------------------------------------------------------------------ loop and results
    def optimize(self, budget: int, batch_size: int = 1, *, progress: bool = False, callback=None,
                 evaluator=None) -> Result:
        """Ask, evaluate with ``task.evaluate`` and tell until ``budget`` points (the initial
        design included) are evaluated or pending, or until a finite space has no unevaluated
        candidate left (then with a RuntimeWarning). Points left pending by a dead study (the
        in-flight batch of a killed run) are evaluated first, as one batch. Pending points of
        other live studies on the journal count against the budget: several processes running
        ``optimize`` on one journal evaluate ``budget`` points between them. A failed evaluation
        is recorded and the run goes on. ``callback(study, X, Y)`` is called after each batch
        (``X``: ``n x d``, ``Y``: ``n x m`` raw); it stops the run by calling :meth:`stop` or by
        returning True (the batch it saw is kept; nothing further is asked).

        ``evaluator``: evaluate on several workers asynchronously instead, one point per free
        worker (``batch_size`` is then unused; ``callback`` is called after each point, and a
        stop lets the running points finish): an evaluator object of :mod:`lamoo.evaluators`
        (started here, left running for its owner), or ``"ray"`` / ``"threads"`` for one with
        default settings, shut down at the end. See :mod:`lamoo.parallel`."""
        budget = check_int(budget, "budget", 1)
        batch_size = check_int(batch_size, "batch_size", 1)
        if callback is not None and not callable(callback):
            raise InvalidInputError(f"callback must be callable as callback(study, X, Y), got {callback!r}")
        self._stop_requested = False
        if evaluator is not None:
            return self._optimize_async(budget, evaluator, progress, callback)
        if progress:
            from lamoo.parallel import ProgressBar

            bar = ProgressBar(self, budget)
        else:
            bar = None
        try:
            while True:
                with self._state.transaction():
                    X = self._next_batch(budget, batch_size)
                if X is None:
                    break
                start = time.perf_counter()
                Y, errors = evaluate_safely(self._task, X)
                self.tell(X, Y, errors, eval_seconds=time.perf_counter() - start)
                if bar is not None:
                    bar.update_to(self)
                if callback is not None and callback(self, X, Y) is True:
                    self._stop_requested = True
                if self._stop_requested:
                    break
        finally:
            if bar is not None:
                bar.close()
        self._warn_if_nothing_dominates_the_ref_point()
        return self.result()

    def stop(self) -> None:
        """Make the running :meth:`optimize` return after the batch being evaluated (call it
        from a callback; with an ``evaluator``, after the running points); a later
        :meth:`optimize` runs again."""
        self._stop_requested = True

    def _optimize_async(self, budget: int, evaluator, progress: bool, callback) -> Result:
        from lamoo.evaluators import get_evaluator
        from lamoo.parallel import optimize_async

        owned = isinstance(evaluator, str)
        evaluator = get_evaluator(evaluator)
        try:
            return optimize_async(self, evaluator, budget, progress=progress, callback=callback)
        finally:
            if owned:
                evaluator.shutdown()

    def _next_batch(self, budget: int, batch_size: int, whole_init: bool = True) -> np.ndarray | None:
        """The next points ``optimize`` evaluates (the lock held), or None when it is done: the
        points dead studies left pending, else the rest of the initial design (with
        ``whole_init``) or ``batch_size`` new points."""
        orphans = self._state.orphans()
        if orphans:
            return self._claim(orphans)
        left = budget - self._state.log.n_evals - len(self._state.log.pending)
        if left <= 0:
            return None
        if self._exhausted():
            warnings.warn(f"stopping after {self.n_told} evaluations of the budget of {budget}: all "
                          f"{self._task.space.n_candidates} candidates of the finite search space have been "
                          f"evaluated or are pending", RuntimeWarning, stacklevel=3)
            return None
        init_left = self.n_init - self._state.log.init_asked
        return self._plan(min(init_left if init_left > 0 and whole_init else batch_size, left))

    def _warn_if_nothing_dominates_the_ref_point(self) -> None:
        """A RuntimeWarning when successful evaluations exist but none dominates the reference
        point (the hypervolume is 0 however good the points are), with each objective's best value."""
        valid = self.archive.valid_indices
        if len(valid) == 0 or self.ref_point is None or self.archive_hypervolume() > 0:
            return
        best_raw = from_minimization(self.archive.F[valid].min(axis=0), self.objectives)
        best = {o.name: float(v) for o, v in zip(self.objectives, best_raw)}
        warnings.warn(f"no evaluated point dominates the reference point {self.ref_point.tolist()}, so the hypervolume "
                      f"is 0; the best value of each objective (raw units) is {best}: choose a ref_point that points "
                      f"like these dominate", RuntimeWarning, stacklevel=3)

    def archive_hypervolume(self) -> float:
        """The hypervolume of the points told so far (NaN while an inferred reference point is due)."""
        from lamoo.pareto import hypervolume

        return float("nan") if self.ref_point is None else hypervolume(self.archive.F, self.archive.ref_F)

    def result(self) -> Result:
        """The :class:`Result` of everything told so far (by every study on the journal)."""
        with self._state.transaction():
            front = self._state.log.header.get("exact_front")
            max_hv = run_max_hypervolume(self._task, self.ref_point, self._ref_source, front, self.objectives)
            return Result.from_archive(self.archive, max_hypervolume=max_hv,
                                       seed=self.seed, config=self._state.log.config(), timings=self._state.log.timings(),
                                       front=front, labels=point_labels(self.task, self.archive.X))


def optimize(task: Task, sampler, budget: int, n_init: int | None = None, batch_size: int = 1, seed=None, *,
             journal=None, ref_point=None, progress: bool = False, callback=None, evaluator=None) -> Result:
    """Optimize ``task`` with ``sampler`` for ``budget`` evaluations (the ``n_init`` initial
    design included), proposing ``batch_size`` points at a time, or with ``evaluator`` (e.g.
    ``"ray"`` or ``lamoo.evaluators.RayEvaluator(address="auto")``) one point per free worker,
    asynchronously. See :class:`Study` and :meth:`Study.optimize`."""
    with Study(task, sampler, seed=seed, n_init=n_init, journal=journal, ref_point=ref_point) as study:
        return study.optimize(budget, batch_size, progress=progress, callback=callback, evaluator=evaluator)

