"""Recent history of a local git repository: commit subjects and the files they changed."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

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
        short_hash, subject, date = (header.split(_FIELD) + ["", ""])[:3]
        files = [f.strip() for f in files_part.splitlines() if f.strip()]
        shown = ", ".join(files[:8]) + (f" and {len(files) - 8} more" if len(files) > 8 else "")
        excerpt = f"{subject}." + (f" Changed: {shown}." if files else "")
        sources.append(Source(title=subject.strip() or short_hash, url=None, excerpt=excerpt,
                              kind=f"git:{short_hash}"))
    return sources


@dataclass
class GitLogReader:
    repo: str
    max_commits: int = 30
    timeout_s: float = 10.0

    @property
    def label(self) -> str:
        return f"git history of {self.repo}"

    async def read(self, topic: str, warn: Warn) -> list[Source]:
        # Arguments are a fixed list (no shell), and the repo path comes from configuration only.
        process = await asyncio.create_subprocess_exec(
            "git", "-C", self.repo, "log", f"-n{self.max_commits}", "--no-merges", "--name-only",
            f"--format={_RECORD}%h{_FIELD}%s{_FIELD}%ad", "--date=short",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with asyncio.timeout(self.timeout_s):
                stdout, stderr = await process.communicate()
        except TimeoutError as exc:
            raise SourceError(f"git log in {self.repo} took longer than {self.timeout_s:g} s") from exc
        finally:
            # Also on cancellation by the worker: never leave a git process behind.
            if process.returncode is None:
                process.kill()
                await process.wait()
        if process.returncode != 0:
            reason = stderr.decode(errors="replace").strip().splitlines()[:1]
            raise SourceError(f"git log failed in {self.repo}: {reason[0] if reason else process.returncode}")
        return parse_log(stdout.decode("utf-8", errors="replace"))
