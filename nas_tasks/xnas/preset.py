"""Search presets by name: ``"xnas"``, the search as the XNAS paper and its released code run it,
and ``"fast"``, this library's quicker defaults.

==================  =======================================  ======================================
setting             ``"xnas"`` (Carmichael et al. 2023)       ``"fast"`` (lamoo's defaults)
==================  =======================================  ======================================
sampler             NSGA-II, population 64                   NSGA-II, population 20
crossover           SBX, p = 0.9, eta = 3                    same
mutation            polynomial, p = 1/6 per variable, eta 3  same (1/d with d = 6)
integer codes       bounds widened by 1/2, then rounded      the codes' own bounds
ordinal op order    :data:`XNAS_OP_ORDER`                    NAS-Bench-201's (``nas_tasks.nb201.OPS``)
disconnected child  mating redone until connected            kept (trained; ~10 % accuracy)
epochs per cell     MNIST 5, CIFAR-10 12, ImageNet16-120 200  10 on every dataset
==================  =======================================  ======================================

The presets change how the sampler mates and how long each cell trains; the cell encoding
itself stays NAS-Bench-201's (the public contract): the sampler maps codes to their rank in
:data:`XNAS_OP_ORDER` before crossover and mutation and back after.

Checked against the authors' released code, LLNL/XNAS at commit
``aab3efdc44b5810d67ca8606e16466625f4c6f57`` (paths below are in that repository):

- op order: ``xnas/search_space_common.py`` (``NASBench201Cell._build``) gives every edge the ops
  3x3 conv, 1x1 conv, 3x3 average pool, zeroize, skip, in that order, and the NSGA-II
  (``xnas/nas_deephyper/nsga_ii.py``) treats the op index ``0..4`` as an integer variable, so SBX
  and mutation see that order. The cell's edges are created ``(1,0), (2,0), (2,1), (3,0), (3,1),
  (3,2)``, NAS-Bench-201's arch-string order, so the order maps onto our encoding one to one;
- NSGA-II (``nsga_ii.py``, pymoo 0.4.2.2 per ``requirements.txt``): population 64; SBX p 0.9, eta 3
  (0.5 per variable: pymoo's default, as here); ``int_pm`` eta 3 (pymoo's per-variable default
  1/6 for the 6 edges); both through pymoo's integer-from-float wrappers, which widen the bounds
  by just under 1/2 (``integer_bounds="widened"`` here); duplicates eliminated, so mating repeats
  until children are new (here: :class:`lamoo.proposal.NewPoints`); the first generation is
  uniform random cells (``int_random``; here the driver's initial design, distinct uniform draws on
  the finite NB201 space). One difference of design: pymoo keeps each generation's survivors,
  while this stateless sampler ranks all evaluated cells of the region afresh at every ask (the
  same rank-and-crowding rule, applied to the whole archive);
- disconnected children: the released code does not re-mate them; it evaluates them as failures
  (``xnas/nas_deephyper/nas_run.py`` raises ``DisconnectedGraphError`` when building the model and
  scores accuracy -inf without training), so each costs an evaluation of the budget but no
  training. This preset follows the paper's wording instead, mating again, so the budget counts
  trained cells only; the cells that get trained are the same kind (connected) either way;
- epochs: ``experiments/{mnist,cifar10,imagenet}/problem.py``: 5, 12 and 200 (batch 512, SGD with
  Nesterov momentum 0.9, lr 0.1, weight decay 5e-4, cosine decay after a quarter-epoch linear
  warm-up: ``xnas/nas_deephyper/monkey_patch.py``). CIFAR-10's objective is the best epoch's
  validation accuracy (``val_acc__max``, its weights restored before introspectability), MNIST's
  and ImageNet's the last epoch's.

Use them by name: ``lamoo optimize --task nb201-train --preset xnas --sampler xnas ...`` (the
preset sets the epochs; the ``xnas`` sampler is registered in ``lamoo.samplers``), or
:func:`get_preset` in Python. The paper's NSGA-II evaluates whole generations of 64 cells: pass
``--n-init 64 --batch-size 64`` for that; smaller batches make it a steady-state NSGA-II.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from lamoo.exceptions import InvalidInputError

# The ops in the order the released XNAS code lists them for every cell edge, the order its NSGA-II
# treats as ordinal (LLNL/XNAS@aab3efdc xnas/search_space_common.py, NASBench201Cell._build).
XNAS_OP_ORDER: tuple[str, ...] = ("nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "none", "skip_connect")
XNAS_EPOCHS: Mapping[str, int] = {"mnist": 5, "cifar10": 12, "imagenet16-120": 200}
XNAS_POP_SIZE = 64
FAST_POP_SIZE = 20
FAST_EPOCHS = 10


@dataclass(frozen=True)
class Preset:
    """A named search preset.

    Attributes:
        name: ``"xnas"`` or ``"fast"``.
        pop_size: NSGA-II population (parents kept per generation).
        op_order: the op names in the order crossover and mutation see as ordinal (None:
            NAS-Bench-201's order).
        connected_only: whether mating is redone until the child cell is connected.
        epochs: training epochs by canonical dataset name; ``default_epochs`` for the others
            (None: the dataset needs an explicit ``epochs``).
    """

    name: str
    pop_size: int
    op_order: tuple[str, ...] | None
    connected_only: bool
    epochs: Mapping[str, int]
    default_epochs: int | None

    def epochs_for(self, dataset: str) -> int:
        """Training epochs per cell on ``dataset`` (a canonical name or an alias)."""
        from nas_tasks.training.data import canonical_name

        key = canonical_name(dataset)
        if key in self.epochs:
            return self.epochs[key]
        if self.name == "xnas" and key == "digits":
            return self.epochs["mnist"]  # digits is not in the paper: its nearest dataset, MNIST
        if self.default_epochs is None:
            raise InvalidInputError(f"the {self.name!r} preset states no epochs for {key!r} (it has "
                                    f"{', '.join(self.epochs)}); pass epochs explicitly")
        return self.default_epochs

    def sampler(self, **overrides):
        """The preset's :class:`samplers.NSGA2Sampler`; ``overrides`` are its keyword arguments."""
        return _nsga2(self, **overrides)


PRESETS: dict[str, Preset] = {
    "xnas": Preset("xnas", XNAS_POP_SIZE, XNAS_OP_ORDER, True, XNAS_EPOCHS, None),
    "fast": Preset("fast", FAST_POP_SIZE, None, False, {}, FAST_EPOCHS),
}


def get_preset(name: str) -> Preset:
    """The preset called ``name`` (``"xnas"`` or ``"fast"``)."""
    if name not in PRESETS:
        raise InvalidInputError(f"unknown preset {name!r}; available: {', '.join(PRESETS)}")
    return PRESETS[name]


def op_code_order(op_order) -> tuple[int, ...]:
    """NAS-Bench-201 codes of ``op_order`` (op names): ``result[r]`` is the code of rank ``r``."""
    from nas_tasks.nb201.encoding import OPS

    if sorted(op_order) != sorted(OPS):
        raise InvalidInputError(f"an op order must list each of {list(OPS)} once, got {list(op_order)!r}")
    return tuple(OPS.index(op) for op in op_order)


def connected_cells(X):
    """``(k x 6)`` cell codes -> ``(k,)`` bool, True where the cell is connected."""
    from nas_tasks.nb201.encoding import is_connected

    return is_connected(X)


def _nsga2(preset: Preset, **overrides):
    from samplers import NSGA2Sampler

    kwargs = {"pop_size": preset.pop_size, "crossover_prob": 0.9, "crossover_eta": 3.0, "mutation_prob": 1 / 6,
              "mutation_eta": 3.0}
    if preset.op_order is not None:
        kwargs.update(code_order=op_code_order(preset.op_order), integer_bounds="widened")
    if preset.connected_only:
        kwargs.update(child_filter=connected_cells, max_tries=200)
    kwargs.update(overrides)
    return NSGA2Sampler(**kwargs)


def xnas_sampler(**overrides):
    """The XNAS preset's NSGA-II sampler (registered as the ``xnas`` sampler): population 64,
    SBX p 0.9 eta 3, polynomial mutation p 1/6 eta 3, both on bounds widened by 1/2 (pymoo 0.4's
    integer operators), :data:`XNAS_OP_ORDER`, only connected children. ``overrides``:
    :class:`samplers.NSGA2Sampler` keyword arguments."""
    return PRESETS["xnas"].sampler(**overrides)
