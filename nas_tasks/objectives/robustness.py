"""Robustness as out-of-distribution detection (as in MO-EvoPruneDeepTL): the AUROC of ODIN scores
separating in-distribution images from out-of-distribution ones (maximize; 0.5 = chance).

ODIN (Liang et al., 2018): temperature-scale the logits by ``T`` and nudge the input against the
gradient of the predicted class's loss, ``x' = x - eps * sign(grad_x CE(f(x)/T, argmax))``
(``eps`` in pixel units of ``[0, 1]`` images, divided by each channel's std in the normalized
space); the score is the top softmax probability of ``f(x')/T``. ID images are the validation
(and, for the test value, test) split; the OOD set is built in or read from ``data_root``:

- ``"uniform"``: uniform noise images; ``"gaussian"``: Gaussian noise around mid-grey;
- ``"inverted"``: the ID images with intensities inverted (``1 - x``); ``"vflip"``: upside down;
  ``"permuted"``: each ID image's pixels shuffled (same intensities, no structure);
- any dataset name of :mod:`nas_tasks.training.data` (``mnist``, ``cifar10``, ...), resized to
  the ID image size (and converted between grey and RGB), read from ``data_root``.

AUROC is scikit-learn's ``roc_auc_score`` with ID as the positive class.
"""
from __future__ import annotations

import numpy as np

from lamoo.checks import check_int, check_number
import torch
import torch.nn.functional as F

from nas_tasks.objectives.base import EvalContext, Objective, TaskInfo

BUILTIN_OOD = ("uniform", "gaussian", "inverted", "vflip", "permuted")


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


def auroc(scores_in: np.ndarray, scores_out: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    y = np.r_[np.ones(len(scores_in)), np.zeros(len(scores_out))]
    return float(roc_auc_score(y, np.r_[scores_in, scores_out]))


def _to_shape(x: torch.Tensor, shape: tuple[int, int, int]) -> torch.Tensor:
    """Resize ``n x c' x h' x w'`` intensities to ``shape`` (c, h, w), converting grey <-> RGB."""
    c, h, w = shape
    if x.shape[1] != c:
        x = x.mean(1, keepdim=True) if c == 1 else x[:, :1].expand(-1, c, -1, -1)
    if tuple(x.shape[2:]) != (h, w):
        x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=x.shape[2] > h)
    return x.clamp(0, 1)


def ood_images(kind: str, id_images: torch.Tensor, seed: int, info: TaskInfo, part: str) -> torch.Tensor:
    """OOD intensities in ``[0, 1]`` (``n x c x h x w``, as many as ``id_images``, on its device)."""
    n, shape, dev = len(id_images), tuple(id_images.shape[1:]), id_images.device
    g = torch.Generator(device="cpu").manual_seed(int(seed))
    if kind == "uniform":
        return torch.rand((n, *shape), generator=g).to(dev)
    if kind == "gaussian":
        return (0.5 + 0.25 * torch.randn((n, *shape), generator=g)).clamp(0, 1).to(dev)
    if kind == "inverted":
        return 1.0 - id_images
    if kind == "vflip":
        return id_images.flip(2)
    if kind == "permuted":
        flat = id_images.flatten(2)
        perm = torch.argsort(torch.rand(n, flat.shape[2], generator=g), dim=1).to(dev)
        return torch.gather(flat, 2, perm[:, None, :].expand(-1, flat.shape[1], -1)).view_as(id_images)
    from nas_tasks.training.data import load_dataset

    ds = load_dataset(kind, info.data_root)
    x = ds.x_test if ds.x_test is not None else ds.x_train
    rng = np.random.default_rng(seed)
    # val and test draw from disjoint halves of the OOD set
    order = rng.permutation(len(x))
    half = order[: len(x) // 2] if part == "val" else order[len(x) // 2:]
    pick = half[: n] if len(half) >= n else rng.choice(half, n, replace=True)
    xs = torch.from_numpy(np.ascontiguousarray(x[np.sort(pick)])).float() * ds.scale
    return _to_shape(xs, shape).to(dev)


class Robustness(Objective):
    """ODIN AUROC, ID vs OOD (see the module docstring). Maximize; reference point 0.5 (chance).

    Args:
        ood: a built-in OOD set (:data:`BUILTIN_OOD`) or a dataset name read from ``data_root``.
        temperature: ODIN temperature ``T`` (1 = plain softmax).
        epsilon: ODIN input perturbation in ``[0, 1]`` pixel units (0 = none).
        max_samples: at most this many ID (and as many OOD) images per split.
        seed: seeds the OOD images.
    """

    name = "robustness"
    direction = "maximize"

    def __init__(self, ood: str = "uniform", temperature: float = 1000.0, epsilon: float = 0.0014,
                 max_samples: int = 2000, seed: int = 0):
        check_number(temperature, "robustness temperature", low=0, low_open=True)
        check_number(epsilon, "robustness epsilon", low=0)
        check_int(max_samples, "robustness max_samples", 2)
        check_int(seed, "robustness seed", 0)
        if ood not in BUILTIN_OOD:
            from nas_tasks.training.data import canonical_name

            canonical_name(ood)  # raises naming the choices
        self.ood, self.temperature, self.epsilon = ood, float(temperature), float(epsilon)
        self.max_samples, self.seed = int(max_samples), int(seed)

    def params(self) -> dict:
        return {"ood": self.ood, "temperature": self.temperature, "epsilon": self.epsilon,
                "max_samples": self.max_samples, "seed": self.seed}

    def default_ref(self, info: TaskInfo) -> float:
        return 0.5

    def ideal(self, info: TaskInfo) -> float:
        return 1.0

    def _auroc(self, ctx: EvalContext, part: str) -> float:
        data = ctx.data
        x_id, _ = data.parts[part]
        n = min(len(x_id), self.max_samples)
        idx = torch.from_numpy(np.sort(np.random.default_rng(self.seed).permutation(len(x_id))[:n])).to(data.device)
        id_img = data.prepare(x_id[idx])
        ood = ood_images(self.ood, id_img, self.seed + (0 if part == "val" else 1), ctx.info, part)
        std = data.std
        s_in = odin_scores(ctx.model, data.normalize(id_img), self.temperature, self.epsilon, std)
        s_out = odin_scores(ctx.model, data.normalize(ood), self.temperature, self.epsilon, std)
        return auroc(s_in.double().cpu().numpy(), s_out.double().cpu().numpy())

    def measure(self, ctx: EvalContext) -> tuple[float, float]:
        return self._auroc(ctx, "val"), self._auroc(ctx, "test")
