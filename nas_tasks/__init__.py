"""Neural architecture search tasks on the NAS-Bench-201 cell space.

Tasks are imported on first use so ``import nas_tasks`` stays light (no torch, no pandas)::

    from nas_tasks import NB201TableTask   # look-ups in a NAS-Bench-201 table
    from nas_tasks import NB201TrainTask   # cells trained for real

The layout: :mod:`nas_tasks.nb201` (the cell space, its network, the two tasks and their CLI
plug-ins), :mod:`nas_tasks.objectives` (what is measured on a trained network, and the grammar of
objective specs), :mod:`nas_tasks.training` (data, augmentation, the training loop, executors, the
trained-cell cache and the configurations ``DataConfig``, ``NetworkConfig``, ``TrainingConfig``,
``ExecutionConfig``, also importable from here) and :mod:`nas_tasks.cache` (the on-disk cache).
"""

_LAZY = {"NB201TableTask": "nas_tasks.nb201.table_task", "NB201TrainTask": "nas_tasks.nb201.train_task",
         "DataConfig": "nas_tasks.training.config", "NetworkConfig": "nas_tasks.training.config",
         "TrainingConfig": "nas_tasks.training.config", "ExecutionConfig": "nas_tasks.training.config",
         "Augmentation": "nas_tasks.training.config"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nas_tasks' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
