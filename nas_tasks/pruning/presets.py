"""A transfer setting on the bundled digits that needs no files (the ``prune-digits`` task).

The source task is digits 0-4: a NAS-Bench-201 cell is trained on them by lamoo
(:class:`~nas_tasks.NB201TrainTask`, cached like every trained cell). The target task is digits
5-9: the cell, frozen, is the backbone of a :class:`~nas_tasks.pruning.task.PruneTask`. The OoD
set is real images the target's heads never saw: the source classes, digits 0-4 (the nearest
honest stand-in, with one embedded dataset, for the paper's "other datasets"; the backbone did see
some of them while it was trained, their test half aside).

    lamoo optimize --task prune-digits --sampler nsga2 --sampler-param operators=binary --budget 200
"""
from __future__ import annotations

DIGITS_CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
"""The cell of the digits backbone (NAS-Bench-201's best CIFAR-10 cell)."""


def digits_source(channels: int = 16, cells_per_stage: int = 1, epochs: int = 30, seed: int = 0, device="auto",
                  cache_dir=None, num_threads=None):
    """The source task: :class:`~nas_tasks.NB201TrainTask` on digits 0-4 (accuracy)."""
    from nas_tasks.nb201.train_task import NB201TrainTask

    return NB201TrainTask("digits", objectives=["accuracy"], classes="0-4", epochs=epochs, channels=channels,
                          cells_per_stage=cells_per_stage, seed=seed, device=device, cache_dir=cache_dir,
                          num_threads=num_threads)


def digits_backbone(cell: str = DIGITS_CELL, **source):
    """The frozen backbone: ``cell`` trained on digits 0-4 (now, unless the cache has it)."""
    import numpy as np

    from nas_tasks.nb201.encoding import encode
    from nas_tasks.pruning.sources import from_trained_cell

    task = digits_source(**source)
    y = task.evaluate(np.array([encode(cell)]))
    if not np.isfinite(y).all():
        raise RuntimeError(f"training the digits backbone failed: {task.details()['error'].iloc[-1]}")
    return from_trained_cell(task, cell)


def prune_digits(cell: str = DIGITS_CELL, channels: int = 16, cells_per_stage: int = 1, epochs: int = 30,
                 level: str = "inputs", hidden: int = 512, training="fast", objectives=None, seed: int = 0,
                 device: str = "auto", cache_dir=None, num_threads: int | None = None, ood: str = "digits[0-4]"):
    """The digits transfer task (see the module docstring): accuracy, memory and robustness of
    heads on a cell trained on digits 0-4, for digits 5-9. ``training`` is the heads' recipe
    (default ``"fast"``; ``"mo-evoprune"`` is the released code's, about 50x slower)."""
    from nas_tasks.pruning.task import DEFAULT_OBJECTIVES, PruneTask

    backbone = digits_backbone(cell, channels=channels, cells_per_stage=cells_per_stage, epochs=epochs, seed=seed,
                               device=device, cache_dir=cache_dir, num_threads=num_threads)
    return PruneTask(backbone, "digits", classes="5-9", ood=ood, objectives=objectives or DEFAULT_OBJECTIVES,
                     level=level, hidden=hidden, training=training, seed=seed, device=device, cache_dir=cache_dir)
