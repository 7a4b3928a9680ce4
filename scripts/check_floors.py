"""Check that every dependency floor in pyproject.toml is the version the lowest-versions run uses.

The floors (``>=X``, ``==X.*``, ``~=X``) of the runtime dependencies and of the ``test`` extra must
each equal the pin of that package in .ci/lowest-requirements.txt, so a floor cannot be raised or
lowered without the lowest-versions run proving it. With ``--installed``, the running interpreter's
installed distributions must also be exactly those pins (what ``pip freeze`` would list).

Exit 0 when everything agrees, 1 with one line per problem otherwise.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "signoff"
# The pins are resolved for this environment (scripts/lowest-pins), so markers are judged in it.
PINNED_ENVIRONMENT = {
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "platform_machine": "x86_64",
    "extra": "test",
}
FLOOR_OPERATORS = (">=", "==", "~=")


@dataclass(frozen=True)
class Floor:
    name: str
    version: Version
    requirement: str


def direct_requirements(pyproject: Mapping[str, object]) -> list[Requirement]:
    project = pyproject["project"]
    assert isinstance(project, dict)
    lines = list(project.get("dependencies", []))
    lines += list(project.get("optional-dependencies", {}).get("test", []))
    return [Requirement(line) for line in lines]


def floor_of(requirement: Requirement) -> Version | None:
    """The lowest version a requirement admits, when it says so with >=, ==, == .* or ~=."""
    floors = []
    for spec in requirement.specifier:
        if spec.operator in FLOOR_OPERATORS:
            floors.append(Version(spec.version.removesuffix(".*")))
    return max(floors, default=None)


def read_floors(pyproject: Mapping[str, object]) -> tuple[list[Floor], list[str]]:
    floors: list[Floor] = []
    problems: list[str] = []
    for requirement in direct_requirements(pyproject):
        if requirement.marker is not None and not requirement.marker.evaluate(PINNED_ENVIRONMENT):
            continue
        version = floor_of(requirement)
        if version is None:
            problems.append(f"{requirement}: states no floor (add >=, the lowest version that works)")
            continue
        floors.append(Floor(canonicalize_name(requirement.name), version, str(requirement)))
    return floors, problems


def read_pins(lines: Iterable[str]) -> tuple[dict[str, Version], list[str]]:
    pins: dict[str, Version] = {}
    problems: list[str] = []
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        try:
            if not sep:
                raise InvalidVersion(line)
            pins[canonicalize_name(name.strip())] = Version(version.strip())
        except InvalidVersion:
            problems.append(f"pins: '{line}' is not name==version")
    return pins, problems


def compare_floors(floors: list[Floor], pins: Mapping[str, Version]) -> list[str]:
    problems = []
    for floor in floors:
        pinned = pins.get(floor.name)
        if pinned is None:
            problems.append(f"{floor.requirement}: not in the pins")
        elif pinned != floor.version:
            problems.append(f"{floor.requirement}: floor {floor.version}, but the lowest run pins {pinned}")
    return problems


def installed_versions() -> dict[str, Version]:
    found = {}
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        if name != PROJECT:
            found[name] = Version(dist.version)
    return found


def compare_installed(pins: Mapping[str, Version], installed: Mapping[str, Version]) -> list[str]:
    problems = []
    for name, version in sorted(pins.items()):
        have = installed.get(name)
        if have != version:
            problems.append(f"{name}: pinned {version}, installed {have or 'nothing'}")
    for name in sorted(set(installed) - set(pins)):
        problems.append(f"{name}: installed {installed[name]}, but not in the pins")
    return problems


def check(pyproject_path: Path, pins_path: Path, installed: Mapping[str, Version] | None) -> list[str]:
    pyproject = tomllib.loads(pyproject_path.read_text(encoding="utf-8"))
    floors, problems = read_floors(pyproject)
    pins, pin_problems = read_pins(pins_path.read_text(encoding="utf-8").splitlines())
    problems += pin_problems + compare_floors(floors, pins)
    if installed is not None:
        problems += compare_installed(pins, installed)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml")
    parser.add_argument("--pins", type=Path, default=ROOT / ".ci" / "lowest-requirements.txt")
    parser.add_argument(
        "--installed", action="store_true", help="also require this interpreter's packages to be exactly the pins"
    )
    args = parser.parse_args(argv)
    problems = check(args.pyproject, args.pins, installed_versions() if args.installed else None)
    if problems:
        for problem in problems:
            print(f"floors: {problem}", file=sys.stderr)
        print(
            f"floors: {len(problems)} problem(s); after changing a floor run scripts/lowest-pins, "
            "then scripts/test-lowest",
            file=sys.stderr,
        )
        return 1
    where = "installed and pinned" if args.installed else "pinned"
    print(f"floors: every floor in {args.pyproject.name} is the version {where} in {args.pins.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
