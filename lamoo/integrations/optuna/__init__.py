"""LaMOO inside Optuna (``pip install 'lamoo[optuna]'``; importing this module imports Optuna)::

    import optuna
    from lamoo.integrations.optuna import LaMOOSampler

    study = optuna.create_study(directions=["minimize", "maximize"], sampler=LaMOOSampler(inner="nsga2", seed=0))
    study.optimize(objective, n_trials=100)     # each trial's user attribute lamoo_leaf names its region

- :class:`LaMOOSampler`: the sampler (see its docstring for what it keeps of lamoo's guarantees).
- :class:`SpaceCodec`, :func:`distributions_from_space`: Optuna distributions <-> lamoo search
  spaces and points.
"""
from lamoo.exceptions import require

require("optuna", "optuna")

from lamoo.integrations.optuna.sampler import USER_ATTRS, LaMOOSampler  # noqa: E402
from lamoo.integrations.optuna.space import SpaceCodec, distributions_from_space  # noqa: E402

__all__ = ["LaMOOSampler", "SpaceCodec", "USER_ATTRS", "distributions_from_space"]
