"""lamoo: multi-objective optimization and NAS by learning space partitions.

Core objects (``import lamoo`` stays light: BoTorch, torch and other back ends load lazily)::

    from lamoo import LaMOO, Study, optimize
    from lamoo.problems import get_problem
"""
from lamoo._version import __version__
from lamoo.archive import Archive
from lamoo.driver import Study, optimize
from lamoo.exceptions import InvalidInputError, JournalError, LamooError, MissingDependencyError, PluginError
from lamoo.meta import LaMOO
from lamoo.policy import RegionPolicy
from lamoo.proposal import Proposal
from lamoo.region import Region
from lamoo.result import Result
from lamoo.sampler import Sampler
from lamoo.space import SearchSpace
from lamoo.task import ObjectiveSpec, Task
from lamoo.tree import PartitionTree

__all__ = [
    "Archive", "InvalidInputError", "JournalError", "LaMOO", "LamooError", "MissingDependencyError",
    "ObjectiveSpec", "PartitionTree", "PluginError", "Proposal", "Region", "RegionPolicy", "Result", "Sampler",
    "SearchSpace", "Study", "Task",
    "__version__", "optimize",
]
