"""Statistics of hypervolume traces: samples to a threshold (right-censored), quantiles that
respect censoring, and ratios of medians.

A run that never reaches a threshold within its ``n`` evaluations is *censored*: all we know is
that it would need more than ``n``. Quantiles are order statistics with numpy's linear
interpolation, computed twice: censored runs placed just at their budget, and placed above every
other value. Where both agree the quantile is exact; otherwise it is a lower bound, reported as
``> v`` (and as ``> budget`` when it falls among censored runs only). With every run censored
at the same budget this is exactly the Kaplan-Meier quantile.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_ABOVE_ALL = 1e15  # stands for "not reached" when placing censored runs above every count


@dataclass(frozen=True)
class Bounded:
    """A number that is exact (``kind == "="``), a lower bound (``">"``: the true value is
    larger) or an upper bound (``"<"``); ``kind == "?"``: unknown."""

    value: float
    kind: str = "="

    def format(self, fmt: str = "{:g}") -> str:
        if self.kind == "?" or not np.isfinite(self.value):
            return "n/a"
        text = fmt.format(self.value)
        return text if self.kind == "=" else f"{self.kind} {text}"


def samples_to_reach(trace, target: float) -> tuple[int, bool]:
    """``(k, censored)``: ``k`` is the number of evaluations after which the hypervolume trace
    first reaches ``target`` (1-based); if it never does, ``(len(trace), True)``."""
    trace = np.asarray(trace, dtype=float)
    hit = np.flatnonzero(trace >= target)
    if len(hit):
        return int(hit[0]) + 1, False
    return len(trace), True


def censored_quantiles(values, censored, qs=(25, 50, 75)) -> list[Bounded]:
    """Percentiles ``qs`` of right-censored ``values`` (a censored value ``c`` means "more than
    ``c``"); see the module docstring."""
    values = np.asarray(values, dtype=float)
    censored = np.asarray(censored, dtype=bool)
    if len(values) == 0:
        return [Bounded(np.nan, "?") for _ in qs]
    low = np.percentile(values, qs)
    high = np.percentile(np.where(censored, _ABOVE_ALL, values), qs)
    out = []
    for lo, hi in zip(low, high):
        out.append(Bounded(float(lo), "=") if np.isclose(lo, hi, rtol=1e-12, atol=1e-9) else Bounded(float(lo), ">"))
    return out


def quantiles(values, qs=(25, 50, 75)) -> list[Bounded]:
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return [Bounded(np.nan, "?") for _ in qs]
    return [Bounded(float(v)) for v in np.percentile(values, qs)]


def ratio(numerator: Bounded, denominator: Bounded) -> Bounded:
    """``numerator / denominator`` with bounds carried through (both positive): a lower-bounded
    numerator gives a lower bound, a lower-bounded denominator an upper bound, both: unknown."""
    if numerator.kind == "?" or denominator.kind == "?" or not denominator.value > 0:
        return Bounded(np.nan, "?")
    r = numerator.value / denominator.value
    kinds = (numerator.kind, denominator.kind)
    if kinds == ("=", "="):
        return Bounded(r, "=")
    if kinds == (">", "="):
        return Bounded(r, ">")
    if kinds == ("=", ">"):
        return Bounded(r, "<")
    return Bounded(np.nan, "?")


def pad_trace(trace, length: int) -> np.ndarray:
    """A trace extended to ``length`` with its last value (a run that stopped early keeps its
    hypervolume)."""
    trace = np.asarray(trace, dtype=float)
    if len(trace) >= length:
        return trace[:length]
    last = trace[-1] if len(trace) else 0.0
    return np.concatenate([trace, np.full(length - len(trace), last)])
