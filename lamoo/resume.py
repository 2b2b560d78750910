"""What a resume checks: the run it continues must be the run its journal records.

A journal's header holds the run's settings: seed, initial design size, reference point,
objectives, search space, the task's description (``task.describe()``) and the sampler's
configuration (as last changed by a ``settings`` record). :func:`check_resume` compares them
with what a resume is given and lists every difference as ``"NAME: the journal has X, given
Y"``. The task's description is compared whole, except its ``"execution"`` entry: where and
how the task runs (file locations, devices, executors, thread counts) may change between a run
and its resume; what it computes may not. Table tasks describe their content by a hash, so a
different table with the same cells is told apart; trained tasks describe their data, network
and training configuration.
"""
from __future__ import annotations

import json

from lamoo.exceptions import JournalError
from lamoo.records import dumps

EXECUTION = "execution"
"""The entry of ``task.describe()`` that a resume does not compare."""


def normalized(value):
    """``value`` as it reads back from a journal (JSON types, non-finite numbers as None)."""
    return json.loads(dumps(value))


def _show(value, limit: int = 100) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " ..."


def differences(stored, given, name: str) -> list[str]:
    """Each difference between ``stored`` (from a journal) and ``given`` (JSON values), as
    ``"NAME.KEY: the journal has X, given Y"``, mappings compared key by key."""
    if isinstance(stored, dict) and isinstance(given, dict):
        out = []
        for key in list(stored) + [k for k in given if k not in stored]:
            if key not in given:
                out.append(f"{name}.{key}: the journal has {_show(stored[key])}, given none")
            elif key not in stored:
                out.append(f"{name}.{key}: the journal has none, given {_show(given[key])}")
            else:
                out += differences(stored[key], given[key], f"{name}.{key}")
        return out
    return [] if stored == given else [f"{name}: the journal has {_show(stored)}, given {_show(given)}"]


def task_differences(header: dict, task) -> list[str]:
    """How ``task`` (a :class:`lamoo.task.Task`) differs from the one ``header`` records:
    objectives, search space and description (less its ``"execution"`` entry)."""
    objectives = [{"name": o.name, "direction": o.direction} for o in task.objectives]
    out = differences(header["objectives"], normalized(objectives), "objectives")
    out += differences(_space(header["space"]), _space(normalized(task.space.to_dict())), "space")
    stored, given = header.get("task"), normalized(task.describe())
    if isinstance(stored, dict) and isinstance(given, dict):
        stored, given = ({k: v for k, v in d.items() if k != EXECUTION} for d in (stored, given))
    return out + differences(stored, given, "task")


def _space(space: dict) -> dict:
    """The parts of a space description a version 1 journal recorded too."""
    return {k: space.get(k) for k in ("names", "bounds", "kinds", "choices") if k in space}


def run_differences(header: dict, seed=None, n_init=None, ref_point=None) -> list[str]:
    """How the given ``seed``, ``n_init`` and ``ref_point`` (None: not given) differ from the
    journal's."""
    if ref_point is not None and not isinstance(ref_point, str):
        ref_point = list(ref_point)
    given = {"seed": seed, "n_init": n_init, "ref_point": ref_point}
    out = []
    for name, value in given.items():
        if value is not None:
            out += differences(header.get(name), normalized(value), name)
    return out


def sampler_differences(stored, sampler) -> list[str]:
    """How ``sampler``'s configuration differs from ``stored`` (nothing is compared for a
    sampler without ``config()``, whose description is only its repr)."""
    config = getattr(sampler, "config", None)
    if not callable(config) or not isinstance(stored, dict):
        return []
    return differences(stored, normalized(config()), "sampler")


def refuse(path, problems: list[str], advice: str) -> JournalError:
    """The error that lists ``problems`` of resuming the journal at ``path``."""
    listed = "\n".join(f"  {p}" for p in problems)
    return JournalError(f"{path} cannot be resumed with these settings:\n{listed}\n{advice}")


RUN_ADVICE = ("A resume continues the run its journal records; to change these, start a new run (another "
              "journal or --out).")
SAMPLER_ADVICE = ("To continue with the new sampler settings, pass allow_sampler_change=True (lamoo optimize: "
                  "--override); the change is recorded in the journal.")


def check_resume(path, header: dict, task, *, seed=None, n_init=None, ref_point=None) -> None:
    """Raise :class:`JournalError` listing every difference between the run ``header``
    records and ``task`` with the given ``seed``, ``n_init`` and ``ref_point``."""
    problems = run_differences(header, seed, n_init, ref_point) + task_differences(header, task)
    if problems:
        raise refuse(path, problems, RUN_ADVICE)
