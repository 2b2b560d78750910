"""Neural architecture search tasks on the NAS-Bench-201 cell space.

``NB201TrainTask`` (cells trained for real) loads lazily, so ``import nas_tasks`` stays light.
"""

_LAZY = {"NB201TrainTask": "nas_tasks.train_task"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nas_tasks' has no attribute {name!r}")
