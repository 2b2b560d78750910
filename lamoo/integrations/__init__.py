"""lamoo inside other tools: each integration imports its tool only when it is itself imported.

- :mod:`lamoo.integrations.optuna`: :class:`~lamoo.integrations.optuna.LaMOOSampler`, LaMOO as an
  Optuna sampler (``pip install 'lamoo[optuna]'``).
- :mod:`lamoo.integrations.pymoo`: any ``pymoo.core.problem.Problem`` as a lamoo task
  (``pip install 'lamoo[pymoo]'``), with pymoo's Pareto front for the maximum hypervolume.

``import lamoo`` imports neither.
"""
