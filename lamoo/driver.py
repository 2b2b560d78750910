"""The driver: :class:`Study` (ask/tell with a journal) and :func:`optimize` (the whole loop).

Randomness: ask number ``k`` of a study with seed ``s`` draws from its own generator
``default_rng(SeedSequence(s, spawn_key=(1, k)))`` and the initial design from
``SeedSequence(s, spawn_key=(0,))``. A proposal therefore depends only on the seed, the ask number
and the archive, which is what makes a resumed run continue exactly like an uninterrupted one.
"""
from __future__ import annotations

import numbers
import time
import warnings

import numpy as np

from lamoo.archive import NO_LEAF, Archive
from lamoo.checks import check_int
from lamoo.exceptions import InvalidInputError, JournalError, LamooError
from lamoo.journal import Evaluations, Journal, as_recorded, eval_record, header_objectives, read_evaluations
from lamoo.proposal import Proposal, as_proposal, complete
from lamoo.region import Region
from lamoo.result import Result
from lamoo.task import Task, as_task, check_objectives, check_ref_point, check_Y, evaluate_safely, from_minimization


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
        journal: path of a JSON-lines journal; every told point is appended and flushed before
            :meth:`tell` returns. Resume with :meth:`load`.
        ref_point: overrides ``task.ref_point`` (raw units).

    Attributes:
        archive: every point told so far (:class:`~lamoo.archive.Archive`).
        last_proposal: the :class:`~lamoo.proposal.Proposal` of the latest ask that called the
            sampler (``None`` before one; asks served by the initial design do not call it).
    """

    def __init__(self, task: Task, sampler, *, seed=None, n_init: int | None = None, journal=None,
                 ref_point=None):
        if not hasattr(sampler, "propose"):
            raise InvalidInputError(f"sampler must implement propose(region, archive, n, rng), got {sampler!r}")
        self.task = task
        self._task = as_task(task)
        self.sampler = sampler
        self.objectives = check_objectives(self._task.objectives)
        ref_point = self._task.ref_point if ref_point is None else ref_point
        if ref_point is None:
            raise InvalidInputError(f"{task!r} declares no ref_point: give the task one or pass ref_point=")
        self.ref_point = check_ref_point(ref_point, self.objectives, self._task.ideal_point)
        self.seed = resolve_seed(seed)
        space = self._task.space
        self.n_init = default_n_init(space.n_dims) if n_init is None else check_int(n_init, "n_init", 1)
        self.archive = Archive(space, self.objectives, self.ref_point)
        self.last_proposal: Proposal | None = None
        self._n_asks = 0
        self._init_cursor = 0  # initial-design points handed out so far
        self._init_design: np.ndarray | None = None
        self._pending: dict[bytes, dict] = {}
        self._timings: dict[int, dict] = {}
        self._proposal_info: dict[int, dict] = {}  # what the sampler reported about each ask
        self._journal = Journal.create(journal, self._header()) if journal is not None else None

    # ------------------------------------------------------------------ persistence
    def _header(self) -> dict:
        config = getattr(self.sampler, "config", None)
        return {
            "seed": self.seed, "n_init": self.n_init, "ref_point": self.ref_point.tolist(),
            "objectives": [{"name": o.name, "direction": o.direction} for o in self.objectives],
            "space": self._task.space.to_dict(), "task": self._task.describe(),
            "max_hypervolume": self._task.max_hypervolume,
            "sampler": config() if callable(config) else repr(self.sampler),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }

    @classmethod
    def load(cls, journal, task: Task, sampler) -> "Study":
        """Resume the run recorded in ``journal``: its points are replayed into the archive (no
        evaluation is repeated) and new points are appended to the same file. The seed, initial
        design size and reference point come from the journal."""
        handle, header, records = Journal.resume(journal)
        objectives, space = header_objectives(header), as_task(task).space
        if objectives != tuple(as_task(task).objectives):
            raise JournalError(f"{journal} was written for objectives {objectives}, not {tuple(task.objectives)}")
        if header["space"]["names"] != list(space.names) or \
                header["space"]["bounds"] != np.column_stack([space.lower, space.upper]).tolist():
            raise JournalError(f"{journal} was written for another search space: {header['space']}")
        config = getattr(sampler, "config", None)
        if callable(config) and header.get("sampler") != config():
            warnings.warn(f"resuming {journal} with a different sampler configuration than it was started with",
                          RuntimeWarning, stacklevel=2)
        study = cls(task, sampler, seed=header["seed"], n_init=header["n_init"], ref_point=header["ref_point"])
        study._replay(read_evaluations(records, space.n_dims, len(objectives)))
        study._journal = handle
        return study

    def _replay(self, ev: Evaluations) -> None:
        """Append a journal's evaluations to the archive in file order (the order they were told)."""
        self.archive.append(ev.X, ev.Y, errors=ev.errors, leaf_ids=ev.leaf_ids, sources=ev.sources, batch=ev.batches)
        for batch, report in ev.proposals.items():
            self.archive.record_report(batch, report)
        self._timings.update({t["batch"]: dict(t) for t in ev.timings})
        self._n_asks = max(ev.batches, default=-1) + 1
        self._init_cursor = ev.sources.count("init")

    # ------------------------------------------------------------------ ask / tell
    @property
    def n_told(self) -> int:
        return self.archive.n

    def _rng(self, *key: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))

    def _initial_design(self) -> np.ndarray:
        if self._init_design is None:
            self._init_design = initial_design(self._task.space, self.n_init, self.seed)
        return self._init_design

    def ask(self, n: int = 1) -> np.ndarray:
        """Propose ``n`` points to evaluate next, ``(n x d)``; the first asks return the initial
        design. No evaluated or pending point is proposed again; on a finite space with fewer
        than ``n`` new candidates left, fewer rows are returned, and with none left a
        :class:`LamooError` is raised (the study is left as it was). The sampler's proposal is
        completed once by :func:`lamoo.proposal.complete` and kept in :attr:`last_proposal`."""
        n = check_int(n, "n", 1)
        if self.exhausted:
            raise LamooError("every candidate of the finite search space has been evaluated or is pending")
        start = time.perf_counter()
        batch = self._n_asks
        rng = self._rng(1, batch)
        pending = self._pending_rows()
        n_from_init = max(0, min(n, self.n_init - self._init_cursor))
        parts, proposal = [], None
        if n_from_init > 0:
            design = self._initial_design()[self._init_cursor:self._init_cursor + n_from_init]
            parts.append(complete(Proposal(design, Region.whole(self.archive, pending)), n_from_init, rng, "init"))
            pending = np.vstack([pending, parts[-1].X])
        if n > n_from_init:
            region = Region.whole(self.archive, pending)
            proposal = as_proposal(self.sampler.propose(region, self.archive, n - n_from_init, rng), region,
                                   self.sampler)
            parts.append(complete(proposal, n - n_from_init, rng))
        X = np.vstack([part.X for part in parts])
        if len(X) == 0:
            raise LamooError("every candidate of the finite search space has been evaluated or is pending")
        # the ask succeeded: only now does the study's state move on
        self._n_asks += 1
        self._init_cursor += n_from_init
        if proposal is not None:
            self.last_proposal = proposal
            self._proposal_info[batch] = as_recorded(dict(proposal.info))  # as a resumed run reads it
        self._timings[batch] = {"batch": batch, "ask_seconds": time.perf_counter() - start, "eval_seconds": None}
        sources = [source for part in parts for source in part.sources]
        leaf_ids = np.concatenate([part.leaf_ids for part in parts])
        for row, source, leaf_id in zip(X, sources, leaf_ids):  # keyed like the validated rows tell looks up
            self._pending[row.tobytes()] = {"source": source, "leaf_id": int(leaf_id), "batch": batch}
        return X

    def _pending_rows(self) -> np.ndarray:
        """``(p x d)`` the points asked and not yet told."""
        if not self._pending:
            return np.empty((0, self._task.space.n_dims))
        return np.vstack([np.frombuffer(key) for key in self._pending])

    @property
    def exhausted(self) -> bool:
        """True on a finite space whose every candidate has been evaluated or is pending."""
        return Region.whole(self.archive, self._pending_rows()).n_available() == 0

    def tell(self, X, Y, errors=None, eval_seconds: float | None = None) -> None:
        """Record evaluations: ``X`` (``n x d``), raw ``Y`` (``n x m``; NaN rows are failures)
        and optional per-row ``errors``. Points not from :meth:`ask` are accepted too. Appended
        to the journal (flushed) before returning."""
        X = self._task.space.validate(X, "X")
        Y = check_Y(Y, len(X), len(self.objectives), "Y")
        if errors is not None and len(errors) != len(X):
            raise InvalidInputError(f"errors must have {len(X)} entries (one per row of X), got {len(errors)}")
        metas = [self._pending.pop(row.tobytes(), {"source": "user", "leaf_id": NO_LEAF, "batch": -1}) for row in X]
        start = self.archive.n
        self.archive.append(X, Y, errors=errors, leaf_ids=[meta["leaf_id"] for meta in metas],
                            sources=[meta["source"] for meta in metas], batch=[meta["batch"] for meta in metas])
        for batch in {meta["batch"] for meta in metas} - {-1}:
            if eval_seconds is not None:
                self._timings[batch]["eval_seconds"] = eval_seconds
            if batch in self._proposal_info:
                self.archive.record_report(batch, self._proposal_info[batch])
        if self._journal is not None:
            self._journal.append([self._record(i) for i in range(start, self.archive.n)])

    def _record(self, i: int) -> dict:
        batch = int(self.archive.batches[i])
        return eval_record(self.archive, i, self._timings.get(batch), self._proposal_info.get(batch))

    # ------------------------------------------------------------------ loop and results
    def optimize(self, budget: int, batch_size: int = 1, *, progress: bool = False, callback=None) -> Result:
        """Ask, evaluate with ``task.evaluate`` and tell until ``budget`` points (the initial
        design included) have been evaluated, or until a finite space has no unevaluated candidate
        left (then with a RuntimeWarning). A failed evaluation is recorded and the run goes on.
        ``callback(study, X, Y)`` is called after each batch."""
        budget = check_int(budget, "budget", 1)
        batch_size = check_int(batch_size, "batch_size", 1)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=budget, initial=min(self.n_told, budget), desc="evaluations", unit="pt")
        try:
            while self.n_told < budget:
                if self.exhausted:
                    warnings.warn(f"stopping after {self.n_told} evaluations of the budget of {budget}: all "
                                  f"{self._task.space.n_candidates} candidates of the finite search space have been "
                                  f"evaluated or are pending", RuntimeWarning, stacklevel=2)
                    break
                n = self.n_init - self._init_cursor if self._init_cursor < self.n_init else batch_size
                X = self.ask(min(n, budget - self.n_told))
                start = time.perf_counter()
                Y, errors = evaluate_safely(self._task, X)
                self.tell(X, Y, errors, eval_seconds=time.perf_counter() - start)
                if bar is not None:
                    bar.update(len(X))
                    bar.set_postfix(hv=f"{self.archive_hypervolume():.4g}")
                if callback is not None:
                    callback(self, X, Y)
        finally:
            if bar is not None:
                bar.close()
        self._warn_if_nothing_dominates_the_ref_point()
        return self.result()

    def _warn_if_nothing_dominates_the_ref_point(self) -> None:
        """A RuntimeWarning when successful evaluations exist but none dominates the reference
        point (the hypervolume is 0 however good the points are), with each objective's best value."""
        valid = self.archive.valid_indices
        if len(valid) == 0 or self.archive_hypervolume() > 0:
            return
        best_raw = from_minimization(self.archive.F[valid].min(axis=0), self.objectives)
        best = {o.name: float(v) for o, v in zip(self.objectives, best_raw)}
        warnings.warn(f"no evaluated point dominates the reference point {self.ref_point.tolist()}, so the hypervolume "
                      f"is 0; the best value of each objective (raw units) is {best}: choose a ref_point that points "
                      f"like these dominate", RuntimeWarning, stacklevel=3)

    def archive_hypervolume(self) -> float:
        from lamoo.pareto import hypervolume

        return hypervolume(self.archive.F, self.archive.ref_F)

    def result(self) -> Result:
        """The :class:`Result` of everything told so far."""
        return Result.from_archive(self.archive, max_hypervolume=self._task.max_hypervolume,
                                   seed=self.seed, config=self._header(),
                                   timings=[self._timings[b] for b in sorted(self._timings)])


def optimize(task: Task, sampler, budget: int, n_init: int | None = None, batch_size: int = 1, seed=None, *,
             journal=None, ref_point=None, progress: bool = False, callback=None) -> Result:
    """Optimize ``task`` with ``sampler`` for ``budget`` evaluations (the ``n_init`` initial
    design included), proposing ``batch_size`` points at a time. See :class:`Study`."""
    study = Study(task, sampler, seed=seed, n_init=n_init, journal=journal, ref_point=ref_point)
    return study.optimize(budget, batch_size, progress=progress, callback=callback)
