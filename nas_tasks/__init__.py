"""Neural architecture search tasks on the NAS-Bench-201 cell space.

Tasks are imported on first use so ``import nas_tasks`` stays light (no torch, no pandas)::

    from nas_tasks import NB201TableTask   # look-ups in a NAS-Bench-201 table
    from nas_tasks import NB201TrainTask   # cells trained for real
"""

_LAZY = {"NB201TableTask": "nas_tasks.nb201.table_task", "NB201TrainTask": "nas_tasks.nb201.train_task"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nas_tasks' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
