"""A local folder of notes (.md / .txt), newest first."""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.base import Source
from pipeline.errors import SourceError
from pipeline.sources import Warn

MAX_FILES = 50
MAX_FILE_BYTES = 200_000
_MARKUP = re.compile(r"^\s{0,3}(#{1,6}\s+|[-*+]\s+|>\s?)", re.MULTILINE)


def read_note(path: Path, root: Path) -> Source:
    raw = path.read_bytes()[:MAX_FILE_BYTES].decode("utf-8", errors="replace")
    title = path.stem.replace("-", " ").replace("_", " ")
    for line in raw.splitlines():
        if line.strip():
            # A leading markdown heading is the note's own title.
            if line.lstrip().startswith("#"):
                title = line.lstrip("# ").strip()
                raw = raw.replace(line, "", 1)
            break
    text = " ".join(_MARKUP.sub("", raw).split())
    return Source(title=title, url=None, excerpt=text[:4000], kind=f"notes:{path.relative_to(root)}")


def read_folder(root: Path, warn: Warn) -> list[Source]:
    if not root.is_dir():
        raise SourceError(f"notes folder {root} does not exist")
    files = [p for p in root.rglob("*") if p.suffix.lower() in (".md", ".txt") and p.is_file()
             and not any(part.startswith(".") for part in p.relative_to(root).parts)]
    files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    sources: list[Source] = []
    for path in files[:MAX_FILES]:
        try:
            sources.append(read_note(path, root))
        except OSError as exc:
            warn(f"cannot read note {path.name}: {exc.strerror}")
    return sources


@dataclass
class NotesReader:
    folder: str

    @property
    def label(self) -> str:
        return f"notes in {self.folder}"

    async def read(self, topic: str, warn: Warn) -> list[Source]:
        return await asyncio.to_thread(read_folder, Path(self.folder).expanduser(), warn)
