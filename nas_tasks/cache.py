"""The on-disk cache of computed values: ``$LAMOO_CACHE_DIR`` (default ``~/.cache/lamoo``).

Writes are atomic (a temporary file renamed into place), so concurrent processes never read a
half-written entry; an unwritable cache directory only costs recomputation (with a warning).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path


def cache_dir() -> Path:
    """The cache folder (not created here)."""
    return Path(os.environ.get("LAMOO_CACHE_DIR") or "~/.cache/lamoo").expanduser()


def cache_key(*parts) -> str:
    """A short stable hash of JSON-serialisable ``parts``."""
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def cache_path(subdir: str, name: str) -> Path:
    return cache_dir() / subdir / name


def write_atomic(path: Path, write) -> bool:
    """Call ``write(tmp_path)`` then rename it to ``path``; False (and a warning) on OS errors."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        os.close(fd)
        try:
            write(Path(tmp))
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return True
    except OSError as exc:
        warnings.warn(f"could not write the cache file {path}: {exc}", RuntimeWarning, stacklevel=3)
        return False


def read_json(path: Path):
    """The JSON in ``path``, or None when it is missing or unreadable."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def write_json(path: Path, obj) -> bool:
    return write_atomic(Path(path), lambda tmp: tmp.write_text(json.dumps(obj)))
