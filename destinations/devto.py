"""Dev.to (Forem API v1): one article per post, POST /api/articles with the api-key header.

An article needs a title: the post's own, or its leading Markdown heading (which is then taken
out of the body so it does not show twice). Dev.to accepts at most four tags of letters and digits.
"""

from __future__ import annotations

import re
import unicodedata

import httpx

from destinations.base import Capabilities, Part, Post, PublishResult
from destinations.http_errors import json_body, map_http_errors, raise_for_status
from destinations.media.checks import media_problems
from destinations.media.limits import DEVTO_NO_MEDIA

MAX_TAGS = 4
MAX_TAG_LENGTH = 30
MAX_TITLE_LENGTH = 128
ACCEPT = "application/vnd.forem.api-v1+json"
_HEADING = re.compile(r"\A\s*#\s+(.+?)\s*#*\s*(?:\n|\Z)")


def sanitize_tags(tags: tuple[str, ...] | list[str]) -> list[str]:
    """Lowercase ASCII letters and digits only ("C++" → "c", "Café" → "cafe"), deduplicated, ≤ 4."""
    clean: list[str] = []
    for tag in tags:
        ascii_tag = unicodedata.normalize("NFKD", tag).encode("ascii", "ignore").decode()
        name = re.sub(r"[^a-z0-9]", "", ascii_tag.lower())[:MAX_TAG_LENGTH]
        if name and name not in clean:
            clean.append(name)
    return clean[:MAX_TAGS]


def title_and_body(post: Post) -> tuple[str | None, str]:
    if post.title and post.title.strip():
        return post.title.strip(), post.text
    match = _HEADING.match(post.text)
    if match is None:
        return None, post.text
    return match.group(1), post.text[match.end() :].lstrip("\n")


class DevTo:
    name = "devto"
    capabilities = Capabilities(
        max_length=None,
        markdown=True,
        media=False,
        idempotency_keys=False,
        # Dev.to throttles article creation (429 + Retry-After); stay well under it.
        rate_limit_per_min=6,
        safe_to_retry_unknown=False,
    )
    handoff = False

    def __init__(
        self, api_key: str, http: httpx.AsyncClient, *, api_url: str = "https://dev.to", publish: bool = False
    ) -> None:
        self._base = api_url.rstrip("/")
        self._headers = {"api-key": api_key, "Accept": ACCEPT}
        self._http = http
        self._publish = publish

    def format(self, post: Post) -> list[Part]:
        return [Part(index=0, text=title_and_body(post)[1])]

    def preflight(self, post: Post) -> list[str]:
        problems = []
        title, body = title_and_body(post)
        if not title:
            problems.append("Dev.to needs a title: set one or start the text with a '# Heading' line")
        elif len(title) > MAX_TITLE_LENGTH:
            problems.append(f"the title is longer than Dev.to's {MAX_TITLE_LENGTH} characters")
        if not body.strip():
            problems.append("the article body is empty")
        return problems + media_problems("Dev.to", None, post.images, no_media=DEVTO_NO_MEDIA)

    async def publish(self, post: Post, part: Part, *, idempotency_key: str, reply_to: str | None) -> PublishResult:
        title, _ = title_and_body(post)
        article = {
            "title": title,
            "body_markdown": part.text,
            "published": self._publish,
            "tags": sanitize_tags(post.tags),
        }
        async with map_http_errors("Dev.to"):
            response = await self._http.post(
                f"{self._base}/api/articles", json={"article": article}, headers=self._headers
            )
        raise_for_status(response, "Dev.to")
        created = json_body(response, "Dev.to")
        # Dev.to has been seen to keep an article as a draft despite published=true: say so.
        return PublishResult(
            external_id=str(created["id"]),
            url=created.get("url"),
            detail={"published": created.get("published"), "slug": created.get("slug")},
        )

    async def find_published(self, post: Post, part: Part) -> PublishResult | None:
        """The account's article (draft or published) with this title and body, if any."""
        title, _ = title_and_body(post)
        async with map_http_errors("Dev.to"):
            response = await self._http.get(
                f"{self._base}/api/articles/me/all", params={"per_page": 30}, headers=self._headers
            )
        raise_for_status(response, "Dev.to")
        for article in response.json():
            if article.get("title") == title and article.get("body_markdown", "").strip() == part.text.strip():
                return PublishResult(
                    external_id=str(article["id"]),
                    url=article.get("url"),
                    detail={"published": article.get("published"), "reconciled": True},
                )
        return None
