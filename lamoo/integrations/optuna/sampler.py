"""LaMOO as an Optuna sampler: :class:`LaMOOSampler`.

Each trial takes one point of a *batch*, and a batch is made exactly as :meth:`lamoo.Study.ask`
makes one: batch ``k`` draws from ``default_rng(SeedSequence(seed, spawn_key=(1, k)))``; the
first is lamoo's initial design (``initial_design(space, n_init, seed)``), each later one
``batch_size`` points LaMOO proposes with the archive rebuilt from the study's trials (finished
trials are evaluated points, running ones pending), completed by :func:`lamoo.proposal.complete`.
So a sequential study (``study.optimize`` with ``n_jobs=1``, or ask/tell a batch at a time) with
the same seed, ``n_init``, ``batch_size`` and reference point evaluates the same points in the same
order as ``lamoo.optimize`` (``benchmarks/results/optuna-lamoo``).
"""
from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass

import numpy as np
import optuna
from optuna.samplers import BaseSampler
from optuna.search_space import IntersectionSearchSpace

from lamoo.checks import check_int
from lamoo.driver import default_n_init, initial_design, resolve_seed
from lamoo.exceptions import InvalidInputError
from lamoo.integrations.optuna.history import BATCH, LEAF, SOURCE, History, objectives_of, read_history
from lamoo.integrations.optuna.space import SpaceCodec
from lamoo.proposal import Proposal, as_proposal, complete
from lamoo.region import Region
from lamoo.space import SearchSpace
from lamoo.task import check_ref_point

# what a trial carries about where its point came from (user attributes, shown by optuna-dashboard)
USER_ATTRS = ("lamoo_leaf", "lamoo_source", "lamoo_batch", "lamoo_path", "lamoo_depth", "lamoo_relaxed")


@dataclass
class _Batch:
    """The points of one batch (``X``: ``k x d``, as the trials record them), their sources and
    leaves, LaMOO's report, and the next row to hand out."""

    codec: SpaceCodec
    number: int
    X: np.ndarray
    sources: tuple
    leaf_ids: np.ndarray
    info: dict
    next: int = 0


class LaMOOSampler(BaseSampler):
    """LaMOO (learned space partitions around a lamoo inner sampler) for Optuna studies with one
    to four (or more) objectives, any storage, and float, int (log too) and categorical parameters.

    Args:
        inner: LaMOO's inner sampler: a name registered in ``lamoo.samplers`` (``"random"``,
            ``"nsga2"``, ``"cmaes"``, ``"qehvi"``, ...), a :class:`lamoo.Sampler`, or a whole
            :class:`lamoo.LaMOO` (then ``lamoo_options`` must be empty). Optuna's own samplers are
            refused: see the README's "use lamoo from Optuna".
        seed: int, ``numpy.random.Generator`` or None (fresh entropy); the same seed gives the
            same trials in a sequential study. The independent sampler is seeded with it too.
        n_init: size of lamoo's initial design (default ``2 (d + 1)``).
        batch_size: points LaMOO proposes at once: set it to the number of trials run in
            parallel (``n_jobs``), or to the batch of an ask/tell loop.
        ref_point: hypervolume reference point, one value per objective in its own units and
            direction; default: the nadir of the evaluated points widened by 10% of their range.
        search_space: ``{name: optuna distribution}`` or a :class:`lamoo.SearchSpace` (its names
            are the parameter names; a finite space's candidates stay the only points proposed).
            Default: the intersection of the finished trials' distributions (Optuna's usual
            inference; until a trial has finished, parameters come from the independent sampler).
        independent_sampler: samples parameters outside the search space (conditional ones);
            default ``optuna.samplers.RandomSampler(seed)``.
        **lamoo_options: arguments of :class:`lamoo.LaMOO` (``leaf_size``, ``cp``, ...).

    Each trial LaMOO samples carries the user attributes ``lamoo_leaf`` (the partition-tree node
    its point was proposed in; -1 for the initial design), ``lamoo_source`` (``"init"``,
    ``"sampler"`` or ``"fill"``: a uniform top-up draw), ``lamoo_batch``, and for LaMOO's batches
    ``lamoo_path`` (node ids from the root), ``lamoo_depth`` and ``lamoo_relaxed``.
    """

    def __init__(self, inner="random", *, seed=None, n_init: int | None = None, batch_size: int = 1,
                 ref_point=None, search_space=None, independent_sampler: BaseSampler | None = None,
                 **lamoo_options):
        self.lamoo = _build_lamoo(inner, lamoo_options)
        self.seed = resolve_seed(seed)
        self.n_init = check_int(n_init, "n_init", 1, allow_none=True)
        self.batch_size = check_int(batch_size, "batch_size", 1)
        self.ref_point = None if ref_point is None else np.asarray(ref_point, dtype=float)
        self._codec = _fixed_codec(search_space)
        self._intersection = IntersectionSearchSpace()
        self._independent = independent_sampler or optuna.samplers.RandomSampler(seed=self.seed % 2 ** 32)
        self._lock = threading.Lock()
        self._batches: dict[tuple, _Batch] = {}
        self._warned_exhausted = False

    def config(self) -> dict:
        """A JSON-able description: LaMOO's configuration, seed, initial design and batch sizes."""
        return {"name": "lamoo-optuna", "lamoo": self.lamoo.config(), "seed": self.seed, "n_init": self.n_init,
                "batch_size": self.batch_size,
                "ref_point": None if self.ref_point is None else self.ref_point.tolist()}

    # ------------------------------------------------------------------ Optuna's sampler interface
    def infer_relative_search_space(self, study, trial) -> dict:
        if self._codec is not None:
            return dict(self._codec.distributions)
        return self._intersection.calculate(study)

    def sample_relative(self, study, trial, search_space: dict) -> dict:
        if not search_space:
            return {}
        fixed = trial.system_attrs.get("fixed_params") or {}
        if set(search_space) <= set(fixed):  # an enqueued trial: its point is the user's
            return {}
        with self._lock:
            codec = self._codec_for(search_space)
            history = read_history(study.get_trials(deepcopy=False), codec, objectives_of(study),
                                   self._reference(study), exclude_number=trial.number)
            taken = self._take(study, codec, history)
        if taken is None:
            if not self._warned_exhausted:
                warnings.warn("every point of the finite search space has been evaluated or is pending: LaMOOSampler "
                              "leaves the parameters to its independent sampler from now on, so points repeat",
                              RuntimeWarning, stacklevel=2)
                self._warned_exhausted = True
            return {}
        batch, i = taken
        self._record(study, trial, batch, i)
        return codec.to_params(batch.X[i])

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._independent.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study, trial) -> None:
        self._independent.before_trial(study, trial)

    def after_trial(self, study, trial, state, values) -> None:
        self._independent.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        """Reseed the independent sampler (LaMOO's batches keep drawing from ``seed``: their
        points are handed out once each, whichever thread asks)."""
        self._independent.reseed_rng()

    # ------------------------------------------------------------------ batches
    def _codec_for(self, search_space: dict) -> SpaceCodec:
        if self._codec is not None:
            return self._codec
        codec = getattr(self, "_inferred", None)
        if codec is None or codec.distributions != search_space:
            codec = self._inferred = SpaceCodec(search_space)
        return codec

    def _reference(self, study):
        if self.ref_point is None:
            return None
        return check_ref_point(self.ref_point, objectives_of(study))

    def _take(self, study, codec: SpaceCodec, history: History) -> tuple[_Batch, int] | None:
        """The next point of this study's batch that no trial has claimed; a new batch when the
        current one has none left. None when no new point exists (a finite space is used up)."""
        key = (id(study._storage), study._study_id)
        batch = self._batches.get(key)
        if batch is not None and batch.codec is codec:
            while batch.next < len(batch.X):
                batch.next += 1
                if batch.X[batch.next - 1].tobytes() not in history.claimed:
                    return batch, batch.next - 1
        batch = self._batches[key] = self._new_batch(codec, history)
        if len(batch.X) == 0:
            return None
        batch.next = 1
        return batch, 0

    def _new_batch(self, codec: SpaceCodec, history: History) -> _Batch:
        """Batch number ``last + 1``, made as :meth:`lamoo.Study.ask` makes it."""
        number = history.last_batch + 1
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(1, number)))
        space, archive = codec.space, history.archive
        n_init = self.n_init or default_n_init(space.n_dims)
        region = Region.whole(archive, history.pending)
        if history.n_init_used < n_init:
            design = initial_design(space, n_init, self.seed)[history.n_init_used:]
            done, info = complete(Proposal(design, region), len(design), rng, "init"), {}
        else:
            proposal = as_proposal(self.lamoo.propose(region, archive, self.batch_size, rng), region, self.lamoo)
            done, info = complete(proposal, self.batch_size, rng), dict(proposal.info)
        return _Batch(codec, number, codec.canonical(done.X), done.sources, done.leaf_ids, info)

    @staticmethod
    def _record(study, trial, batch: _Batch, i: int) -> None:
        """Write where the trial's point came from, as user attributes: for people and
        dashboards, and read back (batch, source, leaf) when the archive is rebuilt."""
        storage, tid = study._storage, trial._trial_id
        attrs = {LEAF: int(batch.leaf_ids[i]), SOURCE: batch.sources[i], BATCH: batch.number}
        if "path" in batch.info:
            attrs.update(lamoo_path=list(batch.info["path"]), lamoo_depth=int(batch.info["depth"]),
                         lamoo_relaxed=int(batch.info["relaxed"]))
        for key, value in attrs.items():
            storage.set_trial_user_attr(tid, key, value)


def _build_lamoo(inner, options: dict):
    from lamoo.meta import LaMOO
    from lamoo.plugins import get_sampler

    if isinstance(inner, BaseSampler):
        raise InvalidInputError(
            f"inner must be a lamoo sampler (a registered name such as 'random', 'nsga2', 'cmaes', 'qehvi', or a "
            f"lamoo.Sampler), got the Optuna sampler {type(inner).__name__}: Optuna's samplers keep state in the "
            f"study's storage and draw from their own random state, so inside a LaMOO region they would neither see a "
            f"consistent history nor be reproducible from lamoo's seed")
    if isinstance(inner, LaMOO):
        if options:
            raise InvalidInputError(f"inner is already a LaMOO; pass its options to it, not {sorted(options)}")
        return inner
    if isinstance(inner, str):
        inner = get_sampler(inner)
    if not callable(getattr(inner, "propose", None)):
        raise InvalidInputError(f"inner must be a sampler name or a lamoo.Sampler, got {inner!r}")
    return LaMOO(inner, **options)


def _fixed_codec(search_space) -> SpaceCodec | None:
    if search_space is None:
        return None
    if isinstance(search_space, SearchSpace):
        return SpaceCodec.from_space(search_space)
    if isinstance(search_space, dict) and search_space:
        return SpaceCodec(search_space)
    raise InvalidInputError(f"search_space must be a non-empty dict of Optuna distributions or a lamoo.SearchSpace, "
                            f"got {search_space!r}")
