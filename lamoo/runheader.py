"""The header of a run's journal: what the run is (see :mod:`lamoo.records` for the format)."""
from __future__ import annotations

import json
import time

import numpy as np

from lamoo._version import __version__
from lamoo.indicators import known_front
from lamoo.records import dumps
from lamoo.reference import max_hypervolume_for
from lamoo.versions import library_versions


def run_max_hypervolume(task, ref_point, ref_source: str, front, objectives) -> float | None:
    """The largest hypervolume w.r.t. a run's reference point (raw units, ``m``; None while an
    inferred one is due): the task's ``max_hypervolume`` when the run uses the task's point, else
    that of the task's exact ``front`` (``k x m`` raw), else None."""
    task_ref = task.ref_point
    if ref_source == "given" and task_ref is not None and np.array_equal(ref_point, np.asarray(task_ref, float)):
        ref_source = "task"
    return max_hypervolume_for(ref_point, ref_source, task.max_hypervolume, front, objectives)


def run_header(study, run_info: dict | None) -> dict:
    """The header fields of ``study`` (a new :class:`lamoo.Study`): seed, initial design size,
    reference point and its source, objectives, space, the task's description, its maximum
    hypervolume and exact front when known, the sampler's configuration, the lamoo and library
    versions, and ``run_info`` (how the run was launched) under ``"run"``; as JSON values."""
    task, sampler = study._task, study.sampler
    front = known_front(study.task, study.objectives)
    front = None if front is None else front.tolist()
    config = getattr(sampler, "config", None)
    header = {
        "seed": study.seed, "n_init": study.n_init,
        "ref_point": None if study.ref_point is None else study.ref_point.tolist(), "ref_point_source": study._ref_source,
        "objectives": [{"name": o.name, "direction": o.direction} for o in study.objectives],
        "space": task.space.to_dict(), "task": task.describe(),
        "max_hypervolume": run_max_hypervolume(task, study.ref_point, study._ref_source, front, study.objectives),
        "exact_front": front, "sampler": config() if callable(config) else repr(sampler),
        "lamoo_version": __version__, "libraries": library_versions(), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if run_info is not None:
        header["run"] = run_info
    return json.loads(dumps(header))
