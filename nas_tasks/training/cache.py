"""On-disk cache of trained cells: one folder per (cell, data, training configuration, seed).

Layout: ``<cache_dir>/nb201-train/<key[:2]>/<key>/`` holding ``record.json`` (the training
report and every objective value measured so far, validation and test) and ``model.pt`` (the
trained weights). The cache folder is ``cache_dir`` if given, else ``$LAMOO_CACHE_DIR``, else
``~/.cache/lamoo`` (:func:`nas_tasks.cache.cache_dir`): never inside the repository. Files are
written atomically (:func:`nas_tasks.cache.write_atomic`), so concurrent workers never leave a
half-written record; an unwritable cache only costs retraining.
"""
from __future__ import annotations

import json
from pathlib import Path

from nas_tasks.cache import cache_dir, read_json, write_atomic


def default_cache_dir() -> Path:
    """``$LAMOO_CACHE_DIR`` or ``~/.cache/lamoo``."""
    return cache_dir()


class TrainCache:
    """Records and checkpoints of trained cells under ``root / "nb201-train"``."""

    def __init__(self, root=None):
        self.root = Path(root if root is not None else default_cache_dir()).expanduser() / "nb201-train"

    def folder(self, key: str) -> Path:
        return self.root / key[:2] / key

    def checkpoint(self, key: str) -> Path:
        return self.folder(key) / "model.pt"

    def load(self, key: str) -> dict | None:
        return read_json(self.folder(key) / "record.json")

    def save(self, key: str, record: dict) -> bool:
        text = json.dumps(record, indent=1, sort_keys=True) + "\n"
        return write_atomic(self.folder(key) / "record.json", lambda tmp: tmp.write_text(text))

    def save_checkpoint(self, key: str, state_dict) -> bool:
        import torch

        state = {k: v.detach().cpu() for k, v in state_dict.items()}
        return write_atomic(self.checkpoint(key), lambda tmp: torch.save(state, tmp))

    def load_checkpoint(self, key: str):
        import torch

        path = self.checkpoint(key)
        try:
            return torch.load(path, map_location="cpu", weights_only=True) if path.is_file() else None
        except (OSError, RuntimeError, EOFError):
            return None  # unreadable: retrain
