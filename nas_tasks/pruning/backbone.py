"""Frozen feature extractors: the transferred part of a network.

A :class:`Backbone` wraps a ``torch.nn.Module`` (in eval mode, gradients off) and turns images into
``n x p`` features: by default the *input of its last* ``nn.Linear`` (the classifier a transfer
setting replaces: ResNet-50 without its top, as MO-EvoPruneDeepTL uses it), or its output when it
has no ``nn.Linear`` (a feature extractor), globally average-pooled when that output is a feature
map. It also finds the last spatial feature map the features are pooled from (the module whose
``B x C x h x w`` output, with ``h * w > 1``, comes last in a forward pass), on which Grad-CAM
works (:mod:`nas_tasks.pruning.neurons`).

Images reach a backbone as ``[0, 1]`` intensities of the target data, ``n x c x h x w``; its input
adapter resizes them to ``input_size``, converts grey <-> RGB to ``in_channels`` and applies the
z-score the backbone was trained with (``mean``, ``std`` per channel).

Where a backbone comes from (:mod:`nas_tasks.pruning.sources` builds the last three):

- :meth:`Backbone.from_module`: any module of yours;
- a cell trained by lamoo (``--task nb201-train``), from a run folder or a task, loaded from the
  trained-cell cache, with its source data's normalization;
- a checkpoint (``torch.load(weights_only=True)``) loaded into a module of yours;
- a torchvision architecture with a weights file you provide (torchvision imported only then).
"""
from __future__ import annotations

import hashlib
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from lamoo.exceptions import InvalidInputError
from nas_tasks.objectives.robustness import _to_shape


def _as_channels(values, c: int, what: str) -> torch.Tensor | None:
    if values is None:
        return None
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(v) == 1:
        v = np.repeat(v, c)
    if len(v) != c or not np.isfinite(v).all() or (what == "std" and (v <= 0).any()):
        raise InvalidInputError(f"{what} must be {c} finite number(s){' > 0' if what == 'std' else ''} (one per input "
                                f"channel), got {values!r}")
    return torch.tensor(v, dtype=torch.float32).view(1, c, 1, 1)


class Backbone:
    """A frozen network used as a feature extractor (see the module docstring).

    Args:
        module: the network; it is put in eval mode and its parameters stop requiring gradients.
        features_from: the name (as in ``module.named_modules()``) of the module whose *input* is
            the feature vector; default: the last ``nn.Linear``, else the module's own output.
        feature_map: the name of the module whose output is the last spatial feature map (for
            Grad-CAM); default: found by a forward pass (None when the network has none).
        input_size: ``(h, w)`` (or one int) the backbone expects; None: the target's own size.
        in_channels: channels the backbone expects; None: the target's own.
        mean, std: the input z-score, one value per channel (or one for all); None: 0 and 1.
        name: a label for reports; source: a JSON-able description of where it came from (a
            task's ``describe()`` records it, and :func:`~nas_tasks.pruning.sources.backbone_from_source`
            rebuilds it from that).
    """

    def __init__(self, module: nn.Module, *, features_from: str | None = None, feature_map: str | None = None,
                 input_size=None, in_channels: int | None = None, mean=None, std=None, name: str = "module",
                 source: dict | None = None):
        if not isinstance(module, nn.Module):
            raise InvalidInputError(f"a backbone must be a torch.nn.Module, got {type(module).__name__}")
        self.module = module.eval()
        for p in self.module.parameters():
            p.requires_grad_(False)
        self._modules = dict(module.named_modules())
        if features_from is None:
            linears = [n for n, m in self._modules.items() if isinstance(m, nn.Linear)]
            features_from = linears[-1] if linears else None
        for label, value in (("features_from", features_from), ("feature_map", feature_map)):
            if value is not None and value not in self._modules:
                raise InvalidInputError(f"{label}={value!r} is not a submodule of the backbone; some of its modules: "
                                        f"{', '.join(list(self._modules)[1:12])}")
        self.features_from, self.feature_map = features_from, feature_map
        if input_size is not None:
            input_size = (int(input_size), int(input_size)) if np.isscalar(input_size) else tuple(map(int, input_size))
        self.input_size, self.in_channels = input_size, in_channels
        self.mean, self.std = mean, std
        self.name, self.source = name, dict(source or {"kind": "module", "class": type(module).__name__})
        self.n_features: int | None = None
        self._costs: dict = {}

    @classmethod
    def from_module(cls, module: nn.Module, **kwargs) -> "Backbone":
        """``Backbone(module, **kwargs)``: a module of yours (see the class docstring)."""
        return cls(module, **kwargs)

    # ------------------------------------------------------------------ input
    def input_shape(self, image_shape) -> tuple[int, int, int]:
        """The ``(c, h, w)`` the backbone is given for target images of ``image_shape``."""
        c, h, w = image_shape
        size = self.input_size or (h, w)
        return (self.in_channels or c, *size)

    def adapt(self, x: torch.Tensor) -> torch.Tensor:
        """``n x c x h x w`` intensities in ``[0, 1]`` -> the backbone's normalized input."""
        shape = self.input_shape(tuple(x.shape[1:]))
        x = _to_shape(x.float(), shape)
        c = shape[0]
        mean, std = _as_channels(self.mean, c, "mean"), _as_channels(self.std, c, "std")
        if mean is not None:
            x = x - mean.to(x.device)
        if std is not None:
            x = x / std.to(x.device)
        return x

    def to(self, device) -> "Backbone":
        self.module.to(device)
        return self

    # ------------------------------------------------------------------ forward
    @contextmanager
    def _hooks(self, keep_map: bool = False):
        """Record the features (and, if asked, the feature map, as a leaf that requires grad)."""
        out: dict = {}
        handles = []
        if self.features_from is not None:
            def grab(_m, inputs):
                out["features"] = inputs[0]
            handles.append(self._modules[self.features_from].register_forward_pre_hook(grab))
        if keep_map:
            if self.feature_map is None:
                raise InvalidInputError(f"backbone {self.name!r} has no spatial feature map (every output before its "
                                        f"features is 1x1 or flat): Grad-CAM needs one")

            def leaf(_m, _inp, output):
                out["map"] = output.detach().requires_grad_(True)
                return out["map"]
            handles.append(self._modules[self.feature_map].register_forward_hook(leaf))
        try:
            yield out
        finally:
            for h in handles:
                h.remove()

    def _run(self, x: torch.Tensor, keep_map: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        with self._hooks(keep_map) as out:
            y = self.module(self.adapt(x))
        feats = out.get("features", y)
        if feats.ndim == 4:
            feats = feats.mean(dim=(2, 3))
        return feats.flatten(1).float(), out.get("map")

    @torch.no_grad()
    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``n x p`` float32 features of ``n x c x h x w`` intensities (one pass, no gradients)."""
        return self._run(x)[0]

    def features_and_map(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(features n x p, feature map n x C x h' x w')``, the map a leaf the features are
        differentiable with respect to (for Grad-CAM)."""
        with torch.enable_grad():
            feats, fmap = self._run(x, keep_map=True)
        return feats, fmap

    def probe(self, image_shape) -> int:
        """Run the backbone on two blank target images of ``image_shape`` ``(c, h, w)``: find its
        feature map (unless named) and return the feature count ``p``.

        Raises:
            InvalidInputError: the backbone does not run on such images, or gives no features.
        """
        x = torch.zeros((2, *image_shape), device=self.device)
        seen: list[str] = []
        handles = [m.register_forward_hook(lambda _m, _i, o, n=n: seen.append(n) if _spatial(o) else None)
                   for n, m in self._modules.items() if n]
        try:
            feats = self.features(x)
        except Exception as exc:  # noqa: BLE001 - any failure of the user's network is reported as bad input
            raise InvalidInputError(
                f"backbone {self.name!r} does not run on the target's images: {tuple(image_shape)} images are given to "
                f"it as {self.input_shape(image_shape)} (input_size={self.input_size}, in_channels={self.in_channels})"
                f": {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}. Pass input_size= / "
                f"in_channels= to resize the images to what it was trained on") from None
        finally:
            for h in handles:
                h.remove()
        if self.feature_map is None and seen:
            self.feature_map = seen[-1]
        if feats.shape[1] < 1:
            raise InvalidInputError(f"backbone {self.name!r} gives no features")
        self.n_features = int(feats.shape[1])
        return self.n_features

    def cost(self, image_shape) -> tuple[float, float]:
        """``(parameters, multiply-accumulates)`` in millions of the whole module (frozen or not,
        its classifier included) on one target image of ``image_shape`` ``(c, h, w)``, as it is
        given to it (:meth:`input_shape`); computed once per shape."""
        from nas_tasks.objectives.complexity import count_flops

        shape = self.input_shape(tuple(int(v) for v in image_shape))
        if shape not in self._costs:
            params = sum(p.numel() for p in self.module.parameters()) / 1e6
            self._costs[shape] = (params, count_flops(self.module, shape[1:], shape[0]))
        return self._costs[shape]

    @property
    def device(self) -> torch.device:
        p = next(self.module.parameters(), None)
        return p.device if p is not None else torch.device("cpu")

    # ------------------------------------------------------------------ identity
    def fingerprint(self) -> str:
        """A hash of the weights (and buffers), the feature layer and the input adapter: two
        backbones with the same fingerprint give the same features."""
        h = hashlib.sha256(type(self.module).__name__.encode())
        for name, t in sorted(self.module.state_dict().items()):
            h.update(f"{name}:{tuple(t.shape)}:{t.dtype}".encode())
            h.update(t.detach().cpu().contiguous().numpy().tobytes())
        h.update(repr((self.features_from, self.input_size, self.in_channels, _plain(self.mean),
                       _plain(self.std))).encode())
        return h.hexdigest()[:16]

    def describe(self) -> dict:
        return {"name": self.name, "source": self.source, "features_from": self.features_from,
                "feature_map": self.feature_map, "input_size": self.input_size, "in_channels": self.in_channels,
                "mean": _plain(self.mean), "std": _plain(self.std), "n_features": self.n_features,
                "fingerprint": self.fingerprint()}

    def __repr__(self) -> str:
        return f"Backbone({self.name!r}, features_from={self.features_from!r}, n_features={self.n_features})"


def _spatial(output) -> bool:
    return isinstance(output, torch.Tensor) and output.ndim == 4 and output.shape[2] * output.shape[3] > 1


def _plain(values):
    return None if values is None else [float(v) for v in np.asarray(values, dtype=float).reshape(-1)]
