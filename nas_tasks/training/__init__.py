"""Training NAS cells: everything between a cell's codes and its measured objectives.

- :mod:`~nas_tasks.training.config`: the frozen settings (``DataConfig``, ``NetworkConfig``,
  ``TrainingConfig`` with its ``Augmentation``, ``ExecutionConfig``; re-exported here, no torch)
  and the trained-cell cache key;
- :mod:`~nas_tasks.training.data` (datasets read from local files) and
  :mod:`~nas_tasks.training.splits` (stratified train / validation / test splits);
- :mod:`~nas_tasks.training.augment` (batched augmentation on the device),
  :mod:`~nas_tasks.training.device` (devices, threads, data on the device, predictions),
  :mod:`~nas_tasks.training.loop` (the XNAS training recipe for any classifier);
- :mod:`~nas_tasks.training.cell_job` (train and measure one cell: the unit of work),
  :mod:`~nas_tasks.training.executors` (local or Ray) and :mod:`~nas_tasks.training.cache`
  (trained cells' records and checkpoints on disk).
"""
from nas_tasks.training.config import Augmentation, DataConfig, ExecutionConfig, NetworkConfig, TrainingConfig

__all__ = ["Augmentation", "DataConfig", "ExecutionConfig", "NetworkConfig", "TrainingConfig"]
