"""RSS and Atom feeds, given as an http(s) URL or a local file path."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import feedparser
import httpx

from pipeline.base import Source
from pipeline.errors import SourceError
from pipeline.fetch import FetchPolicy, fetch
from pipeline.readable import strip_tags
from pipeline.sources import Warn

MAX_ENTRIES = 30


def entries_to_sources(parsed: feedparser.FeedParserDict, location: str) -> list[Source]:
    if parsed.get("bozo") and not parsed.get("entries"):
        reason = parsed.get("bozo_exception")
        raise SourceError(f"{location} is not a readable feed ({type(reason).__name__ if reason else 'no entries'})")
    feed_title = parsed.get("feed", {}).get("title", location)
    sources: list[Source] = []
    for entry in parsed.get("entries", [])[:MAX_ENTRIES]:
        summary = entry.get("summary") or ""
        if not summary and entry.get("content"):
            summary = entry["content"][0].get("value", "")
        link = entry.get("link")
        sources.append(
            Source(
                title=" ".join((entry.get("title") or feed_title).split()),
                # Only web links are provenance a reader can follow; anything else is dropped.
                url=link if isinstance(link, str) and link.startswith(("http://", "https://")) else None,
                excerpt=strip_tags(summary)[:2000],
                kind="feed",
            )
        )
    return sources


@dataclass
class FeedReader:
    location: str
    http: httpx.AsyncClient | None = None
    policy: FetchPolicy = FetchPolicy()

    @property
    def label(self) -> str:
        return f"feed {self.location}"

    async def read(self, topic: str, warn: Warn) -> list[Source]:
        if self.location.startswith(("http://", "https://")):
            if self.http is None:
                raise SourceError(f"{self.location} needs an HTTP client")
            page = await fetch(self.http, self.location, self.policy)
            parsed = feedparser.parse(page.body)
        else:
            # feedparser would happily fetch URLs itself; only hand it paths we checked above.
            parsed = await asyncio.to_thread(_parse_file, self.location)
        return entries_to_sources(parsed, self.location)


def _parse_file(path: str) -> feedparser.FeedParserDict:
    try:
        with open(path, "rb") as handle:
            return feedparser.parse(handle.read())
    except OSError as exc:
        raise SourceError(f"cannot read feed file {path}: {exc.strerror}") from exc
