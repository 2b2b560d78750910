"""Robustness as out-of-distribution (OoD) detection: the AUROC of ODIN scores separating
in-distribution (ID) images from OoD ones (maximize; 0.5 = chance, 1 = perfect).

ODIN (Liang et al., 2018): temperature-scale the logits by ``T`` and nudge the input against the
gradient of the predicted class's loss, ``x' = x - eps * sign(grad_x CE(f(x)/T, argmax))``
(``eps`` in pixel units of ``[0, 1]`` images, divided by each channel's std in the normalized
space); the score is the top softmax probability of ``f(x')/T``. ID images are the validation
(and, for the test value, test) split. AUROC is scikit-learn's exact ``roc_auc_score`` with ID as
the positive class.

Named settings (``setting=``, :data:`ODIN_SETTINGS`):

- ``"mo-evoprune"``: MO-EvoPruneDeepTL's robustness objective (Poyatos et al., 2023), as its
  released code computes it: ``T = 1000``, ``eps = 0`` (no input perturbation: the score is
  ``max softmax(logits / 1000)``), OoD images from *real* datasets other than the ID one. A
  synthetic shift is refused in this setting.
- ``"odin"``: Liang et al.'s values for a DenseNet on CIFAR-10, ``T = 1000, eps = 0.0014``.
- ``"msp"``: the maximum-softmax-probability baseline (Hendrycks and Gimpel), ``T = 1, eps = 0``.

Without ``setting`` the objective uses ``T = 1000, eps = 0.0014`` (ODIN's values) and uniform noise
as the OoD set unless told otherwise: the defaults it always had, so that the values and cache keys
of existing runs stay what they were. **They are not MO-EvoPruneDeepTL's setting.** How much the
choice matters was measured on digits for one trained cell: AUROC 0.48 against uniform noise, 0.68
against inverted images, 0.92 against permuted ones. The OoD set decides what the objective
rewards, so it is part of the objective's parameters (its cache key and its ``repr``, which every
run's journal records).

The OoD set (``ood=``): a synthetic shift of the ID images, one dataset, or several joined by ``+``
(equal shares, as the paper mixes its other datasets):

- shifts (:data:`BUILTIN_OOD`): ``"uniform"`` (uniform noise), ``"gaussian"`` (Gaussian noise
  around mid-grey), ``"inverted"`` (``1 - x``), ``"vflip"`` (upside down), ``"permuted"`` (each
  image's pixels shuffled);
- a dataset of :mod:`nas_tasks.training.data` (``"mnist"``, ``"cifar10"``, ``"digits"``...) read
  from ``data_root`` (digits is bundled), optionally restricted to classes: ``"digits[0-4]"``,
  ``"cifar10[0,1,8]"``, or an image folder ``"folder:PATH"`` (:mod:`nas_tasks.training.folder`;
  a path with ``+`` or ``[`` cannot be named here). Its images (the official test split when there is one) are resized to the
  ID image size and converted between grey and RGB. Validation and test values draw from disjoint
  halves of it. A dataset that shares classes with the ID data, or whose images include ID images,
  is refused: it would be the validation set, not an OoD set.

Departures from MO-EvoPruneDeepTL's released code (``ari-dasci/S-MOEvoPruneDeepTL``, read for this
module; the paper's text could not be retrieved beyond its abstract), in the ``"mo-evoprune"``
setting:

- its AUROC is a trapezoid over 100 TPR thresholds set at quantiles of the ID scores; here it is
  the exact AUROC (the two differ by the grid's error, ~0.01 at most on the sizes used);
- its ID images are the test split it calls validation; here validation and test are separate and
  both are reported;
- its OoD set has as many images as the ID test split, split equally over five other datasets of
  the study (SRSMAS, RPS, LEAVES, PAINTING, PLANTS, CATARACT minus the ID one); here the OoD set is
  whatever real dataset(s) the user names, at most ``max_samples`` images per split, each split
  from its own half;
- its images go through the backbone's Keras preprocessing; here the ID split's normalization.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from lamoo.checks import check_choice, check_int, check_number
from lamoo.exceptions import InvalidInputError
from nas_tasks.objectives.base import EvalContext, Objective, TaskInfo

FOLDER = "folder:"  # an image folder of yours (nas_tasks.training.folder)
BUILTIN_OOD = ("uniform", "gaussian", "inverted", "vflip", "permuted")
ODIN_SETTINGS: dict[str, dict[str, float]] = {
    "mo-evoprune": {"temperature": 1000.0, "epsilon": 0.0},
    "odin": {"temperature": 1000.0, "epsilon": 0.0014},
    "msp": {"temperature": 1.0, "epsilon": 0.0},
}
"""Named ODIN settings (see the module docstring); ``"mo-evoprune"`` also needs real OoD images."""
DEFAULT_TEMPERATURE, DEFAULT_EPSILON = 1000.0, 0.0014  # the objective's historic defaults (ODIN's values)


# ---------------------------------------------------------------------------------------- OoD sets
@dataclass(frozen=True)
class OodSource:
    """One part of an OoD set: a synthetic ``shift`` of the ID images, or the images of
    ``dataset`` (all classes, or ``classes``)."""

    shift: str | None = None
    dataset: str | None = None
    classes: tuple[int, ...] | None = None

    @property
    def is_real(self) -> bool:
        return self.dataset is not None

    def __str__(self) -> str:
        if self.shift is not None:
            return self.shift
        return self.dataset if self.classes is None else f"{self.dataset}[{','.join(map(str, self.classes))}]"


def parse_ood(spec) -> tuple[OodSource, ...]:
    """The sources of an OoD spec (see the module docstring): ``"uniform"``, ``"mnist"``,
    ``"digits[0-4]"``, ``"mnist+fashion-mnist"``...; an :class:`InvalidInputError` naming the part
    it cannot read."""
    from nas_tasks.training.data import canonical_name
    from nas_tasks.training.splits import parse_classes

    if not isinstance(spec, str) or not spec.strip():
        raise InvalidInputError(f"ood must be a non-empty string (a shift {BUILTIN_OOD}, a dataset, 'dataset[classes]' "
                                f"or several joined by '+'), got {spec!r}")
    out = []
    for part in (p.strip() for p in spec.split("+")):
        if part in BUILTIN_OOD:
            out.append(OodSource(shift=part))
            continue
        name, bracket, rest = part.partition("[")
        if bracket and not rest.endswith("]"):
            raise InvalidInputError(f"ood part {part!r}: expected 'dataset[classes]', e.g. 'digits[0-4]'")
        try:
            dataset = name.strip() if name.strip().startswith(FOLDER) else canonical_name(name.strip())
        except InvalidInputError:
            raise InvalidInputError(f"ood part {part!r} is neither a shift {BUILTIN_OOD} nor a dataset: "
                                    f"unknown dataset {name.strip()!r}") from None
        out.append(OodSource(dataset=dataset, classes=parse_classes(rest[:-1]) if bracket else None))
    if len(set(out)) != len(out):
        raise InvalidInputError(f"ood {spec!r} names a source twice")
    return tuple(out)


def format_ood(sources) -> str:
    """The canonical spec of parsed sources (what the objective records)."""
    return "+".join(str(s) for s in sources)


@functools.lru_cache(maxsize=4)
def _ood_dataset(source: OodSource, data_root):
    """``(images, scale, class names)`` of a real source: its test split (else its training
    split), restricted to its classes; loaded once per process (at most 4 kept)."""
    from nas_tasks.training.data import load_dataset
    from nas_tasks.training.splits import select_classes

    if source.dataset.startswith(FOLDER):
        from nas_tasks.training.folder import read_image_folder

        ds = read_image_folder(source.dataset, data_root)
    else:
        ds = load_dataset(source.dataset, data_root)
    if source.classes is not None:
        ds = select_classes(ds, source.classes)
    x = ds.x_test if ds.x_test is not None else ds.x_train
    return x, ds.scale, ds.classes


def check_ood_against(sources, info: TaskInfo) -> None:
    """Refuse a real source that shares classes with the ID data of ``info`` (the same dataset
    with overlapping class names): its images would be in-distribution."""
    for source in sources:
        if not source.is_real or source.dataset != info.dataset:
            continue
        shared = sorted(set(_ood_dataset(source, info.data_root)[2]) & set(info.classes))
        if shared:
            raise InvalidInputError(
                f"ood {str(source)!r} shares classes {shared} with the in-distribution data ({info.dataset} classes "
                f"{list(info.classes)}): those images are in-distribution, like the validation set. Name other "
                f"classes (e.g. '{info.dataset}[...]' with classes the task does not use), another dataset or a shift")


def _rows(x: torch.Tensor) -> set[bytes]:
    return {row.tobytes() for row in x.detach().flatten(1).cpu().numpy()}


def _real_images(source: OodSource, n: int, shape, seed: int, info: TaskInfo, part: str) -> torch.Tensor:
    x, scale, _ = _ood_dataset(source, info.data_root)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))  # val and test draw from disjoint halves of the OoD set
    half = order[: len(x) // 2] if part == "val" else order[len(x) // 2:]
    if len(half) == 0:
        raise InvalidInputError(f"ood {str(source)!r} has {len(x)} images: too few for a validation and a test half")
    pick = half[: n] if len(half) >= n else rng.choice(half, n, replace=True)
    xs = torch.from_numpy(np.ascontiguousarray(x[np.sort(pick)])).float() * scale
    return _to_shape(xs, shape)


def _shifted(kind: str, id_images: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    n, shape, dev = len(id_images), tuple(id_images.shape[1:]), id_images.device
    if kind == "uniform":
        return torch.rand((n, *shape), generator=g).to(dev)
    if kind == "gaussian":
        return (0.5 + 0.25 * torch.randn((n, *shape), generator=g)).clamp(0, 1).to(dev)
    if kind == "inverted":
        return 1.0 - id_images
    if kind == "vflip":
        return id_images.flip(2)
    flat = id_images.flatten(2)  # permuted
    perm = torch.argsort(torch.rand(n, flat.shape[2], generator=g), dim=1).to(dev)
    return torch.gather(flat, 2, perm[:, None, :].expand(-1, flat.shape[1], -1)).view_as(id_images)


def _to_shape(x: torch.Tensor, shape: tuple[int, int, int]) -> torch.Tensor:
    """Resize ``n x c' x h' x w'`` intensities to ``shape`` (c, h, w), converting grey <-> RGB."""
    c, h, w = shape
    if x.shape[1] != c:
        x = x.mean(1, keepdim=True) if c == 1 else x[:, :1].expand(-1, c, -1, -1)
    if tuple(x.shape[2:]) != (h, w):
        x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=x.shape[2] > h)
    return x.clamp(0, 1)


def ood_images(kind, id_images: torch.Tensor, seed: int, info: TaskInfo, part: str) -> torch.Tensor:
    """OoD intensities in ``[0, 1]`` (``n x c x h x w``, as many as ``id_images``, on its device)
    for the spec or parsed sources ``kind``: the sources' equal shares (the first ones get the
    remainder), in order.

    Raises:
        InvalidInputError: a real source whose images include some of ``id_images``.
    """
    sources = parse_ood(kind) if isinstance(kind, str) else tuple(kind)
    n, shape = len(id_images), tuple(id_images.shape[1:])
    g = torch.Generator(device="cpu").manual_seed(int(seed))
    shares = [n // len(sources) + (i < n % len(sources)) for i in range(len(sources))]
    parts, start = [], 0
    for source, k in zip(sources, shares):
        if source.is_real:
            x = _real_images(source, k, shape, seed, info, part).to(id_images.device)
            same = len(_rows(x) & _rows(id_images))
            if same:
                raise InvalidInputError(f"ood {str(source)!r}: {same} of its {k} images are in-distribution images "
                                        f"of the {part} split; an OoD set must not contain the data it is compared to")
        else:
            x = _shifted(source.shift, id_images[start:start + k], g)
        parts.append(x)
        start += k
    return torch.cat(parts)[:n]


# ---------------------------------------------------------------------------------------- scores
def odin_scores(model: torch.nn.Module, x: torch.Tensor, temperature: float, epsilon: float, std: torch.Tensor,
                batch_size: int = 256) -> torch.Tensor:
    """ODIN scores (``n``,) of normalized images ``x`` (``n x c x h x w``); higher = more in-distribution."""
    model.eval()
    out = []
    for i in range(0, len(x), batch_size):
        xb = x[i:i + batch_size].detach().clone().requires_grad_(epsilon > 0)
        if epsilon > 0:
            with torch.enable_grad():
                logits = model(xb) / temperature
                loss = F.cross_entropy(logits, logits.argmax(1), reduction="sum")
                grad, = torch.autograd.grad(loss, xb, allow_unused=True)
            if grad is not None:  # None: the output ignores the input (a disconnected cell)
                xb = xb.detach() - (epsilon / std) * grad.sign()
        with torch.no_grad():
            out.append(F.softmax(model(xb.detach()) / temperature, dim=1).max(1).values.float())
    return torch.cat(out)


def odin_scores_from_logits(logits, temperature: float) -> np.ndarray:
    """ODIN scores without input perturbation (``eps = 0``): ``max softmax(logits / T)`` of
    ``n x k`` logits (``... x n x k`` gives ``... x n``), in float64."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    return (p / p.sum(axis=-1, keepdims=True)).max(axis=-1)


def auroc(scores_in: np.ndarray, scores_out: np.ndarray) -> float:
    """AUROC of ``scores_in`` (ID, positive) against ``scores_out`` (OoD); higher score = more ID."""
    from sklearn.metrics import roc_auc_score

    y = np.r_[np.ones(len(scores_in)), np.zeros(len(scores_out))]
    return float(roc_auc_score(y, np.r_[scores_in, scores_out]))


# ---------------------------------------------------------------------------------------- objective
class Robustness(Objective):
    """ODIN AUROC, ID vs OoD (see the module docstring). Maximize; reference point 0.5 (chance).

    Args:
        ood: the OoD set: a shift (:data:`BUILTIN_OOD`), a dataset (``"mnist"``), a dataset's
            classes (``"digits[0-4]"``) or several joined by ``+``. Default ``"uniform"``.
        temperature: ODIN temperature ``T`` (1 = plain softmax); None: the setting's value, else 1000.
        epsilon: ODIN input perturbation in ``[0, 1]`` pixel units (0 = none); None: the setting's
            value, else 0.0014.
        max_samples: at most this many ID (and as many OoD) images per split.
        seed: seeds the ID subset and the OoD images.
        setting: None or a name of :data:`ODIN_SETTINGS`; explicit ``temperature`` / ``epsilon``
            must agree with it, and ``"mo-evoprune"`` needs real OoD images.

    Raises:
        InvalidInputError: a bad value, a setting it contradicts, a synthetic OoD set in the
            ``"mo-evoprune"`` setting.
    """

    name = "robustness"
    direction = "maximize"

    def __init__(self, ood: str = "uniform", temperature: float | None = None, epsilon: float | None = None,
                 max_samples: int = 2000, seed: int = 0, setting: str | None = None):
        if setting is not None:
            check_choice(setting, "robustness setting", tuple(ODIN_SETTINGS))
            named = ODIN_SETTINGS[setting]
            for key, value in (("temperature", temperature), ("epsilon", epsilon)):
                if value is not None and float(value) != named[key]:
                    raise InvalidInputError(f"robustness setting {setting!r} has {key}={named[key]:g}, got {key}="
                                            f"{value!r}: drop one of them")
            temperature, epsilon = named["temperature"], named["epsilon"]
        temperature = DEFAULT_TEMPERATURE if temperature is None else temperature
        epsilon = DEFAULT_EPSILON if epsilon is None else epsilon
        check_number(temperature, "robustness temperature", low=0, low_open=True)
        check_number(epsilon, "robustness epsilon", low=0)
        check_int(max_samples, "robustness max_samples", 2)
        check_int(seed, "robustness seed", 0)
        self.sources = parse_ood(ood)
        if setting == "mo-evoprune" and not all(s.is_real for s in self.sources):
            raise InvalidInputError(f"robustness setting 'mo-evoprune' measures OoD detection on real images of other "
                                    f"datasets; ood={ood!r} is a synthetic shift. Name a dataset (e.g. 'mnist' or "
                                    f"'digits[0-4]'), or pass temperature=1000, epsilon=0 without the setting")
        self.ood, self.temperature, self.epsilon = format_ood(self.sources), float(temperature), float(epsilon)
        self.max_samples, self.seed = int(max_samples), int(seed)

    @property
    def setting(self) -> str:
        """The name of the setting these values are (:data:`ODIN_SETTINGS`; ``"mo-evoprune"``
        only with real OoD images), else ``"custom"``."""
        for name, values in ODIN_SETTINGS.items():
            if values == {"temperature": self.temperature, "epsilon": self.epsilon}:
                if name != "mo-evoprune" or all(s.is_real for s in self.sources):
                    return name
        return "custom"

    def params(self) -> dict:
        return {"ood": self.ood, "temperature": self.temperature, "epsilon": self.epsilon,
                "max_samples": self.max_samples, "seed": self.seed}

    def default_ref(self, info: TaskInfo) -> float:
        return 0.5

    def ideal(self, info: TaskInfo) -> float:
        return 1.0

    def check(self, info: TaskInfo) -> None:
        check_ood_against(self.sources, info)

    def id_indices(self, n: int) -> np.ndarray:
        """The sorted ``(min(n, max_samples),)`` indices of the ID images a split of ``n`` uses."""
        return np.sort(np.random.default_rng(self.seed).permutation(n)[:min(n, self.max_samples)])

    def images(self, ctx: EvalContext, part: str) -> tuple[torch.Tensor, torch.Tensor]:
        """``(ID, OoD)`` intensities in ``[0, 1]`` of split ``part`` (each ``n x c x h x w``)."""
        data = ctx.data
        x_id, _ = data.parts[part]
        idx = torch.from_numpy(self.id_indices(len(x_id))).to(data.device)
        id_img = data.prepare(x_id[idx])
        return id_img, ood_images(self.sources, id_img, self.seed + (0 if part == "val" else 1), ctx.info, part)

    def _auroc(self, ctx: EvalContext, part: str) -> float:
        id_img, ood = self.images(ctx, part)
        data = ctx.data
        s_in = odin_scores(ctx.model, data.normalize(id_img), self.temperature, self.epsilon, data.std)
        s_out = odin_scores(ctx.model, data.normalize(ood), self.temperature, self.epsilon, data.std)
        return auroc(s_in.double().cpu().numpy(), s_out.double().cpu().numpy())

    def measure(self, ctx: EvalContext) -> tuple[float, float]:
        return self._auroc(ctx, "val"), self._auroc(ctx, "test")
