"""The target data of a pruning task, and the features of its images.

The target can differ from the data the backbone was trained on: the bundled digits, a dataset of
:mod:`nas_tasks.training.data` read from ``data_root``, or an image folder ``"folder:PATH"``
(:mod:`nas_tasks.training.folder`), each optionally restricted to some classes. Its splits are made
as for every trained cell (:func:`~nas_tasks.training.splits.make_splits`).

Features are extracted once per (backbone, images) and kept on disk under
``<cache_dir>/pruning-features/`` as ``.npz`` files (numpy arrays only: read with
``allow_pickle=False``, and only when no other user could have written them,
:func:`~nas_tasks.safe_load.cache_entry_problem`), so that every evaluation of the task trains only
the sparse head.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch

from lamoo.exceptions import InvalidInputError
from nas_tasks.cache import cache_key, write_atomic
from nas_tasks.safe_load import cache_entry_problem
from nas_tasks.training.folder import PREFIX as FOLDER
from nas_tasks.training.splits import Splits

FEATURES_VERSION = 1  # bump when extraction changes what a cached feature file holds


def target_splits(dataset: str, data_root=None, *, classes=None, val_fraction: float = 0.2,
                  test_fraction: float = 0.2, max_train=None, max_eval=None, split_seed: int = 0,
                  image_size=None) -> Splits:
    """Train / validation / test splits of the target data (see the module docstring);
    ``image_size`` resizes an image folder's images (other datasets keep theirs)."""
    from nas_tasks.training.config import DataConfig
    from nas_tasks.training.splits import make_splits, select_classes

    if isinstance(dataset, str) and dataset.startswith(FOLDER):
        from nas_tasks.training.folder import read_image_folder

        ds = read_image_folder(dataset, data_root, image_size)
        if classes is not None:
            ds = select_classes(ds, classes)
        return make_splits(ds, val_fraction, test_fraction, max_train, max_eval, split_seed)
    from nas_tasks.training.cell_job import get_splits

    return get_splits(DataConfig(dataset, None if data_root is None else str(data_root), val_fraction, test_fraction,
                                 max_train, max_eval, split_seed, classes))


def extract(backbone, images: np.ndarray, scale: float, batch_size: int = 256) -> np.ndarray:
    """``n x p`` float32 features of stored images (``n x c x h x w``; times ``scale`` they are
    ``[0, 1]`` intensities), in batches, on the backbone's device."""
    device = backbone.device
    out = []
    for i in range(0, len(images), batch_size):
        x = torch.from_numpy(np.ascontiguousarray(images[i:i + batch_size])).to(device).float() * float(scale)
        out.append(backbone.features(x).cpu().numpy())
    if not out:
        return np.zeros((0, backbone.n_features or 0), dtype=np.float32)
    return np.concatenate(out).astype(np.float32)


class FeatureCache:
    """``.npz`` files of features under ``root / "pruning-features"`` (``root``: the cache
    folder, default ``$LAMOO_CACHE_DIR`` or ``~/.cache/lamoo``); an unwritable folder only costs
    extracting again."""

    def __init__(self, root=None):
        from nas_tasks.cache import cache_dir

        self.root = Path(root if root is not None else cache_dir()).expanduser() / "pruning-features"

    def path(self, key: str) -> Path:
        return self.root / f"{key}.npz"

    def get(self, what: dict, compute) -> dict[str, np.ndarray]:
        """The arrays cached for ``what`` (a JSON-able description), else ``compute()`` (a dict of
        arrays), saved. A cached file another user could have written is not read (a warning)."""
        key = cache_key({"version": FEATURES_VERSION, **what})
        path = self.path(key)
        problem = cache_entry_problem(path, self.root.parent) if path.is_file() else None
        if problem is not None:
            warnings.warn(f"not reading the cached features {path}: {problem}; they are extracted again",
                          RuntimeWarning, stacklevel=3)
        elif path.is_file():
            try:
                with np.load(path, allow_pickle=False) as f:
                    return {k: f[k] for k in f.files}
            except (OSError, ValueError):
                pass  # unreadable: extract again
        arrays = compute()

        def write(tmp: Path):
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)
        write_atomic(path, write)
        return arrays


def split_features(backbone, splits: Splits, cache: FeatureCache, batch_size: int = 256) -> dict:
    """``{"train" | "val" | "test": (features n x p float32, labels (n,) int64)}`` of the target
    splits, extracted once (cached by the backbone's fingerprint and the splits' description)."""
    def compute():
        out = {}
        for part in ("train", "val", "test"):
            x, y = getattr(splits, part)
            out[f"{part}_x"], out[f"{part}_y"] = extract(backbone, x, splits.dataset.scale, batch_size), y
        return out

    arrays = cache.get({"kind": "splits", "backbone": backbone.fingerprint(), "splits": splits.info,
                        "classes": list(splits.dataset.classes)}, compute)
    out = {part: (arrays[f"{part}_x"], arrays[f"{part}_y"].astype(np.int64)) for part in ("train", "val", "test")}
    p = out["train"][0].shape[1]
    if backbone.n_features is not None and p != backbone.n_features:
        raise InvalidInputError(f"cached features have {p} columns but the backbone gives {backbone.n_features}")
    return out


def ood_features(backbone, robustness, ctx, cache: FeatureCache, part: str, batch_size: int = 256) -> np.ndarray:
    """``m x p`` features of the OoD images ``robustness`` (a
    :class:`~nas_tasks.objectives.robustness.Robustness`) compares split ``part`` with, built
    from ``ctx`` (its target data and task info) and extracted once (cached by the backbone, the
    splits and the objective's parameters)."""
    def compute():
        _, ood = robustness.images(ctx, part)
        return {"x": extract(backbone, ood.cpu().numpy(), 1.0, batch_size)}

    splits = ctx.data.splits
    what = {"kind": "ood", "backbone": backbone.fingerprint(), "splits": splits.info, "part": part,
            "classes": list(splits.dataset.classes), "objective": robustness.key(ctx.info),
            "data_root": None if ctx.info.data_root is None else str(ctx.info.data_root)}
    return cache.get(what, compute)["x"]
