"""The peer ``optuna-lamoo``: LaMOO run through Optuna (:class:`lamoo.integrations.optuna.LaMOOSampler`).

An Optuna study with the task's directions asks ``batch_size`` trials at a time (the first ask:
``n_init`` trials), every evaluation goes through the :class:`~lamoo.bench.recorder.Recorder`, and
the sampler gets the run's seed, ``n_init``, ``batch_size``, the task's reference point and its
lamoo search space (so a finite space keeps its candidates in their order). Its initial design is
lamoo's own for the seed (the sampler makes it; nothing is enqueued), so the run is the native
``lamoo-X`` run of the same seed, point for point, except for a last batch cut short by the budget
(Optuna does not tell a sampler how many trials remain: lamoo proposes ``min(batch_size,
budget left)`` points there, the sampler ``batch_size`` of which the first are used).

Options: ``inner`` (a registered sampler name, default ``random``), ``storage`` (``memory``,
``sqlite`` or ``journal``: where the study lives, in a temporary folder) and any argument of
:class:`lamoo.LaMOO` (``leaf_size=20``).
"""
from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np

from lamoo.exceptions import InvalidInputError

STORAGES = ("memory", "sqlite", "journal")


class OptunaLaMOO:
    """``LaMOOSampler(inner)`` in an Optuna study on the given storage (see the module docstring)."""

    name = "optuna-lamoo"
    library = "optuna"

    def __init__(self, inner: str = "random", storage: str = "memory", **lamoo_options):
        from lamoo import plugins
        from lamoo.meta import LaMOO

        if not isinstance(inner, str) or inner not in plugins.list_samplers():
            raise InvalidInputError(f"{self.name}: inner must be a registered sampler name "
                                    f"({', '.join(plugins.list_samplers())}), got {inner!r}")
        if storage not in STORAGES:
            raise InvalidInputError(f"{self.name}: storage must be one of {STORAGES}, got {storage!r}")
        LaMOO(plugins.get_sampler(inner), **lamoo_options)  # rejects bad options now, not mid-grid
        self.options = {"inner": inner, "storage": storage, **lamoo_options}

    def config(self) -> dict:
        import optuna

        return {"name": self.name, "library": "optuna", "library_version": optuna.__version__,
                "params": self.options, "resolved": getattr(self, "resolved_", None)}

    def _storage(self, folder: Path):
        import optuna

        kind = self.options["storage"]
        if kind == "sqlite":
            return optuna.storages.RDBStorage(f"sqlite:///{folder / 'study.db'}")
        if kind == "journal":
            from optuna.storages.journal import JournalFileBackend

            return optuna.storages.JournalStorage(JournalFileBackend(str(folder / "journal.log")))
        return None

    def run(self, task, recorder, budget: int, n_init: int, batch_size: int, seed: int) -> None:
        import optuna
        from lamoo.integrations.optuna import LaMOOSampler, SpaceCodec

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        lamoo_options = {k: v for k, v in self.options.items() if k not in ("inner", "storage")}
        codec = SpaceCodec.from_space(task.space)
        with tempfile.TemporaryDirectory(prefix="lamoo-optuna-") as folder, warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            with recorder.optimizer():
                sampler = LaMOOSampler(self.options["inner"], seed=seed, n_init=n_init, batch_size=batch_size,
                                       ref_point=task.ref_point, search_space=task.space, **lamoo_options)
                study = optuna.create_study(directions=[o.direction for o in task.objectives], sampler=sampler,
                                            storage=self._storage(Path(folder)))
            self.resolved_ = {"sampler": sampler.config()}
            first = True
            while recorder.n < budget:
                k = min(n_init if first else batch_size, budget - recorder.n)
                with recorder.optimizer():
                    trials = [study.ask(codec.distributions) for _ in range(k)]
                    X = np.array([codec.to_point(trial.params) for trial in trials], dtype=float)
                Y, errors = recorder.evaluate(X, "init" if first else "sampler")
                first = False
                with recorder.optimizer():
                    for trial, y, error in zip(trials, Y, errors):
                        if error is None:
                            study.tell(trial, [float(v) for v in y])
                        else:
                            study.tell(trial, state=optuna.trial.TrialState.FAIL)
