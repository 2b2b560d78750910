"""Helpers of the property-based tests (Hypothesis).

Each property runs :data:`FAST` examples in the default suite, derandomized (the same examples on
every run, no example database written), and :data:`THOROUGH` random ones when a test marked
``slow`` calls its ``thorough()`` (see :func:`prop`).
"""
from __future__ import annotations

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402

from lamoo.exceptions import LamooError  # noqa: E402

FAST = 25
THOROUGH = 400
_COMMON = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck))


def prop(*strategies):
    """Make ``fn`` a Hypothesis test of ``strategies`` with :data:`FAST` derandomized examples;
    ``test.thorough()`` runs the same property on :data:`THOROUGH` random examples."""
    def wrap(fn):
        test = settings(max_examples=FAST, derandomize=True, **_COMMON)(given(*strategies)(fn))
        test.thorough = lambda: settings(max_examples=THOROUGH, **_COMMON)(given(*strategies)(fn))()
        return test

    return wrap


def result_or_named_error(call, *names: str):
    """``call()``'s result, or None when it raised a :class:`LamooError` whose message contains
    every one of ``names``; any other exception (or a message that names nothing) fails."""
    try:
        return call()
    except LamooError as exc:
        missing = [n for n in names if n not in str(exc)]
        assert not missing, f"{type(exc).__name__} does not name {missing}: {exc}"
        return None
