"""lamoo: multi-objective optimization and NAS by learning space partitions.

Core objects (``import lamoo`` stays light: BoTorch, torch and other back ends load lazily)::

    from lamoo import LaMOO, Study, optimize
    from lamoo.problems import get_problem
"""
from lamoo.archive import Archive
from lamoo.driver import Study, optimize
from lamoo.exceptions import InvalidInputError, JournalError, LamooError, MissingDependencyError
from lamoo.meta import LaMOO
from lamoo.region import Region
from lamoo.result import Result
from lamoo.sampler import Sampler
from lamoo.space import SearchSpace
from lamoo.task import ObjectiveSpec, Task
from lamoo.tree import PartitionTree

__version__ = "0.1.0"

__all__ = [
    "Archive", "InvalidInputError", "JournalError", "LaMOO", "LamooError", "MissingDependencyError",
    "ObjectiveSpec", "PartitionTree", "Region", "Result", "Sampler", "SearchSpace", "Study", "Task",
    "optimize",
]
