"""On-disk cache of trained cells: one folder per (cell, training configuration, seed).

Layout: ``<cache_dir>/nb201-train/<key[:2]>/<key>/`` holding ``record.json`` (the training
report and every objective value measured so far, validation and test) and ``model.pt`` (the
trained weights). The cache folder is ``cache_dir`` if given, else ``$LAMOO_CACHE_DIR``, else
``~/.cache/lamoo``: never inside the repository. Files are written atomically (temporary file,
then rename), so concurrent workers never leave a half-written record.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path


def default_cache_dir() -> Path:
    """``$LAMOO_CACHE_DIR`` or ``~/.cache/lamoo``."""
    return Path(os.environ.get("LAMOO_CACHE_DIR") or Path.home() / ".cache" / "lamoo").expanduser()


def cache_key(payload: dict) -> str:
    """A stable hash of a JSON-able description (cell, data, training configuration, seed)."""
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class TrainCache:
    """Records and checkpoints of trained cells under ``root / "nb201-train"``."""

    def __init__(self, root=None):
        self.root = Path(root if root is not None else default_cache_dir()).expanduser() / "nb201-train"

    def folder(self, key: str) -> Path:
        return self.root / key[:2] / key

    def checkpoint(self, key: str) -> Path:
        return self.folder(key) / "model.pt"

    def load(self, key: str) -> dict | None:
        path = self.folder(key) / "record.json"
        try:
            return json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            return None

    def save(self, key: str, record: dict) -> None:
        folder = self.folder(key)
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(folder / "record.json", (json.dumps(record, indent=1, sort_keys=True) + "\n").encode())

    def save_checkpoint(self, key: str, state_dict) -> None:
        import io

        import torch

        buf = io.BytesIO()
        torch.save({k: v.detach().cpu() for k, v in state_dict.items()}, buf)
        self.folder(key).mkdir(parents=True, exist_ok=True)
        _atomic_write(self.checkpoint(key), buf.getvalue())

    def load_checkpoint(self, key: str):
        import torch

        path = self.checkpoint(key)
        return torch.load(path, map_location="cpu", weights_only=True) if path.is_file() else None


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
