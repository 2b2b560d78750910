"""XNAS (Carmichael et al., "Learning Debuggable Models Through Multi-Objective NAS", AutoML-Conf
2023) beyond its objective: the search preset (:mod:`~nas_tasks.xnas.preset`) and the analyses of
a finished run (:mod:`~nas_tasks.xnas.calibration`, :mod:`~nas_tasks.xnas.motifs`,
:mod:`~nas_tasks.xnas.plots`, :mod:`~nas_tasks.xnas.report`).
"""
from nas_tasks.xnas.preset import PRESETS, XNAS_EPOCHS, XNAS_OP_ORDER, Preset, get_preset, xnas_sampler

__all__ = ["PRESETS", "Preset", "XNAS_EPOCHS", "XNAS_OP_ORDER", "get_preset", "xnas_sampler"]
