"""The versions of Python, lamoo and the libraries a run's numbers depend on."""
from __future__ import annotations

import platform

VERSIONED = ("lamoo", "numpy", "scipy", "scikit-learn", "moocore", "torch", "botorch", "gpytorch", "optuna", "pymoo",
             "cma", "pandas")


def library_versions() -> dict:
    """``{"python": ..., package: version or None}`` for :data:`VERSIONED` (None: not
    installed); ``lamoo`` is the version of the code in use (``lamoo.__version__``), installed
    or not."""
    from importlib import metadata

    from lamoo._version import __version__

    out = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    out["lamoo"] = __version__
    return out
