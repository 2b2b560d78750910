"""Sample predictions of trained cells, for the comparison views of a ``--task nb201-train`` run.

A trained-cell run (:class:`~nas_tasks.nb201.train_task.NB201TrainTask`) caches every cell's
weights (:mod:`nas_tasks.training.cache`). :class:`TrainedPredictions` rebuilds a candidate's network
from its cached checkpoint and shows what it predicts for a few fixed validation images (one per
class, in class order), so the user sees how two networks behave and not only their numbers.
Nothing is trained here: a cell without cached weights (another machine, a cleared cache) has no
sample predictions, and the page says so.

The cache key is recomputed from the run journal's task description: the data, network and
training configurations, the data's fingerprint and the seed.
"""
from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import numpy as np

from lamoo.exceptions import InvalidInputError

TRAIN_TASK_CLASS = "nas_tasks.NB201TrainTask"


def png_data_url(image: np.ndarray) -> str:
    """An ``(h x w)`` grey or ``(h x w x 3)`` colour image with values in ``[0, 1]`` as a PNG data URL."""
    a = np.clip(np.asarray(image, dtype=float), 0.0, 1.0)
    a = (a * 255.0 + 0.5).astype(np.uint8)
    colour = a.ndim == 3
    h, w = a.shape[:2]
    raw = b"".join(b"\x00" + a[r].tobytes() for r in range(h))  # filter type 0 on every row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2 if colour else 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode()


class TrainedPredictions:
    """``predictions(codes) -> [{"image", "label", "predicted", "confidence"}]`` for cells of a
    trained-cell run described by ``task`` (the ``task`` entry of its journal header)."""

    def __init__(self, task: dict, n_samples: int = 8):
        if task.get("class") != TRAIN_TASK_CLASS:
            raise InvalidInputError(f"sample predictions need a {TRAIN_TASK_CLASS} run, got {task.get('class')!r}")
        missing = [key for key in ("data", "net", "train", "seed", "splits") if key not in task]
        execution = task.get("execution", task)  # older journals kept cache_dir and data_root at the top
        if "cache_dir" not in execution:
            missing.append("execution.cache_dir")
        if missing:
            raise InvalidInputError(f"the run's task description lacks {missing} (written by an older lamoo?)")
        data = dict(task["data"])
        if "data_root" in execution:
            data["data_root"] = execution["data_root"]
        self.task = {**task, "data": data, "cache_dir": execution["cache_dir"]}
        self.n_samples = int(n_samples)
        self._cache: dict[tuple, list] = {}
        self._samples = None

    def cache_key(self, codes) -> str:
        """The train-cache key of a cell of this run, as ``NB201TrainTask`` computes it
        (:func:`nas_tasks.training.config.trained_cell_key`), from the configurations the run's
        task description records."""
        from nas_tasks.cache import cache_key
        from nas_tasks.training.config import CACHE_KEY_VERSION

        t = self.task
        return cache_key({"version": CACHE_KEY_VERSION, "codes": tuple(int(c) for c in codes),
                          "data": {**t["data"], "fingerprint": t["splits"]["fingerprint"]}, "net": t["net"],
                          "train": t["train"], "seed": int(t["seed"])})

    def _configs(self):
        from nas_tasks.training.config import DataConfig, NetworkConfig

        return DataConfig(**self.task["data"]), NetworkConfig(**self.task["net"])

    def _load_samples(self):
        import torch

        from nas_tasks.training.cell_job import get_device_data, get_splits

        data_config, _ = self._configs()
        splits = get_splits(data_config)
        data = get_device_data(data_config, torch.device("cpu"))
        x, y = splits.val
        rows = [int(np.flatnonzero(y == k)[0]) for k in range(splits.num_classes) if (y == k).any()][:self.n_samples]
        images = x[rows].astype(float) * splits.dataset.scale  # n x c x h x w in [0, 1]
        batch = data.normalize(data.prepare(torch.from_numpy(np.ascontiguousarray(x[rows]))))
        self._samples = (splits, rows, images, y[rows], batch)

    def __call__(self, codes) -> list[dict]:
        codes = tuple(int(c) for c in codes)
        if codes in self._cache:
            return self._cache[codes]
        import torch

        from nas_tasks.training.cache import TrainCache
        from nas_tasks.training.cell_job import build_model

        if self._samples is None:
            self._load_samples()
        splits, rows, images, labels, batch = self._samples
        state = TrainCache(self.task["cache_dir"]).load_checkpoint(self.cache_key(codes))
        if state is None:
            raise LookupError(f"no cached weights for this cell in {self.task['cache_dir']} (train it again to see "
                              f"sample predictions)")
        model = build_model(codes, self._configs()[1], splits, int(self.task["seed"]))
        model.load_state_dict(state)
        model.eval()
        with torch.no_grad():
            prob = torch.softmax(model(batch).float(), dim=1).numpy()
        classes = splits.dataset.classes
        out = []
        for img, label, p in zip(images, labels, prob):
            picture = img[0] if img.shape[0] == 1 else np.transpose(img[:3], (1, 2, 0))
            out.append({"image": png_data_url(picture), "label": str(classes[int(label)]),
                        "predicted": str(classes[int(p.argmax())]), "confidence": float(p.max())})
        self._cache[codes] = out
        return out


def predictions_for_run(run_dir, n_samples: int = 8):
    """A :class:`TrainedPredictions` for a trained-cell run folder, else None."""
    from lamoo.journal import read_journal

    path = Path(run_dir) / "journal.jsonl"
    if not path.is_file():
        return None
    header, _ = read_journal(path)
    task = header.get("task") or {}
    if task.get("class") != TRAIN_TASK_CLASS:
        return None
    return TrainedPredictions(task, n_samples)


__all__ = ["TrainedPredictions", "png_data_url", "predictions_for_run"]
