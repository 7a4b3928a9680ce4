"""The arrows of docs/architecture.md, checked on the import statements of every module: a backward
import (a listener reaching into the worker's jobs, storage importing the bot, a job reading
settings) fails here, naming the file, the line and the rule it breaks."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("bot", "launch", "pipeline", "destinations", "storage", "worker")


@dataclass(frozen=True)
class Rule:
    name: str
    source: str  # a module prefix: the rule applies to modules inside it
    forbidden: tuple[str, ...]  # module prefixes they may not import
    allowed_sources: tuple[str, ...] = ()  # exceptions: modules inside `source` the rule does not bind
    allowed_targets: tuple[str, ...] = ()  # exceptions: modules inside `forbidden` they may import


RULES = (
    Rule(
        "storage is the core: it imports nothing else of ours",
        "storage",
        ("bot", "launch", "worker", "pipeline", "destinations"),
    ),
    Rule(
        "the pipeline imports nothing else of ours", "pipeline", ("bot", "launch", "worker", "storage", "destinations")
    ),
    Rule(
        "destinations import nothing else of ours", "destinations", ("bot", "launch", "worker", "storage", "pipeline")
    ),
    Rule("nothing in bot/ imports the worker's or the launcher's composition", "bot", ("worker", "launch")),
    Rule(
        "listeners record and answer; the worker's jobs, the pipeline and destinations are not theirs",
        "bot.listeners",
        ("bot.jobs", "bot.process", "pipeline", "destinations"),
    ),
    Rule(
        "the worker's jobs never reach into Slack input or the bot process",
        "bot.jobs",
        ("bot.listeners", "bot.process"),
    ),
    Rule(
        "Slack output knows no listener, job, pipeline or destination",
        "bot.slack",
        ("bot.listeners", "bot.jobs", "bot.process", "pipeline", "destinations"),
    ),
    Rule(
        "Block Kit builders and parsers are pure",
        "bot.blocks",
        (
            "bot.listeners",
            "bot.jobs",
            "bot.process",
            "bot.slack",
            "bot.queue",
            "bot.settings",
            "pipeline",
            "destinations",
            "aiohttp",
            "httpx",
            "slack_sdk",
            "slack_bolt",
            "arq",
            "redis",
        ),
    ),
    Rule(
        "parsers are pure; of the builders they use only the escaping leaf, bot.blocks.text",
        "bot.parsing",
        (
            "bot.blocks",
            "bot.listeners",
            "bot.jobs",
            "bot.process",
            "bot.slack",
            "bot.queue",
            "bot.settings",
            "pipeline",
            "destinations",
            "aiohttp",
            "httpx",
            "slack_sdk",
            "slack_bolt",
            "arq",
            "redis",
        ),
        allowed_targets=("bot.blocks.text",),
    ),
    Rule(
        "settings are read only in the composition roots",
        "bot",
        ("bot.settings",),
        allowed_sources=("bot.process", "bot.jobs.configs", "bot.redaction", "bot.settings"),
    ),
    Rule(
        "destinations and the pipeline are wired in only by the worker's jobs and the composition roots",
        "bot",
        ("destinations", "pipeline"),
        allowed_sources=("bot.jobs", "bot.process"),
    ),
    Rule(
        "turning settings into job configs is the composition roots' business",
        "bot",
        ("bot.jobs.configs",),
        allowed_sources=("bot.jobs.configs",),
    ),
)


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # what it imports, dotted
    where: str  # path:line


def within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> list[Import]:
    """Absolute imports and `from . import` forms resolved against the module's package; imports
    guarded by `if TYPE_CHECKING:` count too (a type is still an arrow)."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from bot.jobs import configs` imports the module bot.jobs.configs; `from bot.jobs.configs
            # import job_config` imports bot.jobs.configs.
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                as_path = root.joinpath(*submodule.split("."))
                is_module = as_path.with_suffix(".py").is_file() or (as_path / "__init__.py").is_file()
                targets.append(submodule if is_module else base)
        else:
            continue
        for target in targets:
            found.append(Import(module, target, f"{path.relative_to(root)}:{node.lineno}"))
    return found


def project_modules(root: Path) -> list[Path]:
    paths = []
    for top in PROJECT:
        package, single = root / top, root / f"{top}.py"
        if single.is_file():
            paths.append(single)
        if package.is_dir():
            paths.extend(p for p in sorted(package.rglob("*.py")) if "migrations" not in p.parts)
    return paths


def violations(root: Path) -> list[str]:
    broken = []
    for path in project_modules(root):
        for imp in imports_of(path, root):
            for rule in RULES:
                if not within(imp.module, rule.source):
                    continue
                if any(within(imp.module, allowed) for allowed in rule.allowed_sources):
                    continue
                if within(imp.target, imp.module):
                    continue
                if any(within(imp.target, allowed) for allowed in rule.allowed_targets):
                    continue
                if any(within(imp.target, forbidden) for forbidden in rule.forbidden):
                    broken.append(f"{imp.where}: {imp.module} imports {imp.target} — {rule.name}")
    return sorted(set(broken))


def test_every_import_points_the_allowed_way() -> None:
    assert violations(ROOT) == []


def test_the_check_sees_the_project() -> None:
    # A check that reads nothing passes forever: make sure it read the packages and their arrows.
    modules = {module_name(p, ROOT) for p in project_modules(ROOT)}
    assert {
        "worker",
        "storage.transitions",
        "bot.listeners.views",
        "bot.jobs.publish",
        "destinations.x",
        "pipeline.edits",
        "launch.cli",
    } <= modules
    targets = {imp.target for imp in imports_of(ROOT / "bot" / "listeners" / "views.py", ROOT)}
    assert "storage.transitions" in targets and "bot.listeners.deps" in targets


@pytest.mark.parametrize(
    ("module", "line", "rule"),
    [
        ("storage/sneaky.py", "from bot.blocks import replies", "storage is the core"),
        ("bot/listeners/sneaky.py", "from bot.jobs.publish import publish_draft", "listeners record and answer"),
        ("bot/listeners/sneaky.py", "import destinations.x", "listeners record and answer"),
        ("bot/listeners/sneaky.py", "from ..jobs import run", "listeners record and answer"),
        ("bot/jobs/sneaky.py", "from bot.settings import Settings", "settings are read only"),
        ("bot/slack/sneaky.py", "from bot import worker_stuff\nimport worker", "nothing in bot/ imports"),
        ("bot/blocks/sneaky.py", "from slack_sdk.web.async_client import AsyncWebClient", "pure"),
        (
            "bot/listeners/sneaky.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pipeline.base import Source",
            "listeners record and answer",
        ),
        ("bot/blocks/sneaky.py", "from bot.jobs.configs import job_config", "composition roots' business"),
        ("pipeline/sneaky.py", "from storage.models import Draft", "the pipeline imports nothing"),
        ("bot/parsing/sneaky.py", "from bot.blocks import replies", "the escaping leaf"),
        ("bot/parsing/sneaky.py", "from bot.blocks.modals import submitted_text", "the escaping leaf"),
    ],
)
def test_a_backward_import_fails_the_check(tmp_path: Path, module: str, line: str, rule: str) -> None:
    path = tmp_path / module
    path.parent.mkdir(parents=True)
    for parent in path.relative_to(tmp_path).parents:
        if parent != Path("."):
            (tmp_path / parent / "__init__.py").touch()
    path.write_text(line + "\n")
    found = violations(tmp_path)
    assert any(rule in v for v in found), found
