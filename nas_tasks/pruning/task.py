"""``PruneTask``: MO-EvoPruneDeepTL's search as a lamoo task. A transferred backbone is frozen, its
last layers are replaced by a sparse head (:mod:`nas_tasks.pruning.head`) whose connections a binary
genome switches on (:mod:`nas_tasks.pruning.genome`), and each genome is scored by training its head
on the backbone's cached features and measuring its objectives on the validation split (test values
beside them, in :meth:`PruneTask.details`).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn

from lamoo.checks import check_int
from lamoo.exceptions import InvalidInputError
from lamoo.task import ObjectiveSpec, Task, check_ref_point
from nas_tasks.objectives.base import EvalContext, Objective, TaskInfo
from nas_tasks.pruning.genome import GenomeLayout
from nas_tasks.pruning.head import HeadTraining, HeadWeights, train_heads

DEFAULT_OBJECTIVES = ("accuracy", "memory", "robustness")


class Memory(Objective):
    """MO-EvoPruneDeepTL's memory: the fraction of the genome's units that are on (0..1, minimize;
    reference point 1 = nothing pruned)."""

    name = "memory"
    direction = "minimize"
    needs_training = False
    units = "fraction of units"

    def default_ref(self, info: TaskInfo) -> float:
        return 1.0

    def ideal(self, info: TaskInfo) -> float:
        return 0.0

    def measure(self, ctx: EvalContext) -> tuple[float, float]:
        value = float(np.mean(ctx.arch))
        return value, value


class PrunedNetwork(nn.Module):
    """A backbone and one sparse head as one classifier of ``[0, 1]`` images (what objectives
    other than accuracy, memory and perturbation-free robustness measure).

    Its cost (:meth:`cost`, what ``params`` and ``flops`` report) counts the pruned network: every
    parameter and multiply-accumulate of the frozen backbone, plus the head's active connections,
    the output weights of the sparse-layer units that have one, and the output biases.
    """

    def __init__(self, backbone, head: nn.Module, mask: torch.Tensor | None = None, channels: int = 1):
        super().__init__()
        self.backbone, self.head = backbone.module, head
        self._backbone, self.channels = backbone, channels
        self.mask = (head.W != 0) if mask is None else torch.as_tensor(mask, dtype=torch.bool)  # H x p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self._backbone._run(x)[0])

    def cost(self, input_size) -> tuple[float, float]:
        """``(params, MACs)`` in millions for one ``channels x h x w`` image, ``input_size`` ``(h, w)``
        (see the class docstring)."""
        h, w = (input_size, input_size) if np.isscalar(input_size) else input_size
        params, macs = self._backbone.cost((self.channels, int(h), int(w)))
        k = self.head.V.shape[0]
        active, units = int(self.mask.sum()), int(self.mask.any(dim=1).sum())
        head = active + k * units + (0 if self.head.b is None else units)
        return params + (head + k) / 1e6, macs + head / 1e6


class PruneTask(Task):
    """Evolve which units of a sparse head on a frozen backbone are on (MO-EvoPruneDeepTL).

    Args:
        backbone: a :class:`~nas_tasks.pruning.backbone.Backbone` (see :mod:`nas_tasks.pruning.sources`).
        dataset: the target data: ``"digits"``, a dataset name read from ``data_root`` or an image
            folder ``"folder:PATH"``; data_root: its folder.
        classes: the target's classes (``"5-9"``...; default all), relabelled ``0 .. k-1``.
        ood: the OoD set of the robustness objective, an explicit choice (see
            :mod:`nas_tasks.objectives.robustness`): a dataset (``"mnist"``), classes of one
            (``"digits[0-4]"``), an image folder, several joined by ``+``, or (with ``odin=None``)
            a synthetic shift. Needed when ``robustness`` is an objective.
        objectives: specs or objective objects: ``accuracy`` (%, max), ``memory`` (min),
            ``robustness`` (ODIN AUROC, max) by default; any other plug-in of
            :mod:`nas_tasks.objectives` measures the backbone and head as one network.
        level: ``"inputs"``, ``"neurons"`` or ``"connections"`` (:mod:`nas_tasks.pruning.genome`).
        hidden: units of the sparse layer (the released code: 512).
        training: a :class:`~nas_tasks.pruning.head.HeadTraining` or a preset name
            (``"mo-evoprune"``, the default, or ``"fast"``).
        odin: the robustness objective's ODIN setting (default ``"mo-evoprune"``: T=1000, eps=0,
            real OoD images; None: ``objective_options`` say).
        objective_options: ``{objective name: {option: value}}``.
        val_fraction, test_fraction, max_train, max_eval, split_seed, image_size: the target's
            splits (:func:`~nas_tasks.pruning.data.target_splits`).
        seed: the heads' initial weights and batch order (the same for every genome).
        device: ``"auto"``, ``"cpu"``, ``"cuda"``...; cache_dir: the feature cache's folder.
        ref_point: raw units (default: 100/k, 1 and 0.5 for the three default objectives).

    Raises:
        InvalidInputError: bad settings, a backbone that does not run on the target's images, an
            OoD set that is the target's own data, a missing ``ood``.
    """

    def __init__(self, backbone, dataset: str = "digits", data_root=None, *, classes=None, ood: str | None = None,
                 objectives: Sequence = DEFAULT_OBJECTIVES, level: str = "inputs", hidden: int = 512,
                 training: HeadTraining | str = "mo-evoprune", odin: str | None = "mo-evoprune",
                 objective_options: dict | None = None, val_fraction: float = 0.2, test_fraction: float = 0.2,
                 max_train: int | None = None, max_eval: int | None = None, split_seed: int = 0,
                 image_size=None, seed: int = 0, device: str = "auto", cache_dir=None, ref_point=None):
        from nas_tasks.pruning.data import FeatureCache, split_features, target_splits
        from nas_tasks.training.device import resolve_device

        self.seed = check_int(seed, "seed", 0)
        self.training = HeadTraining.preset(training) if isinstance(training, str) else training
        if not isinstance(self.training, HeadTraining):
            raise InvalidInputError(f"training must be a HeadTraining or a preset name, got {training!r}")
        self.settings = {"dataset": dataset, "data_root": None if data_root is None else str(data_root),
                         "classes": classes, "ood": ood, "level": level, "hidden": hidden, "odin": odin,
                         "objective_options": objective_options, "val_fraction": val_fraction,
                         "test_fraction": test_fraction, "max_train": max_train, "max_eval": max_eval,
                         "split_seed": split_seed, "image_size": image_size, "seed": seed, "device": device}
        self.splits = target_splits(dataset, data_root, classes=classes, val_fraction=val_fraction,
                                    test_fraction=test_fraction, max_train=max_train, max_eval=max_eval,
                                    split_seed=split_seed, image_size=image_size)
        self.device = resolve_device(device)
        self.backbone = backbone.to(self.device)
        self.layout = GenomeLayout(level, backbone.probe(self.splits.image_shape), hidden)
        self.space = self.layout.space()
        self.cache = FeatureCache(cache_dir)
        self.info = TaskInfo(self.splits.dataset.name, self.splits.num_classes, self.splits.image_shape, self.device,
                             self.training.batch_size, classes=self.splits.dataset.classes, data_root=data_root,
                             costliest_network=self.unpruned_network)
        self.features = {part: (torch.from_numpy(x).to(self.device), torch.from_numpy(y).to(self.device))
                         for part, (x, y) in split_features(backbone, self.splits, self.cache).items()}
        self._objectives = _build(objectives, ood, odin, objective_options)
        for o in self._objectives:
            o.check(self.info)
        self.objectives = tuple(ObjectiveSpec(o.name, o.direction) for o in self._objectives)
        self.data = _identity_data(self.splits, self.device)
        self._ood = self._ood_features()
        ideal = [o.ideal(self.info) for o in self._objectives]
        self.ideal_point = None if any(v is None for v in ideal) else np.array(ideal, dtype=float)
        self.ref_point = check_ref_point([o.default_ref(self.info) for o in self._objectives] if ref_point is None
                                         else ref_point, self.objectives, self.ideal_point)
        self.max_hypervolume = None
        self._details: list[dict] = []

    # ------------------------------------------------------------------ set-up
    def _fast_odin(self, o) -> bool:
        """Whether objective ``o`` is ODIN without input perturbation: computed from features."""
        from nas_tasks.objectives.robustness import Robustness

        return isinstance(o, Robustness) and o.epsilon == 0

    def _ood_features(self) -> dict:
        """``{(objective index, part): (ID rows (r,), OoD features m x p)}`` of the robustness
        objectives computed from features, extracted once."""
        from nas_tasks.pruning.data import ood_features

        ctx = EvalContext(None, self.data, self.info, ())
        out = {}
        for j, o in enumerate(self._objectives):
            if self._fast_odin(o):
                for part in ("val", "test"):
                    rows = torch.from_numpy(o.id_indices(len(self.features[part][1]))).to(self.device)
                    feats = torch.from_numpy(ood_features(self.backbone, o, ctx, self.cache, part)).to(self.device)
                    out[(j, part)] = (rows, feats)
        return out

    def unpruned_network(self) -> PrunedNetwork:
        """The backbone with an untrained head that keeps every connection (the cost objectives'
        reference point)."""
        from nas_tasks.pruning.head import SparseHead

        h, p, k = self.layout.n_hidden, self.layout.n_features, self.splits.num_classes
        b = torch.zeros(h) if self.training.hidden_bias else None
        head = SparseHead(torch.ones(h, p), b, torch.zeros(k, h), torch.zeros(k))
        full = torch.ones(h, p, dtype=torch.bool)
        return PrunedNetwork(self.backbone, head.to(self.device), full, self.info.image_shape[0])

    # ------------------------------------------------------------------ task protocol
    def heads(self, genomes) -> HeadWeights:
        """The trained heads of ``(n x length)`` genomes (deterministic: the same genome always
        gives the same head)."""
        masks = self.layout.masks(genomes)
        x, y = self.features["train"]
        return train_heads(x, y, masks, self.splits.num_classes, self.training, self.seed)

    def evaluate(self, X) -> np.ndarray:
        """``(n x length)`` genomes -> ``(n x m)`` raw objective values on the validation split."""
        return self.evaluate_with_errors(X)[0]

    def evaluate_with_errors(self, X) -> tuple[np.ndarray, list[str | None]]:
        """``(n x length)`` genomes -> ``(n x m)`` validation values (NaN rows where a genome
        failed) and one error message or None per genome; every genome is added to :meth:`details`."""
        X = self.space.validate(X, "genomes")
        weights = self.heads(X)
        logits = {part: weights.logits(self.features[part][0]) for part in ("val", "test")}
        logits.update({key: weights.logits(ood) for key, (_, ood) in self._ood.items()})  # (objective, part)
        Y = np.full((len(X), len(self._objectives)), np.nan)
        errors: list[str | None] = []
        for i, genome in enumerate(X):
            row = {"memory": float(genome.mean()), "epochs": int(weights.epochs[i]), "loss": float(weights.loss[i])}
            try:
                values = self.measure(weights, i, genome, logits)
            except Exception as exc:  # noqa: BLE001 - one failing genome must not end the run
                errors.append(f"{type(exc).__name__}: {exc}")
                row["error"] = errors[-1]
            else:
                errors.append(None)
                for j, (o, (val, test)) in enumerate(zip(self._objectives, values)):
                    Y[i, j], row[o.name], row[f"test_{o.name}"] = val, val, test
            self._details.append({"genome": "".join(str(int(b)) for b in genome), **row})
        return Y, errors

    def measure(self, weights: HeadWeights, i: int, genome, logits: dict) -> list[tuple[float, float]]:
        """``[(validation, test)]`` of every objective for head ``i`` of ``weights``; ``logits``
        holds every head's logits on the splits (``"val"``, ``"test"``) and on the OoD sets
        (``(objective index, part)``)."""
        net = PrunedNetwork(self.backbone, weights.head(i), torch.from_numpy(self.layout.masks(genome[None])[0]),
                            self.info.image_shape[0])
        ctx = EvalContext(net, self.data, self.info, tuple(int(b) for b in genome))
        for part in ("val", "test"):
            ctx._cache[("logits", part)] = logits[part][i]
        out = []
        for j, o in enumerate(self._objectives):
            if self._fast_odin(o):
                out.append(tuple(self.odin_auroc(o, logits[part][i][self._ood[(j, part)][0]], logits[(j, part)][i])
                                 for part in ("val", "test")))
            else:
                out.append(o.measure(ctx))
        return out

    @staticmethod
    def odin_auroc(o, id_logits: torch.Tensor, ood_logits: torch.Tensor) -> float:
        """The ODIN AUROC (eps = 0, temperature ``o.temperature``) of a head's ``r x k`` logits on
        ID images and ``m x k`` logits on OoD images."""
        from nas_tasks.objectives.robustness import auroc, odin_scores_from_logits

        return auroc(odin_scores_from_logits(id_logits.cpu().numpy(), o.temperature),
                     odin_scores_from_logits(ood_logits.cpu().numpy(), o.temperature))

    # ------------------------------------------------------------------ reporting
    @property
    def objective_plugins(self) -> tuple:
        """The objective objects, in order."""
        return tuple(self._objectives)

    def details(self):
        """A DataFrame of every genome this task object evaluated: its bits, memory, each objective
        on validation and ``test_<objective>``, the epochs its head trained and its best loss."""
        import pandas as pd

        return pd.DataFrame(self._details)

    def describe(self) -> dict:
        """Everything needed to rebuild the task (:meth:`from_description`)."""
        return {"class": "nas_tasks.pruning.PruneTask", "backbone": self.backbone.describe(), **self.settings,
                "training": self.training.to_dict(), "objectives": [repr(o) for o in self._objectives],
                "objective_specs": [o.name for o in self._objectives], "layout": self.layout.to_dict(),
                "splits": self.splits.info, "cache_dir": str(self.cache.root.parent)}

    @classmethod
    def from_description(cls, desc: dict, **overrides) -> "PruneTask":
        """The task a run's journal header describes (its backbone rebuilt from its source)."""
        from nas_tasks.pruning.sources import backbone_from_source

        if desc.get("class") != "nas_tasks.pruning.PruneTask":
            raise InvalidInputError(f"not a pruning task's description: {desc.get('class')!r}")
        settings = {k: desc[k] for k in ("dataset", "data_root", "classes", "ood", "level", "hidden", "odin",
                                         "objective_options", "val_fraction", "test_fraction", "max_train",
                                         "max_eval", "split_seed", "image_size", "seed", "device")}
        settings.update(objectives=desc["objective_specs"], training=HeadTraining(**desc["training"]),
                        cache_dir=desc.get("cache_dir"), **overrides)
        return cls(backbone_from_source(desc["backbone"]["source"]), **settings)

    def __repr__(self) -> str:
        return (f"PruneTask({self.backbone.name!r} -> {self.info.dataset} {self.splits.num_classes} classes, "
                f"level={self.layout.level!r}, {self.layout.length} bits, objectives={[o.name for o in self.objectives]})")


def _build(objectives, ood, odin, options) -> list:
    """The objective plug-ins: ``memory`` is this task's; ``robustness`` gets ``ood`` and ``odin``
    unless ``options`` set them."""
    from nas_tasks.objectives import build_objectives
    from nas_tasks.objectives.specs import check_direction, format_objective, parse_objectives

    items = []
    for item in parse_objectives(objectives, keep=(Objective,)):
        if isinstance(item, tuple) and item[0] == "memory":
            check_direction("memory", "minimize", item[1])
            items.append(Memory())
        else:
            items.append(item if not isinstance(item, tuple) else
                         item[0] if item[1] is None else format_objective(*item))
    options = {k: dict(v) for k, v in (options or {}).items()}
    if any(isinstance(i, str) and i.split(":")[0] == "robustness" for i in items):
        robust = options.setdefault("robustness", {})
        robust.setdefault("ood", ood)
        if odin is not None:
            robust.setdefault("setting", odin)
        if robust["ood"] is None:
            raise InvalidInputError("the robustness objective needs an explicit OoD set: pass ood= (a dataset such as "
                                    "'mnist', a dataset's classes such as 'digits[0-4]', an image folder "
                                    "'folder:PATH', or with odin=None a shift such as 'inverted')")
    return build_objectives(items, options)


def _identity_data(splits, device):
    """The target splits on ``device`` as the objectives see them: with an identity z-score, so
    the networks they are handed take ``[0, 1]`` intensities (the backbone normalizes)."""
    from nas_tasks.training.device import DeviceData

    data = DeviceData(splits, device)
    c = splits.image_shape[0]
    data.mean = torch.zeros((1, c, 1, 1), device=device)
    data.std = torch.ones((1, c, 1, 1), device=device)
    return data
