"""Where material comes from: one module per kind, each a `SourceReader`.

A reader raises `SourceError` (or anything else) when it fails as a whole, and calls `warn` for a
part it had to skip; the collect stage turns both into warnings so one broken feed never sinks a run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from pipeline.base import Source

Warn = Callable[[str], None]


class SourceReader(Protocol):
    @property
    def label(self) -> str: ...

    async def read(self, topic: str, warn: Warn) -> list[Source]: ...
