"""Print pip constraints that pin every dependency of lamoo (core and the extras) to the
floor pyproject.toml declares: ``name>=X`` becomes ``name==X``. The minimum-versions CI job
installs with them, so the floors are the versions the tests actually ran against.

torch is left out: the README pins it (``torch==2.13.0``, installed first as the CPU build), and
the CPU builds of older torch releases are not on PyPI; its floor is set from the APIs lamoo and
its back ends call.

    python3 .ci/min_constraints.py > min-constraints.txt
"""
import re
import sys
import tomllib
from pathlib import Path

UNPINNED = {"torch"}


def floors(pyproject: Path) -> dict[str, str]:
    """``{name: floor}`` of the core dependencies and every extra (each must say ``name>=X``, and
    a name in several lists must have one floor)."""
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    out = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)(\[[^\]]*\])?>=([0-9][^,;\s]*)", requirement.replace(" ", ""))
        if match is None:
            sys.exit(f"{pyproject}: {requirement!r} does not declare a floor as 'name>=version'")
        name, version = match.group(1).lower().replace("_", "-"), match.group(3)
        if out.get(name, version) != version:
            sys.exit(f"{pyproject}: {name} has two floors, {out[name]} and {version}")
        out[name] = version
    return out


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    for name, version in sorted(floors(root / "pyproject.toml").items()):
        if name not in UNPINNED:
            print(f"{name}=={version}")
