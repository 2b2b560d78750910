"""A finished ``nb201-train`` run, read for analysis through the public journal and Result API.

:class:`TrainedRun` reads ``RUN_DIR/journal.jsonl`` (:meth:`lamoo.Result.from_journal`) and the
task description its header keeps, rebuilds the same :class:`nas_tasks.NB201TrainTask` settings
(data and splits, network, training recipe, seed) and gives back each evaluated cell's trained
network: loaded from the trained-cell cache, or trained again (and cached) when the checkpoint is
gone. It never touches the optimizer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lamoo.exceptions import InvalidInputError

if TYPE_CHECKING:
    import torch


@dataclass
class TrainedRun:
    """A run folder of ``lamoo optimize --task nb201-train`` and the means to reload its networks.

    Attributes:
        run_dir: the run folder.
        result: the run's :class:`lamoo.Result` (``X``: ``n x 6`` cell codes, ``Y``: ``n x m``
            raw objective values, each in its own direction).
        header: the journal header (its ``"task"`` entry is the task's description).
        task: an ``NB201TrainTask`` with the run's data, network, training and seed (objective
            ``accuracy`` only: it trains missing cells; the analyses measure the rest).
    """

    run_dir: Path
    result: object
    header: dict
    task: object
    _models: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, run_dir, cache_dir=None, data_root=None, device: str = "cpu",
             num_threads: int | None = None) -> "TrainedRun":
        """Read ``run_dir``; ``cache_dir`` / ``data_root`` default to the run's own."""
        from lamoo.journal import read_run
        from lamoo.result import Result
        from lamoo.runfolder import JOURNAL

        run_dir = Path(run_dir)
        path = run_dir / JOURNAL
        if not path.is_file():
            raise InvalidInputError(f"{run_dir} holds no {JOURNAL}: not a 'lamoo optimize' run folder")
        log = read_run(path)
        desc = log.header.get("task") or {}
        if desc.get("class") != "nas_tasks.NB201TrainTask":
            raise InvalidInputError(f"{run_dir} is a run of {desc.get('class') or 'a task without a description'}; "
                                    f"the XNAS analyses need trained cells (lamoo optimize --task nb201-train)")
        task = _task_from_description(desc, cache_dir, data_root, device, num_threads)
        if task.splits.info["fingerprint"] != desc["splits"]["fingerprint"]:
            raise InvalidInputError(f"the data read now differs from the run's (split fingerprint "
                                    f"{task.splits.info['fingerprint']} vs {desc['splits']['fingerprint']}): pass the "
                                    f"run's --data-root")
        return cls(run_dir, Result.from_run_log(log), log.header, task)

    @property
    def objective_names(self) -> list[str]:
        return [o.name for o in self.result.objectives]

    def column(self, name: str) -> np.ndarray:
        """``(n,)`` raw values of objective ``name``."""
        if name not in self.objective_names:
            raise InvalidInputError(f"the run has no objective {name!r}; it has {self.objective_names}")
        return self.result.Y[:, self.objective_names.index(name)]

    def pareto_indices(self) -> np.ndarray:
        """Evaluation indices of the Pareto-optimal cells (failed ones excluded)."""
        return np.flatnonzero(self.result.pareto_mask())

    def data(self):
        """The run's splits on the analysis device (:class:`~nas_tasks.training.device.DeviceData`)."""
        from nas_tasks.training.cell_job import get_device_data

        return get_device_data(self.task.data, self.task.device, self.task.execution.precision)

    def model(self, codes) -> "torch.nn.Module":
        """The trained network of cell ``codes`` (``(6,)``), in eval mode: from the cache, or
        trained now with the run's settings (then cached) when its checkpoint is missing."""
        from nas_tasks.training.cache import TrainCache
        from nas_tasks.training.cell_job import build_model

        codes = tuple(int(c) for c in codes)
        if codes in self._models:
            return self._models[codes]
        cache, key = TrainCache(self.task.execution.cache_dir), self.task.cache_key(codes)
        state = cache.load_checkpoint(key)
        if state is None:
            self.task.evaluate(np.asarray([codes], dtype=float))  # trains and caches the checkpoint
            state = cache.load_checkpoint(key)
        if state is None:
            raise InvalidInputError(f"cell {list(codes)} could not be trained or reloaded (cache {cache.root})")
        model = build_model(codes, self.task.network, self.task.splits, self.task.seed)
        model.load_state_dict(state)
        self._models[codes] = model.to(self.task.device).eval()
        return self._models[codes]


def _task_from_description(desc: dict, cache_dir, data_root, device: str, num_threads):
    """The ``NB201TrainTask`` a journal header's task description ``desc`` describes."""
    from nas_tasks.nb201.train_task import NB201TrainTask
    from nas_tasks.training.config import Augmentation, DataConfig, NetworkConfig, TrainingConfig

    execution = desc.get("execution") or {}
    data = DataConfig(**{**desc["data"], "data_root": data_root if data_root is not None else execution.get("data_root")})
    train = dict(desc["train"])
    if train.get("augmentation") is not None:
        train["augmentation"] = Augmentation(**train["augmentation"])
    return NB201TrainTask(objectives=["accuracy"], data=data, network=NetworkConfig(**desc["net"]),
                          training=TrainingConfig(**train), seed=desc["seed"], device=device, num_threads=num_threads,
                          cache_dir=str(cache_dir) if cache_dir is not None else execution.get("cache_dir"))
