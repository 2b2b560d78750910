"""Reading files lamoo did not write, safely.

Some benchmark and dataset formats are Python pickles, and unpickling an arbitrary file can run
arbitrary code. lamoo therefore never calls plain ``pickle.load`` or ``torch.load(weights_only=False)``:

* :func:`load_pickle` uses :class:`RestrictedUnpickler`, which builds only the types listed in
  :data:`ALLOWED_GLOBALS` (containers, numbers, strings, NumPy arrays, scalars and dtypes): a
  pickle that names any other class or function is refused before anything is called.
* :func:`torch_load` reads ``torch.save`` files with PyTorch's own weights-only unpickler, allowing
  the same NumPy types and nothing else.
* Formats that exist only as pickles (an official NAS-Bench-201 ``.pth``, a NATS-Bench archive)
  are read only with an explicit opt-in, ``trust_pickle=True`` (:func:`check_trust_pickle`).
  Datasets (CIFAR, ImageNet16) are read with the restricted unpickler without an opt-in.
* A cache entry is read only when nobody but the current user could have written it
  (:func:`cache_entry_problem`).

A file that is not in the expected format raises :class:`BadFileError` naming the file and the
format expected; a pickle that names a forbidden type raises :class:`UnsafePickleError`.
"""
from __future__ import annotations

import _compat_pickle
import os
import pickle
import re
import stat
from pathlib import Path

import numpy as np

from lamoo.exceptions import InvalidInputError


class BadFileError(InvalidInputError):
    """A file that cannot be read as the format expected (empty, truncated, binary, wrong
    structure); the message names the file and the format."""


class UnsafePickleError(BadFileError):
    """A pickle that names a type or function outside :data:`ALLOWED_GLOBALS`: it was refused
    before anything in it was run."""


class PickleNotTrustedError(InvalidInputError):
    """A file whose format is a Python pickle was given without ``trust_pickle=True``."""


def _numpy_globals() -> dict[tuple[str, str], object]:
    try:  # NumPy >= 2 (and the aliases pickles written by NumPy 1.x use)
        from numpy._core import multiarray, numeric
    except ImportError:  # pragma: no cover - NumPy 1.x
        from numpy.core import multiarray, numeric
    out: dict[tuple[str, str], object] = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}
    for module in ("numpy.core", "numpy._core"):
        out[(f"{module}.multiarray", "_reconstruct")] = multiarray._reconstruct
        out[(f"{module}.multiarray", "scalar")] = multiarray.scalar
        out[(f"{module}.numeric", "_frombuffer")] = numeric._frombuffer
    return out


ALLOWED_GLOBALS: dict[tuple[str, str], object] = {
    ("builtins", "set"): set, ("builtins", "frozenset"): frozenset, ("builtins", "bytearray"): bytearray,
    ("builtins", "complex"): complex, ("collections", "OrderedDict"): __import__("collections").OrderedDict,
    ("_codecs", "encode"): __import__("codecs").encode,  # how protocol-2 pickles written by Python 3 store bytes
    **_numpy_globals(),
}
"""``(module, name)`` -> object: everything a restricted pickle may name. These are the types the
CIFAR-10/100 and ImageNet16 batches and the NAS-Bench-201 / NATS-Bench files hold; none of them
runs code of the file's choosing (NumPy refuses object arrays from raw bytes)."""


def _canonical(module: str, name: str) -> tuple[str, str]:
    """Python 2 names (``__builtin__``, ``copy_reg`` ...) -> Python 3 names, as pickle maps them."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that builds only :data:`ALLOWED_GLOBALS`; any other global raises
    :class:`pickle.UnpicklingError` naming it, before it is imported or called."""

    def find_class(self, module, name):
        key = _canonical(str(module), str(name))
        if key not in ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"forbidden global {module}.{name}")
        return ALLOWED_GLOBALS[key]

    def persistent_load(self, pid):
        raise pickle.UnpicklingError(f"persistent id {pid!r}: external objects are not allowed")


def _describe_failure(path, exc: BaseException, expected: str) -> BadFileError:
    text = str(exc)
    forbidden = re.search(r"forbidden global (\S+)|GLOBAL (\S+)|got <class '([^']+)'>", text)
    if forbidden:
        what = next(g for g in forbidden.groups() if g)
        return UnsafePickleError(f"{str(path)!r} is not a safe {expected}: it names {what}, which is not one of the "
                                 f"types such files hold (containers, numbers, strings, NumPy arrays); it was not "
                                 f"loaded")
    return BadFileError(f"{str(path)!r} is not a readable {expected}: {type(exc).__name__}: {text[:200]}")


def load_pickle(path, expected: str, *, compression: str | None = None, encoding: str = "ASCII"):
    """The object pickled in ``path`` (``compression``: None or ``"bz2"``), read with
    :class:`RestrictedUnpickler`. ``expected`` names the format in error messages. Raises
    :class:`UnsafePickleError` or :class:`BadFileError` naming the file."""
    try:
        if compression == "bz2":
            import bz2

            opener = bz2.open
        else:
            opener = open
        with opener(path, "rb") as f:
            return RestrictedUnpickler(f, encoding=encoding).load()
    except Exception as exc:  # noqa: BLE001 - a corrupt pickle raises nearly anything; all mean "not this format"
        raise _describe_failure(path, exc, expected) from None


def _torch_safe_globals() -> list:
    """The allowlist for ``torch.load(weights_only=True)``: :data:`ALLOWED_GLOBALS` under each
    name a file may use, and the NumPy dtype classes whose instances pickles rebuild."""
    out: list = [(obj, f"{module}.{name}") for (module, name), obj in ALLOWED_GLOBALS.items()]
    dtypes = getattr(np, "dtypes", None)
    if dtypes is not None:
        out += [getattr(dtypes, n) for n in dir(dtypes) if n.endswith("DType") and n not in ("ObjectDType", "VoidDType")]
    return out


def torch_load(path, expected: str):
    """The object saved in ``path`` by ``torch.save``, read with PyTorch's weights-only
    unpickler allowing tensors, containers and the NumPy types of :data:`ALLOWED_GLOBALS`."""
    import torch

    if tuple(int(part) for part in re.findall(r"\d+", torch.__version__)[:2]) < (2, 6):  # pragma: no cover
        from lamoo.exceptions import MissingDependencyError

        raise MissingDependencyError(f"reading {str(path)!r} safely needs torch >= 2.6 (an allowlist of NumPy types "
                                     f"for its weights-only unpickler); installed: {torch.__version__}")
    try:
        with torch.serialization.safe_globals(_torch_safe_globals()):
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises assorted errors for corrupt files
        raise _describe_failure(path, exc, expected) from None


def check_trust_pickle(trust_pickle, path, what: str) -> None:
    """Raise :class:`PickleNotTrustedError` unless ``trust_pickle`` is True: ``path`` is a
    ``what`` (a pickle-based format) and reading it is the user's explicit choice."""
    if not isinstance(trust_pickle, (bool, np.bool_)):
        raise InvalidInputError(f"trust_pickle must be True or False, got {trust_pickle!r}")
    if not trust_pickle:
        raise PickleNotTrustedError(
            f"{str(path)!r} is a {what}, a Python pickle: a crafted file of that kind can run code when it is read. "
            f"lamoo reads it with a restricted unpickler (containers, numbers, strings and NumPy arrays only), "
            f"but only if you pass trust_pickle=True (--trust-pickle) for a file from a source you trust; "
            f"a CSV or Parquet table needs no such permission")


def _written_by_others(path: Path, st: os.stat_result) -> str | None:
    me = os.getuid()
    if st.st_uid not in (me, 0):
        return f"{path} is owned by user id {st.st_uid}, not by you ({me})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{path} is writable by other users (mode {stat.filemode(st.st_mode)})"
    return None


def folder_problem(folder, root) -> str | None:
    """Why another user could write into ``folder``, or None: ``folder`` and each folder above
    it up to the cache folder ``root`` must be owned by the current user (or root) and writable
    by nobody else. Folders outside ``root`` are not checked; neither are folders that do not
    exist yet. Always None where the OS has no user ids (Windows)."""
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows
        return None
    folder, root = Path(os.path.abspath(folder)), Path(os.path.abspath(root))
    for f in (folder, *folder.parents):
        if f != root and root not in f.parents:
            return None
        try:
            problem = _written_by_others(f, os.stat(f))
        except FileNotFoundError:
            problem = None
        except OSError as exc:
            problem = f"cannot inspect {f}: {exc}"
        if problem is not None or f == root:
            return problem
    return None


def cache_entry_problem(path, root) -> str | None:
    """Why the cache file ``path`` under the cache folder ``root`` may have been written by
    someone else, or None when it is safe to read: it must be a regular file (not a link) owned
    by the current user (or root) and writable by nobody else, in folders that pass
    :func:`folder_problem`. Always None where the OS has no user ids (Windows)."""
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows
        return None
    path = Path(os.path.abspath(path))
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"cannot inspect {path}: {exc}"
    if not stat.S_ISREG(st.st_mode):
        return f"{path} is not a regular file"
    return _written_by_others(path, st) or folder_problem(path.parent, root)


__all__ = ["ALLOWED_GLOBALS", "BadFileError", "PickleNotTrustedError", "RestrictedUnpickler", "UnsafePickleError",
           "cache_entry_problem", "check_trust_pickle", "folder_problem", "load_pickle", "torch_load"]
