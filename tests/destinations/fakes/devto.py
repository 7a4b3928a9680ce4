"""A fake Dev.to (Forem API v1): POST /api/articles and GET /api/articles/me/all.

Errors look like Forem's: {"error": "...", "status": N}; 401 for a missing or wrong api-key
(both the same); 422 for validation (no title, more than 4 tags, a tag that is not alphanumeric);
429 with Retry-After.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.destinations.fakes.server import FakeServer


def forem_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message, "status": status}, status=status)


def rate_limited(retry_after_s: int = 30) -> dict[str, Any]:
    return {
        "status": 429,
        "headers": {"Retry-After": str(retry_after_s)},
        "body": {"error": f"Rate limit reached, try again in {retry_after_s} seconds", "status": 429},
    }


class FakeDevTo(FakeServer):
    def __init__(self, api_key: str = "devto-key", username: str = "signoff") -> None:
        super().__init__()
        self.api_key = api_key
        self.username = username
        self.posts: list[dict[str, Any]] = []
        self._ids = itertools.count(2000001)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/articles", self.create_article)
        app.router.add_get("/api/articles/me/all", self.my_articles)

    async def create_article(self, request: web.Request) -> web.Response:
        if request.headers.get("api-key") != self.api_key:
            return forem_error(401, "unauthorized")
        article = (await request.json()).get("article", {})
        title = (article.get("title") or "").strip()
        if not title:
            return forem_error(422, "Title can't be blank")
        tags = article.get("tags") or []
        if isinstance(tags, str):
            tags = [t.strip() for t in tags.split(",") if t.strip()]
        if len(tags) > 4:
            return forem_error(422, "Tag list exceed the maximum of 4 tags")
        if bad := [t for t in tags if not re.fullmatch(r"[a-z0-9]+", t)]:
            return forem_error(422, f"Tag {bad[0]} contains non-alphanumeric or special characters")
        article_id = next(self._ids)
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") + f"-{article_id:x}"
        created = {
            "type_of": "article",
            "id": article_id,
            "title": title,
            "slug": slug,
            "body_markdown": article.get("body_markdown", ""),
            "published": bool(article.get("published")),
            "tag_list": tags,
            "url": f"https://dev.to/{self.username}/{slug}",
            "created_at": datetime.now(UTC).isoformat(),
        }
        self.posts.append(created)
        return web.json_response(created, status=201)

    async def my_articles(self, request: web.Request) -> web.Response:
        if request.headers.get("api-key") != self.api_key:
            return forem_error(401, "unauthorized")
        per_page = int(request.query.get("per_page", "30"))
        return web.json_response(list(reversed(self.posts))[:per_page])
