"""Argument checks for constructors and entry points: each raises
:class:`~lamoo.exceptions.InvalidInputError` naming the argument, the allowed range and the value."""
from __future__ import annotations

import numbers

from lamoo.exceptions import InvalidInputError


def check_int(value, name: str, minimum: int, *, allow_none: bool = False):
    """``value`` as an int ``>= minimum`` (or None when allowed)."""
    if value is None and allow_none:
        return None
    if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= minimum):
        raise InvalidInputError(f"{name} must be {'None or ' if allow_none else ''}an integer >= {minimum}, "
                                f"got {value!r}")
    return int(value)


def check_number(value, name: str, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, allow_none: bool = False):
    """``value`` as a float within ``[low, high]`` (``(low, high]`` when ``low_open``)."""
    if value is None and allow_none:
        return None
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and (low is None or (value > low if low_open else value >= low)) and (high is None or value <= high)
    if not ok:
        if low is not None and high is not None:
            allowed = f"in {'(' if low_open else '['}{low:g}, {high:g}]"
        elif low is not None:
            allowed = f"{'>' if low_open else '>='} {low:g}"
        else:
            allowed = f"<= {high:g}" if high is not None else "a number"
        raise InvalidInputError(f"{name} must be {'None or ' if allow_none else ''}a number {allowed}, got {value!r}")
    return float(value)


def check_choice(value, name: str, choices):
    """``value`` if it is one of ``choices``."""
    if value not in choices:
        raise InvalidInputError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value
