"""A local folder of notes (.md / .txt), newest first."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG

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


# A note is parsed again only when its (mtime, size) changes: most runs re-read none.
NoteCache = dict[Path, tuple[tuple[int, int], Source]]


def read_folder(root: Path, warn: Warn, cache: NoteCache | None = None) -> list[Source]:
    if not root.is_dir():
        raise SourceError(f"notes folder {root} does not exist")
    cache = {} if cache is None else cache
    found = _notes_newest_first(root)
    sources: list[Source] = []
    for path, stat in found[:MAX_FILES]:
        version = (stat.st_mtime_ns, stat.st_size)
        if path not in cache or cache[path][0] != version:
            try:
                cache[path] = (version, read_note(path, root))
            except OSError as exc:
                warn(f"cannot read note {path.name}: {exc.strerror}")
                continue
        sources.append(cache[path][1].model_copy())  # callers may change what they are given
    for gone in set(cache) - {path for path, _ in found}:
        del cache[gone]
    return sources


def _notes_newest_first(root: Path) -> list[tuple[Path, os.stat_result]]:
    found = []
    for path in root.rglob("*"):
        if path.suffix.lower() in (".md", ".txt") and not any(
            part.startswith(".") for part in path.relative_to(root).parts
        ):
            with contextlib.suppress(OSError):
                stat = path.stat()
                if S_ISREG(stat.st_mode):
                    found.append((path, stat))
    return sorted(found, key=lambda f: f[1].st_mtime, reverse=True)


@dataclass
class NotesReader:
    folder: str
    _cache: NoteCache = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def label(self) -> str:
        return f"notes in {self.folder}"

    async def read(self, topic: str, warn: Warn) -> list[Source]:
        return await asyncio.to_thread(self._read_folder, warn)

    def _read_folder(self, warn: Warn) -> list[Source]:
        with self._lock:  # runs read in threads; they share the cache
            return read_folder(Path(self.folder).expanduser(), warn, self._cache)
