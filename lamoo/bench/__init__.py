"""The benchmark harness behind ``lamoo bench`` and ``lamoo bench-report``.

A grid runs every (task, method, seed) and writes one JSON record per run; the report turns a
folder of records into ``REPORT.md`` with tables and plots. Tasks and samplers are found through
:mod:`lamoo.plugins` (entry points), never imported by name. Modules, by concept:

- grammar and names: :mod:`~lamoo.bench.specs` (``NAME:KEY=VALUE``, seeds, file names),
  :mod:`~lamoo.bench.tasks` (task factories and their options), :mod:`~lamoo.bench.methods`
  (``X``, ``lamoo-X`` and peers), :mod:`~lamoo.bench.peers` (Optuna and pymoo through their
  ask/tell APIs, BoTorch's multi-objective tutorial loop);
- running: :mod:`~lamoo.bench.planning` (the runs and what a folder already holds),
  :mod:`~lamoo.bench.pool` (worker processes), :mod:`~lamoo.bench.runner` (one run),
  :mod:`~lamoo.bench.recorder` (a peer's evaluations), :mod:`~lamoo.bench.probe` (LaMOO's
  diagnostics), :mod:`~lamoo.bench.provenance` (versions, git commit, commands),
  :mod:`~lamoo.bench.records` (the JSON files);
- reporting: :mod:`~lamoo.bench.stats`, :mod:`~lamoo.bench.summary`, :mod:`~lamoo.bench.tables`,
  :mod:`~lamoo.bench.plots`, :mod:`~lamoo.bench.reproduce`, :mod:`~lamoo.bench.report`;
- commands: :mod:`~lamoo.bench.run` (``lamoo bench``), :mod:`~lamoo.bench.report_command`
  (``lamoo bench-report``), both built on :mod:`~lamoo.bench.command`.
"""
