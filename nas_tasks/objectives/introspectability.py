"""Introspectability (XNAS, Carmichael et al.): how distinct the network's internal
representations of different classes are.

Eq. 1: for each class ``i`` take the mean ``mu_i`` of the samples' activation vectors, where a
sample's vector concatenates the flattened outputs of the stem, every cell, every reduction block
and the pooled features (configurable with ``layers``); introspectability is the mean over class
pairs ``i < j`` of the cosine distance ``1 - cos(mu_i, mu_j)`` (maximize; 0 when all classes look
alike, at most 2).

The class means are computed streaming: forward hooks add each batch's activations into
per-class running sums (``k x D`` in float64), so memory does not grow with the dataset. Classes
are grouped by true label (``group_by="label"``, the default, as Eq. 1 defines the class means)
or by predicted class (``group_by="prediction"``, what the released code does: see below).

Classes with no sample (a class absent from a small validation split, or never predicted under
``group_by="prediction"``) and pairs whose distance is undefined (an all-zero mean vector): by
default (``absent="zero"``) the mean still runs over all ``C(k, 2)`` pairs of Eq. 1 and such a
pair counts as distance 0 (nothing tells the two classes apart), so a model that collapses onto
a few predicted classes is not rewarded. ``absent="drop"`` is an explicit departure from Eq. 1:
the mean runs over the defined pairs only (the behaviour of this library before the option).

Pair weights ``omega`` (``k x k``, :func:`~nas_tasks.training.config.check_pair_weights`) must
be symmetric: a class pair is unordered.

The authors' released code (LLNL/XNAS at commit ``aab3efdc44b5810d67ca8606e16466625f4c6f57``,
``xnas/nas_deephyper/nas_run.py``: ``_run_activations`` and ``introspection_score_classification``)
measures it on the validation split (at most 25,000 samples) with class means over the
**predicted** class (argmax of the logits); a sample's vector concatenates the flattened outputs of
every layer whose name matches ``conv`` or ``activation`` (each convolution's and each ReLU's
output; the logits are not included); classes never predicted are left out, so the mean runs over
the pairs of predicted classes, pairs with an undefined distance are dropped, and fewer than two
predicted classes score -inf. Here that is ``group_by="prediction", absent="drop"``, with two
differences: fewer than two classes score 0.0 (the reference point; like -inf it adds nothing to a
hypervolume), and the default vector is made of block outputs; ``layers="convs"`` takes every
convolution's and ReLU's output instead, as the released code does. The released code divides each
class's sum by the number of all samples, not of the class's: a cosine distance does not depend on
the vectors' lengths, so the value is the same.

The released code trains with cross-entropy only (DeepHyper's ``TrainerTrainValid``;
``xnas/nas_deephyper/monkey_patch.py`` changes the data pipeline, optimizer and schedule, nothing
in the loss): :class:`IntrospectionRegularizer` (Eq. 5) follows the paper alone.

:class:`IntrospectionRegularizer` is the auxiliary training loss of XNAS appendix B / Eq. 5:
``-weight * I_batch``, the batch's (optionally pair-weighted) introspectability, added to the
cross-entropy so that training itself pushes class representations apart.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from lamoo.checks import check_choice, check_int, check_number
from lamoo.exceptions import InvalidInputError
from nas_tasks.objectives.base import EvalContext, Objective, TaskInfo
from nas_tasks.training.config import check_pair_weights

POOLED = "pooled"
ABSENT = ("zero", "drop")


# ------------------------------------------------------------------------------------ hooks
def resolve_layers(model: torch.nn.Module, layers="all") -> list[str]:
    """Names of the activations to record.

    ``"all"``: the stem, every block of ``model.cells`` (cells and reduction blocks) and
    ``"pooled"``; ``"pooled"``: the pooled features only; ``"cells"``: the normal cells only;
    ``"convs"``: every ``nn.Conv2d`` and ``nn.ReLU`` submodule (the layer set of the released
    XNAS code, which records every convolution's and activation's output);
    or a list of submodule names (as in ``model.named_modules()``) and/or ``"pooled"``.
    Models without ``stem``/``cells`` (any classifier) get their direct children and ``"pooled"``
    (the input of the last ``nn.Linear``) for ``"all"``.
    """
    names = dict(model.named_modules())
    if isinstance(layers, str):
        if layers == POOLED:
            return [POOLED]
        if layers == "convs":
            convs = [n for n, m in model.named_modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ReLU))]
            if not convs:
                raise ValueError("layers='convs' needs a model with nn.Conv2d or nn.ReLU submodules; it has none")
            return convs
        if layers in ("all", "cells"):
            if hasattr(model, "named_blocks"):
                blocks = [n for n, _ in model.named_blocks()]
                if layers == "cells":
                    cell_idx = set(getattr(model, "cell_indices", range(len(blocks))))
                    return [f"cells.{i}" for i in sorted(cell_idx)]
                return blocks + [POOLED]
            children = [n for n, m in model.named_children() if not isinstance(m, torch.nn.Linear)]
            return children + [POOLED]
        raise ValueError(f"layers must be 'all', 'cells', 'convs', 'pooled' or a list of module names, got {layers!r}")
    out = []
    for name in layers:
        if name != POOLED and name not in names:
            raise ValueError(f"layer {name!r} is not a submodule of the model; some of its modules: "
                             f"{', '.join(list(names)[1:12])}")
        out.append(name)
    if not out:
        raise ValueError("layers must name at least one activation")
    return out


class ActivationRecorder:
    """Forward hooks that keep the latest outputs of the named layers (``B x ...`` tensors,
    flattened to ``B x D_l``). Use as a context manager; hooks are removed on exit.

    ``"pooled"`` is the output of ``model.global_pooling`` when the model has one, else the
    input of its last ``nn.Linear``."""

    def __init__(self, model: torch.nn.Module, layers: Sequence[str], detach: bool = True):
        self.model, self.layers, self.detach = model, list(layers), detach
        self.outputs: dict[str, torch.Tensor] = {}
        self._handles = []

    def _store(self, name):
        def hook(_module, _inp, out):
            t = out.flatten(1)
            self.outputs[name] = t.detach() if self.detach else t
        return hook

    def __enter__(self) -> "ActivationRecorder":
        modules = dict(self.model.named_modules())
        for name in self.layers:
            if name == POOLED:
                if "global_pooling" in modules:
                    self._handles.append(modules["global_pooling"].register_forward_hook(self._store(name)))
                else:
                    linear = [m for m in modules.values() if isinstance(m, torch.nn.Linear)]
                    if not linear:
                        raise ValueError("the model has no global_pooling and no nn.Linear: cannot find 'pooled'")

                    def pre(_module, inp, name=name):
                        t = inp[0].flatten(1)
                        self.outputs[name] = t.detach() if self.detach else t
                    self._handles.append(linear[-1].register_forward_pre_hook(pre))
            else:
                self._handles.append(modules[name].register_forward_hook(self._store(name)))
        return self

    def __exit__(self, *exc):
        for h in self._handles:
            h.remove()
        self._handles.clear()
        self.outputs.clear()

    def vectors(self) -> list[torch.Tensor]:
        """The recorded ``B x D_l`` outputs in layer order."""
        missing = [n for n in self.layers if n not in self.outputs]
        if missing:
            raise RuntimeError(f"layers {missing} produced no output in the last forward pass")
        return [self.outputs[n] for n in self.layers]


# ------------------------------------------------------------------------------------ statistics
@torch.no_grad()
def class_sums(model: torch.nn.Module, data, part: str, layers="all", group_by: str = "label",
               batch_size: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-class sums of the activation vectors on split ``part``: ``(k x D)`` float64 sums and
    ``(k,)`` counts, accumulated batch by batch (memory independent of the split's size)."""
    if group_by not in ("label", "prediction"):
        raise ValueError(f"group_by must be 'label' or 'prediction', got {group_by!r}")
    names = resolve_layers(model, layers)
    k, dev = data.num_classes, data.device
    dtype = data.amp
    sums: list[torch.Tensor] | None = None
    counts = torch.zeros(k, dtype=torch.float64, device=dev)
    model.eval()
    with ActivationRecorder(model, names) as rec:
        for x, y in data.batches(part, batch_size):
            if dev.type == "cuda":
                x = x.contiguous(memory_format=torch.channels_last)
            with torch.autocast(dev.type, dtype=dtype, enabled=dtype is not None):
                logits = model(x)
            groups = y if group_by == "label" else logits.argmax(1)
            vecs = rec.vectors()
            if sums is None:
                sums = [torch.zeros(k, v.shape[1], dtype=torch.float64, device=dev) for v in vecs]
            for s, v in zip(sums, vecs):
                s.index_add_(0, groups, v.to(torch.float64))
            counts.index_add_(0, groups, torch.ones_like(groups, dtype=torch.float64))
    return torch.cat(sums, dim=1), counts


def pairwise_cosine_distance(means: torch.Tensor) -> torch.Tensor:
    """``(k x k)`` cosine distances ``1 - cos`` between the rows of ``means``; NaN where a row
    is all zeros."""
    norms = means.norm(dim=1, keepdim=True)
    unit = means / norms
    return 1.0 - unit @ unit.T


def introspectability_from_means(means: torch.Tensor, present: torch.Tensor | None = None,
                                 pair_weights=None, absent: str = "zero") -> float:
    """Eq. 1 from the ``(k x D)`` class means: the mean over class pairs ``i < j`` of
    ``w_ij * d_cos(mu_i, mu_j)``. ``present`` (``(k,)`` bool, default all) marks the classes
    that had samples; ``pair_weights`` (symmetric ``k x k``, >= 0) default to 1.

    ``absent="zero"`` (Eq. 1): the mean runs over all ``C(k, 2)`` pairs, a pair with an absent
    class or an undefined distance counting 0. ``absent="drop"``: over the defined pairs only.
    Returns 0.0 when no pair is defined (the reference value)."""
    check_choice(absent, "absent", ABSENT)
    k = means.shape[0]
    present = torch.ones(k, dtype=torch.bool, device=means.device) if present is None else present.bool()
    d = pairwise_cosine_distance(means)
    iu = torch.triu_indices(k, k, offset=1, device=means.device)
    di = d[iu[0], iu[1]]
    ok = present[iu[0]] & present[iu[1]] & torch.isfinite(di)
    if pair_weights is not None:
        W = torch.as_tensor(check_pair_weights(_numpy(pair_weights), "pair_weights", k))
        di = di * W.to(di)[iu[0], iu[1]]
    if not bool(ok.any()):
        return 0.0
    if absent == "zero":
        return float(torch.where(ok, di, torch.zeros_like(di)).sum() / len(di))
    return float(di[ok].mean())


def _numpy(x) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


class Introspectability(Objective):
    """XNAS Eq. 1 (see the module docstring). Maximize; reference point 0.

    Args:
        layers: which activations form a sample's vector (see :func:`resolve_layers`).
        group_by: ``"label"`` (class means over true classes, Eq. 1) or ``"prediction"``.
        absent: ``"zero"`` (Eq. 1: a pair with a class absent from the split counts 0 in a mean
            over all ``C(k, 2)`` pairs) or ``"drop"`` (a departure: the mean over defined pairs).
        batch_size: batch size of the statistics pass.
    """

    name = "introspectability"
    direction = "maximize"

    def __init__(self, layers="all", group_by: str = "label", batch_size: int = 256, absent: str = "zero"):
        check_choice(group_by, f"{self.name} group_by", ("label", "prediction"))
        check_choice(absent, f"{self.name} absent", ABSENT)
        check_int(batch_size, f"{self.name} batch_size", 1)
        if not isinstance(layers, str) and (not hasattr(layers, "__iter__")
                                            or not all(isinstance(n, str) for n in layers)):
            raise InvalidInputError(f"{self.name} layers must be 'all', 'cells', 'convs', 'pooled' or a list of module "
                                    f"names, got {layers!r}")
        self.layers = layers if isinstance(layers, str) else tuple(layers)
        self.group_by, self.batch_size, self.absent = group_by, int(batch_size), absent

    def params(self) -> dict:
        """The measuring options (they name cached values and are compared on resume).
        ``absent="drop"`` is left out: it is how introspectability was measured before the option
        existed, so earlier cached values and journals keep their names (resume such a run with
        ``--objective-option introspectability.absent=drop``)."""
        out = {"layers": self.layers if isinstance(self.layers, str) else list(self.layers), "group_by": self.group_by}
        return out if self.absent == "drop" else {**out, "absent": self.absent}

    def default_ref(self, info: TaskInfo) -> float:
        return 0.0

    def ideal(self, info: TaskInfo) -> float:
        return 2.0

    def pair_weights(self, info: TaskInfo) -> torch.Tensor | None:
        return None

    def class_means(self, ctx: EvalContext, part: str) -> tuple[torch.Tensor, torch.Tensor]:
        key = ("class_sums", part, str(self.layers), self.group_by)
        sums, counts = ctx.cached(key, lambda: class_sums(ctx.model, ctx.data, part, self.layers, self.group_by,
                                                          self.batch_size))
        present = counts > 0
        return sums / counts.clamp(min=1)[:, None], present

    def measure(self, ctx: EvalContext) -> tuple[float, float]:
        w = self.pair_weights(ctx.info)
        out = []
        for part in ("val", "test"):
            means, present = self.class_means(ctx, part)
            out.append(introspectability_from_means(means, present, w, self.absent))
        return out[0], out[1]


# ------------------------------------------------------------------------------------ regularizer
class IntrospectionRegularizer:
    """The XNAS introspection loss (appendix B, Eq. 5), attached to a model while it trains.

    Each forward pass records the activations of ``layers`` (with gradients); :meth:`loss`
    returns ``-weight * I_batch`` where ``I_batch`` is Eq. 1 on the batch's class means (true
    labels), optionally weighted per class pair (``pair_weights``: symmetric ``k x k``, e.g.
    WordNet similarities normalized to mean 1). Use as a context manager around training.

    A batch rarely holds every class when ``k`` is large; the batch estimate averages over the
    pairs of the classes present in the batch (a class absent from the batch has no mean and
    so no gradient to give), a departure from the ``C(k, 2)`` of Eq. 1 that only rescales the
    loss by a per-batch factor.
    """

    def __init__(self, model: torch.nn.Module, weight: float = 0.5, layers="all", pair_weights=None,
                 num_classes: int | None = None):
        check_number(weight, "regularizer weight", low=0)
        self.model, self.weight = model, float(weight)
        self.layers = resolve_layers(model, layers)
        self.pair_weights = None if pair_weights is None else torch.as_tensor(
            check_pair_weights(_numpy(pair_weights), "pair_weights", num_classes), dtype=torch.float32)
        self.num_classes = num_classes
        self._rec = ActivationRecorder(model, self.layers, detach=False)

    def __enter__(self) -> "IntrospectionRegularizer":
        self._rec.__enter__()
        return self

    def __exit__(self, *exc):
        self._rec.__exit__(*exc)

    def batch_introspectability(self, y: torch.Tensor) -> torch.Tensor:
        """Differentiable Eq. 1 on the current batch (0 when fewer than two classes are present)."""
        vecs = [v.float() for v in self._rec.vectors()]
        k = self.num_classes or int(y.max()) + 1
        onehot = torch.nn.functional.one_hot(y, k).to(vecs[0].dtype)  # B x k
        counts = onehot.sum(0)
        means = torch.cat([onehot.T @ v for v in vecs], dim=1) / counts.clamp(min=1)[:, None]
        unit = means / means.norm(dim=1, keepdim=True).clamp(min=1e-12)
        d = 1.0 - unit @ unit.T
        present = counts > 0
        mask = torch.triu(present[:, None] & present[None, :], diagonal=1).to(d.dtype)
        if self.pair_weights is not None:
            if self.pair_weights.device != d.device:  # once: a copy from the host every step would wait for the GPU
                self.pair_weights = self.pair_weights.to(d.device)
            mask = mask * self.pair_weights
        denom = torch.triu(present[:, None] & present[None, :], diagonal=1).to(d.dtype).sum().clamp(min=1)
        return (d * mask).sum() / denom

    def loss(self, y: torch.Tensor) -> torch.Tensor:
        return -self.weight * self.batch_introspectability(y)
