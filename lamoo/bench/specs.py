"""The grammar of a grid's arguments: ``NAME[:KEY=VALUE[:KEY=VALUE...]]`` for tasks and
methods, comma-separated lists, and seed sets (``0-9``, ``0,3,7``).

A spec string names a registered task or method and, optionally, options for it, e.g.
``dtlz2:dim=8`` or ``lamoo-random:cp_fraction=0.05:leaf_size=20``. Values are read as JSON when
they parse (``0.05``, ``true``, ``"rbf"``), as plain strings otherwise. A spec's *label* is its
canonical form (options sorted by key) and names its result files, so the same run always maps
to the same file whatever order the options were written in.
"""
from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass, field

from lamoo.exceptions import InvalidInputError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def parse_value(text: str):
    """JSON when it parses (numbers, booleans, null, quoted strings, lists), else the text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def format_value(value) -> str:
    """A value as it is written in a label: strings as they are, anything else as compact JSON."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def parse_key_values(pairs, what: str) -> dict:
    """``["k=v", ...]`` -> ``{"k": parsed v}`` (dashes in keys become underscores)."""
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidInputError(f"{what} expects KEY=VALUE, got {pair!r}")
        out[key.strip().replace("-", "_")] = parse_value(value.strip())
    return out


@dataclass(frozen=True)
class Spec:
    """A parsed ``NAME[:KEY=VALUE...]``: ``name`` and its ``options``."""

    name: str
    options: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str, what: str = "spec") -> "Spec":
        text = text.strip()
        name, *pairs = text.split(":")
        if not _NAME.match(name):
            raise InvalidInputError(f"{what} {text!r}: the name must be letters, digits, '-', '_' or '.', "
                                    f"optionally followed by :KEY=VALUE options")
        return cls(name, parse_key_values(pairs, f"{what} {text!r}"))

    def with_options(self, extra: dict) -> "Spec":
        """A copy with ``extra`` added (``extra`` does not override the spec's own options)."""
        return Spec(self.name, {**extra, **self.options})

    @property
    def label(self) -> str:
        return ":".join([self.name] + [f"{k}={format_value(self.options[k])}" for k in sorted(self.options)])


def split_list(values) -> list[str]:
    """Command-line lists: each argument may itself be a comma-separated list."""
    out = []
    for value in values or []:
        out += [v for v in (s.strip() for s in value.split(",")) if v]
    return out


def filename_part(label: str) -> str:
    """A label made safe for a file name (``:`` -> ``+``; anything unusual -> ``_``)."""
    return re.sub(r"[^A-Za-z0-9._+=-]", "_", label.replace(":", "+"))


def run_filename(task_label: str, method_label: str, seed: int) -> str:
    """The file name of one run: ``<task>__<method>__s<seed>.json``."""
    return f"{filename_part(task_label)}__{filename_part(method_label)}__s{seed}.json"


def parse_seeds(text: str) -> list[int]:
    """``"0-9"``, ``"0,3,7"``, ``"5"`` or a mix (``"0-4,10"``) -> sorted distinct seeds; an
    :class:`argparse.ArgumentTypeError` naming the text otherwise (``--seeds`` reads it)."""
    seeds: set[int] = set()
    try:
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            if "-" in part:
                lo, hi = (int(v) for v in part.split("-", 1))
                if hi < lo:
                    raise ValueError
                seeds.update(range(lo, hi + 1))
            else:
                seeds.add(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds must look like '0-9', '0,3,7' or '5', got {text!r}") from None
    if not seeds or min(seeds) < 0:
        raise argparse.ArgumentTypeError(f"seeds must be non-negative integers, got {text!r}")
    return sorted(seeds)


def seeds_text(seeds) -> str:
    """Seeds as :func:`parse_seeds` reads them back: runs of 3 or more consecutive seeds as
    ``lo-hi`` (``[0, 1, 2, 3, 7, 9]`` -> ``"0-3,7,9"``)."""
    seeds = sorted(set(int(s) for s in seeds))
    parts, start = [], 0
    for i in range(1, len(seeds) + 1):
        if i == len(seeds) or seeds[i] != seeds[i - 1] + 1:
            run = seeds[start:i]
            parts += [f"{run[0]}-{run[-1]}"] if len(run) >= 3 else [str(v) for v in run]
            start = i
    return ",".join(parts)
