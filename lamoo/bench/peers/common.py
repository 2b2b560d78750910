"""What every peer shares: option checking and the sizes of the successive asks."""
from __future__ import annotations

import numbers

from lamoo.exceptions import InvalidInputError


def check_options(options: dict, allowed: dict, who: str) -> dict:
    """``allowed`` (the defaults) updated with ``options``: an error naming ``who`` for an unknown
    key, or for a value that is not a positive number (``None`` allowed) where the default is not a
    bool, or not a bool where it is."""
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise InvalidInputError(f"{who}: unknown option(s) {unknown}; allowed: {sorted(allowed)}")
    out = dict(allowed)
    for key, value in options.items():
        if isinstance(allowed[key], bool):
            if not isinstance(value, bool):
                raise InvalidInputError(f"{who}: option {key} must be true or false, got {value!r}")
        elif not (value is None or (isinstance(value, numbers.Real) and not isinstance(value, bool) and value > 0)):
            raise InvalidInputError(f"{who}: option {key} must be a positive number, got {value!r}")
        out[key] = value
    return out


def batch_sizes(budget: int, n_init: int, batch_size: int):
    """Sizes of the successive asks: the initial design, then batches, cut at the budget."""
    done = 0
    first = min(n_init, budget)
    if first > 0:
        yield first
        done = first
    while done < budget:
        k = min(batch_size, budget - done)
        yield k
        done += k
