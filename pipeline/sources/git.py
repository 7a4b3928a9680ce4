"""Recent history of a local git repository: commit subjects and the files they changed."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.base import Source
from pipeline.errors import SourceError
from pipeline.sources import Warn

_RECORD, _FIELD = "\x1e", "\x1f"


def parse_log(output: str) -> list[Source]:
    sources: list[Source] = []
    for record in output.split(_RECORD):
        if not record.strip():
            continue
        header, _, files_part = record.partition("\n")
        short_hash, subject, _date = (header.split(_FIELD) + ["", ""])[:3]
        files = [f.strip() for f in files_part.splitlines() if f.strip()]
        shown = ", ".join(files[:8]) + (f" and {len(files) - 8} more" if len(files) > 8 else "")
        excerpt = f"{subject}." + (f" Changed: {shown}." if files else "")
        sources.append(Source(title=subject.strip() or short_hash, url=None, excerpt=excerpt, kind=f"git:{short_hash}"))
    return sources


def head_commit(git_dir: Path, common_dir: Path) -> str | None:
    """HEAD's commit, read from the files git keeps it in; None when only git itself can tell
    (e.g. a reftable repository)."""
    try:
        head = (git_dir / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head or None  # detached
        ref = head[len("ref: ") :]
        for base in (git_dir, common_dir):  # a loose ref wins over packed-refs, as in git
            with contextlib.suppress(OSError):
                return (base / ref).read_text().strip() or None
        for line in (common_dir / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0]
    except OSError:
        pass
    return None


@dataclass
class GitLogReader:
    repo: str
    max_commits: int = 30
    timeout_s: float = 10.0
    # History below a commit never changes: the log is kept until HEAD moves.
    _dirs: tuple[Path, Path] | None = field(default=None, repr=False, compare=False)
    _cached: tuple[str, list[Source]] | None = field(default=None, repr=False, compare=False)

    @property
    def label(self) -> str:
        return f"git history of {self.repo}"

    async def read(self, topic: str, warn: Warn) -> list[Source]:
        head = await self._head()
        if head is None or self._cached is None or self._cached[0] != head:
            sources = parse_log(
                await self._git(
                    "log",
                    f"-n{self.max_commits}",
                    "--no-merges",
                    "--name-only",
                    f"--format={_RECORD}%h{_FIELD}%s{_FIELD}%ad",
                    "--date=short",
                )
            )
            self._cached = (head, sources) if head is not None else None
        else:
            sources = self._cached[1]
        return [source.model_copy() for source in sources]  # callers may change what they are given

    async def _head(self) -> str | None:
        if self._dirs is None:
            try:
                found = (await self._git("rev-parse", "--absolute-git-dir", "--git-common-dir")).splitlines()
            except SourceError:
                return None  # `git log` says what is wrong, in its own words
            self._dirs = (Path(found[0]), (Path(self.repo) / found[1]).resolve())
        return head_commit(*self._dirs)

    async def _git(self, *args: str) -> str:
        # Arguments are a fixed list (no shell), and the repo path comes from configuration only.
        process = await asyncio.create_subprocess_exec(
            "git", "-C", self.repo, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        try:
            async with asyncio.timeout(self.timeout_s):
                stdout, stderr = await process.communicate()
        except TimeoutError as exc:
            raise SourceError(f"git {args[0]} in {self.repo} took longer than {self.timeout_s:g} s") from exc
        finally:
            # Also on cancellation by the worker: never leave a git process behind.
            if process.returncode is None:
                process.kill()
                await process.wait()
        if process.returncode != 0:
            reason = stderr.decode(errors="replace").strip().splitlines()[:1]
            raise SourceError(f"git {args[0]} failed in {self.repo}: {reason[0] if reason else process.returncode}")
        return stdout.decode("utf-8", errors="replace")
