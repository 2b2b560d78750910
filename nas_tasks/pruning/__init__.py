"""MO-EvoPruneDeepTL (Poyatos et al., 2023) in lamoo: evolve sparse last layers of a transferred
network for accuracy, memory and robustness, and ensemble the Pareto front.

- :mod:`~nas_tasks.pruning.backbone` and :mod:`~nas_tasks.pruning.sources`: the frozen backbone
  (a lamoo-trained cell, a checkpoint in your module, a torchvision architecture with your weights);
- :mod:`~nas_tasks.pruning.genome`: the binary genome over the sparse layer's inputs, units or
  connections, and its space;
- :mod:`~nas_tasks.pruning.head`: the sparse head and how it is trained (many genomes at once);
- :mod:`~nas_tasks.pruning.data`: the target data and its cached features;
- :mod:`~nas_tasks.pruning.task`: :class:`PruneTask`, the lamoo task;
- :mod:`~nas_tasks.pruning.ensemble`: ensembles of a finished run's Pareto front;
- :mod:`~nas_tasks.pruning.neurons`: the units every front model keeps, and Grad-CAM for them;
- :mod:`~nas_tasks.pruning.partitions`: what LaMOO's SVM partitions of a finished run's genomes
  mean (rebuilt from its journal), and the yield of each batch;
- :mod:`~nas_tasks.pruning.presets` and :mod:`~nas_tasks.pruning.cli`: the digits transfer task,
  ``lamoo optimize --task prune`` and ``lamoo prune-report``.

Names load lazily: ``from nas_tasks.pruning import PruneTask`` imports torch, ``import
nas_tasks.pruning`` does not.
"""

_LAZY = {"PruneTask": "nas_tasks.pruning.task", "Memory": "nas_tasks.pruning.task",
         "Backbone": "nas_tasks.pruning.backbone", "GenomeLayout": "nas_tasks.pruning.genome",
         "BinarySpace": "nas_tasks.pruning.genome", "HeadTraining": "nas_tasks.pruning.head",
         "from_run": "nas_tasks.pruning.sources", "from_trained_cell": "nas_tasks.pruning.sources",
         "from_checkpoint": "nas_tasks.pruning.sources", "from_torchvision": "nas_tasks.pruning.sources",
         "FrontEnsemble": "nas_tasks.pruning.ensemble", "influential_units": "nas_tasks.pruning.neurons",
         "grad_cam": "nas_tasks.pruning.neurons", "prune_digits": "nas_tasks.pruning.presets",
         "partition_analysis": "nas_tasks.pruning.partitions", "front_yield": "nas_tasks.pruning.partitions"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nas_tasks.pruning' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
