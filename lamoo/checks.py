"""Argument checks for constructors and entry points: each raises
:class:`~lamoo.exceptions.InvalidInputError` naming the argument, the allowed range and the value."""
from __future__ import annotations

import math
import numbers

import numpy as np

from lamoo.exceptions import InvalidInputError


def check_int(value, name: str, minimum: int, *, allow_none: bool = False):
    """``value`` as an int ``>= minimum`` (or None when allowed)."""
    if value is None and allow_none:
        return None
    if not (isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)) and value >= minimum):
        raise InvalidInputError(f"{name} must be {'None or ' if allow_none else ''}an integer >= {minimum}, "
                                f"got {value!r}")
    return int(value)


def check_number(value, name: str, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, allow_none: bool = False):
    """``value`` as a finite float within ``[low, high]`` (``(low, high]`` when ``low_open``);
    infinities, NaN and bools are rejected."""
    if value is None and allow_none:
        return None
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and math.isfinite(value)
    ok = ok and (low is None or (value > low if low_open else value >= low)) and (high is None or value <= high)
    if not ok:
        if low is not None and high is not None:
            allowed = f" in {'(' if low_open else '['}{low:g}, {high:g}]"
        elif low is not None:
            allowed = f" {'>' if low_open else '>='} {low:g}"
        else:
            allowed = f" <= {high:g}" if high is not None else ""
        raise InvalidInputError(f"{name} must be {'None or ' if allow_none else ''}a finite number{allowed}, "
                                f"got {value!r}")
    return float(value)


def check_choice(value, name: str, choices):
    """``value`` if it is one of ``choices``."""
    if value not in choices:
        raise InvalidInputError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_bool(value, name: str) -> bool:
    """``value`` if it is True or False (not a truthy string or number)."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidInputError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_sampler(sampler, name: str = "sampler"):
    """``sampler`` if it is a sampler object: one with a ``propose`` method, and not a class
    (``RandomSampler`` instead of ``RandomSampler()``)."""
    if isinstance(sampler, type):
        raise InvalidInputError(f"{name} must be a sampler object, got the class {sampler.__name__}: "
                                f"pass an instance, e.g. {sampler.__name__}()")
    if not callable(getattr(sampler, "propose", None)):
        raise InvalidInputError(f"{name} must implement propose(region, archive, n, rng), got {sampler!r}")
    return sampler


_KIND_NAMES = {"b": "bools", "c": "complex numbers", "U": "strings", "S": "bytes", "M": "dates", "m": "time spans",
               "V": "structured values"}


def as_real_array(value, what: str, *, allow_bool: bool = False) -> np.ndarray:
    """``value`` as a float64 array, or :class:`InvalidInputError` naming ``what`` when it holds
    anything but real numbers: strings, None, complex numbers, ragged lists, or bools unless
    ``allow_bool``. NaN and infinities pass (callers check what they allow)."""
    try:
        a = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{what} must be a numeric array of real numbers, got {_short(value)} ({exc})") from None
    if a.dtype.kind in "iuf" and (allow_bool or not _holds_bool(value)):
        return a.astype(float)
    if allow_bool and a.dtype.kind == "b":
        return a.astype(float)
    if a.dtype.kind == "O":
        bad = [v for v in a.ravel() if not isinstance(v, numbers.Real)
               or (isinstance(v, (bool, np.bool_)) and not allow_bool)]
        if not bad:
            return a.astype(float)
        found = repr(bad[0])
    else:
        found = _KIND_NAMES.get("b" if a.dtype.kind in "iuf" else a.dtype.kind, f"dtype {a.dtype}")
    raise InvalidInputError(f"{what} must be a numeric array of real numbers, got {found} in {_short(value)}")


def _holds_bool(value) -> bool:
    """Whether a (nested) list or tuple holds a bool, which NumPy would turn into 0 or 1."""
    if isinstance(value, (list, tuple)):
        return any(isinstance(v, (bool, np.bool_)) or _holds_bool(v) for v in value)
    return False


def _short(value, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
