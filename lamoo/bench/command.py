"""The shape of a ``lamoo`` subcommand (a ``lamoo.commands`` entry point) and argument types.

A command is an object with ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int`` (the exit status). :class:`Command` is that object for the benchmark
commands; :meth:`Command.main` runs one without the ``lamoo`` CLI
(``python -m lamoo.bench.run ...``).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Callable

from lamoo.exceptions import LamooError


@dataclass(frozen=True)
class Command:
    """A subcommand: ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``."""

    HELP: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]

    def main(self, prog: str, argv: list[str] | None = None) -> int:
        """Parse ``argv`` (default: ``sys.argv[1:]``) and run; a :class:`LamooError` is printed
        as ``prog: error: ...`` with exit status 2, like an argument error."""
        parser = argparse.ArgumentParser(prog=prog, description=self.HELP)
        self.add_arguments(parser)
        args = parser.parse_args(argv)
        try:
            return self.run(args)
        except LamooError as exc:
            print(f"{prog}: error: {exc}", file=sys.stderr)
            return 2


def _integer_at_least(text: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low:
        raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    return _integer_at_least(text, 1)


def non_negative_int(text: str) -> int:
    """An argparse type: an integer >= 0."""
    return _integer_at_least(text, 0)


def fractions(text: str) -> tuple[float, ...]:
    """An argparse type: comma-separated fractions in (0, 1] (``"0.99,0.999"``)."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if not values or not all(0 < v <= 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected fractions in (0, 1], comma-separated, got {text!r}")
    return values
