"""Pages whose URLs appear in the topic, fetched through the SSRF guard and reduced to text."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from pipeline.base import Source
from pipeline.errors import SourceError
from pipeline.fetch import FetchPolicy, fetch
from pipeline.readable import readable_text
from pipeline.sources import Warn

_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
MAX_URLS = 3


def urls_in(text: str) -> list[str]:
    found = [m.group(0).rstrip(".,;:!?)]»”’") for m in _URL.finditer(text)]
    return list(dict.fromkeys(found))[:MAX_URLS]


@dataclass
class TopicUrlReader:
    http: httpx.AsyncClient
    policy: FetchPolicy = FetchPolicy()
    label: str = "links in the topic"

    async def read(self, topic: str, warn: Warn) -> list[Source]:
        sources: list[Source] = []
        for url in urls_in(topic):
            try:
                page = await fetch(self.http, url, self.policy)
            except SourceError as exc:
                warn(exc.message)
                continue
            if "html" in page.content_type or page.body.lstrip()[:1] == b"<":
                title, text = readable_text(page.text)
            else:
                title, text = "", page.text
            sources.append(Source(title=title or url, url=url, excerpt=text[:4000], kind="web"))
        return sources
