"""Entry points for the length of a test, registered as an installed package registers them."""
from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterator, Mapping


def write_entry_points(folder, groups: Mapping[str, Mapping[str, str]],
                       distribution: str = "lamoo-testing-plugins") -> Path:
    """Write a ``*.dist-info`` folder declaring ``groups`` (``{group: {name: "module:attribute"}}``)
    into ``folder`` (created if needed) and return ``folder``: once ``folder`` is on ``sys.path``
    (e.g. ``monkeypatch.syspath_prepend``), :mod:`importlib.metadata`, and so
    :mod:`lamoo.plugins`, finds these entry points as it finds an installed package's."""
    folder = Path(folder)
    info = folder / f"{distribution.replace('-', '_')}-0.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 0.0\n")
    (info / "entry_points.txt").write_text("".join(
        f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in entries.items()) + "\n"
        for group, entries in groups.items()))
    return folder


@contextlib.contextmanager
def registered_entry_points(groups: Mapping[str, Mapping[str, str]],
                            distribution: str = "lamoo-testing-plugins") -> Iterator[Path]:
    """Register ``groups`` for the duration of the ``with`` block (see :func:`write_entry_points`;
    the folder is temporary and put first on ``sys.path``). Yields that folder::

        with registered_entry_points({"lamoo.samplers": {"mine": "tests.test_mine:MySampler"}}):
            sampler = lamoo.plugins.get_sampler("mine")
    """
    root = write_entry_points(tempfile.mkdtemp(prefix="lamoo-entry-points-"), groups, distribution)
    sys.path.insert(0, str(root))
    try:
        yield root
    finally:
        if str(root) in sys.path:
            sys.path.remove(str(root))
        shutil.rmtree(root, ignore_errors=True)
