"""Peers: real runs of other libraries' multi-objective optimizers on lamoo tasks.

Each peer runs its library's own loop (ask/tell for Optuna and pymoo, BoTorch's tutorial loop for
BoTorch); every evaluation goes through the :class:`~lamoo.bench.recorder.Recorder` (lamoo's
``evaluate_safely``), with the same budget, the same initial design (lamoo's, for the seed:
enqueued in Optuna, the initial population in pymoo, the initial data in BoTorch) and the same
batch size as the lamoo methods. Categorical dimensions are unordered choices for every peer. A
peer that re-proposes a point it evaluated before pays for it from the budget
(``n_duplicates``); on a finite space whose candidates are not the whole grid, a proposal that is
not a candidate is evaluated at the nearest candidate (``n_repaired``).

A peer is a class: ``Peer(**options)`` validates its options, ``config()`` describes it, and
``run(task, recorder, budget, n_init, batch_size, seed)`` runs it. :data:`PEERS` maps method names
to the classes. The libraries are imported only when a peer runs.

- :mod:`~lamoo.bench.peers.optuna_peers`: ``optuna-nsga2``, ``optuna-motpe``, ``optuna-gp``;
- :mod:`~lamoo.bench.peers.pymoo_peers`: ``pymoo-nsga2``;
- :mod:`~lamoo.bench.peers.botorch_peers`: ``botorch-qlognehvi``.

On a task with outcome constraints the Optuna and pymoo peers use their library's own constraint
support, given each constraint's relative slack (``<= 0`` where met;
:func:`lamoo.constraints.relative_slack`): Optuna's constraint values (``Trial.set_constraint``
since Optuna 5, which deprecated the samplers' ``constraints_func``; ``constraints_func`` before;
NSGA-II: constraint-domination; TPE: infeasible trials ranked below feasible ones), pymoo's
inequality constraints ``G`` (constraint-domination in survival and tournament).
``botorch-qlognehvi`` (BoTorch's unconstrained tutorial loop) refuses a constrained task.
"""
from lamoo.bench.peers.botorch_peers import BoTorchQLogNEHVI
from lamoo.bench.peers.optuna_peers import OptunaGP, OptunaMOTPE, OptunaNSGA2
from lamoo.bench.peers.pymoo_peers import PymooNSGA2

PEERS: dict[str, type] = {cls.name: cls for cls in (OptunaNSGA2, OptunaMOTPE, OptunaGP, PymooNSGA2, BoTorchQLogNEHVI)}

__all__ = ["PEERS", "BoTorchQLogNEHVI", "OptunaGP", "OptunaMOTPE", "OptunaNSGA2", "PymooNSGA2"]
