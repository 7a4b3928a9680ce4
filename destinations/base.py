"""The contract every destination implements, and the values that cross it.

A destination turns an approved text into one or more `Part`s (`format`), says what is wrong
with them before anything is sent (`preflight`), and sends one part (`publish`). It knows nothing
about Slack, the pipeline or the database: the worker claims a publication row before calling
`publish` and records the `PublishResult` afterwards.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from destinations.media.image import Image
from destinations.media.limits import MediaLimits

# The one preflight problem every destination shares.
EMPTY_TEXT = "the text is empty"


class LengthUnit(str, Enum):
    """How a platform counts a post; destinations/lengths.py holds the one function for each."""

    characters = "characters"  # code points
    graphemes = "graphemes"  # Bluesky: grapheme clusters, within its UTF-8 byte cap too
    x_weighted = "x_weighted"  # twitter-text's weighted length
    mastodon = "mastodon"  # graphemes, every http(s) link as 23, @user@domain as @user


@dataclass(frozen=True)
class Capabilities:
    max_length: int | None
    length_unit: LengthUnit = LengthUnit.characters
    threads: bool = False
    markdown: bool = False
    media: bool = False
    idempotency_keys: bool = False
    rate_limit_per_min: int | None = None
    # False where a second call after an unknown outcome could post twice.
    safe_to_retry_unknown: bool = False
    # True where Signoff never calls `publish`: a human copies the formatted text (LinkedIn).
    handoff: bool = False
    # What images it takes (destinations/media/limits.py); None: it cannot carry any.
    media_limits: MediaLimits | None = None


@dataclass(frozen=True)
class Post:
    """What the worker asks a destination to publish: exactly the approved revision."""

    draft_id: int
    revision: int
    text: str
    sha256: str
    approved_by: str
    title: str | None = None
    tags: tuple[str, ...] = ()
    # Cleaned images (destinations/media/image.py), in the order they appear; they go with part 1.
    images: tuple[Image, ...] = ()


@dataclass(frozen=True)
class Part:
    """One network call's worth of a post: the whole post, or one part of a thread."""

    index: int
    text: str


@dataclass(frozen=True)
class PublishResult:
    external_id: str | None = None
    url: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Destination(Protocol):
    name: str
    capabilities: Capabilities

    def format(self, post: Post) -> list[Part]: ...

    def preflight(self, post: Post) -> list[str]:
        """Human-readable problems that would make publishing fail; empty when fine."""
        ...

    async def publish(self, post: Post, part: Part, *, idempotency_key: str, reply_to: str | None) -> PublishResult: ...


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def idempotency_key(draft_id: int, revision: int, destination: str, part: int) -> str:
    """Stable for one part of one revision at one destination, so a retry can be recognised."""
    raw = f"signoff:{draft_id}:{revision}:{destination}:{part}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]
