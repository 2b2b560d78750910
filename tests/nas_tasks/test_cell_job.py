"""The unit of work: per-process data caches (bounded) and what a job carries."""
import pickle

import torch

from nas_tasks.training import cell_job
from nas_tasks.training.config import DataConfig


def test_the_per_process_data_caches_are_bounded():
    cell_job.get_splits.cache_clear()
    cell_job.get_device_data.cache_clear()
    configs = [DataConfig(max_train=50 + i, max_eval=40) for i in range(cell_job.MAX_SPLITS + 2)]
    first = cell_job.get_splits(configs[0])
    for config in configs[1:]:
        cell_job.get_splits(config)
    info = cell_job.get_splits.cache_info()
    assert info.maxsize == info.currsize == cell_job.MAX_SPLITS and info.misses == len(configs)
    cell_job.get_splits(configs[-1])
    assert cell_job.get_splits.cache_info().hits == 1  # the latest are kept ...
    assert cell_job.get_splits(configs[0]) is not first  # ... the oldest was dropped and is loaded again
    cpu = torch.device("cpu")
    for config in configs:
        cell_job.get_device_data(config, cpu)
    assert cell_job.get_device_data.cache_info().currsize == cell_job.MAX_DEVICE_DATA
    cell_job.get_splits.cache_clear()
    cell_job.get_device_data.cache_clear()


def test_a_job_is_frozen_and_travels_by_pickle():
    from nas_tasks.objectives import build_objectives
    from nas_tasks.training.config import ExecutionConfig, NetworkConfig, TrainingConfig

    job = cell_job.CellJob((3, 1, 3, 1, 3, 4), "k", DataConfig(), NetworkConfig(4, 1), TrainingConfig(epochs=1), 0,
                           tuple(build_objectives(["accuracy", "params"])), ExecutionConfig(num_threads=1))
    again = pickle.loads(pickle.dumps(job))
    assert (again.codes, again.data, again.training, again.execution) == (job.codes, job.data, job.training,
                                                                         job.execution)
    assert [o.name for o in again.objectives] == ["accuracy", "params"]
