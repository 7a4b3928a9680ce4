"""A fake X API v2: POST /2/tweets, GET /2/users/me, GET /2/users/{id}/tweets.

Shapes follow the real API: 201 {"data": {"id", "text", "edit_history_tweet_ids"}}; errors are
problem-details JSON ({"title", "detail", "type", "status"}); rate limits come as
x-rate-limit-limit / -remaining / -reset (epoch seconds), the 24-hour post caps as
x-user-limit-24hour-* and x-app-limit-24hour-*, the monthly usage cap as a 429 whose body is titled
UsageCapExceeded. Only OAuth 1.0a user context is accepted.
"""

from __future__ import annotations

import html
import itertools
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from tests.destinations.fakes.server import FakeServer


@dataclass
class Tweet:
    id: str
    text: str
    in_reply_to: str | None


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(
        {"title": title, "detail": detail, "type": "about:blank", "status": status}, status=status, headers=headers
    )


def rate_limited(reset_in_s: int = 60) -> dict[str, Any]:
    """Arguments for `fail_next` that make the next call a real-looking 429."""
    reset = str(int(time.time()) + reset_in_s)
    return {
        "status": 429,
        "headers": {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0", "x-rate-limit-reset": reset},
        "body": {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
    }


def daily_cap_reached(reset_in_s: int = 5 * 3600, *, scope: str = "user") -> dict[str, Any]:
    """A 429 for the 24-hour post cap: the 15-minute window still has room, the day does not."""
    now = int(time.time())
    return {
        "status": 429,
        "headers": {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "99",
            "x-rate-limit-reset": str(now + 900),
            f"x-{scope}-limit-24hour-limit": "17",
            f"x-{scope}-limit-24hour-remaining": "0",
            f"x-{scope}-limit-24hour-reset": str(now + reset_in_s),
        },
        "body": {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
    }


def usage_cap_exceeded() -> dict[str, Any]:
    """A 429 for the app's monthly usage cap: a problem body naming it, and no reset at all."""
    return {
        "status": 429,
        "headers": {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "99",
            "x-rate-limit-reset": str(int(time.time()) + 900),
        },
        "body": {
            "title": "UsageCapExceeded",
            "detail": "Usage cap exceeded: Monthly product cap",
            "type": "https://api.twitter.com/2/problems/usage-capped",
            "period": "Monthly",
            "scope": "Product",
            "account_id": "1500000000000000001",
            "product_name": "standard-basic",
        },
    }


class FakeX(FakeServer):
    user_id = "1500000000000000001"
    username = "signoff_test"

    def __init__(self, consumer_key: str = "ck", access_token: str = "1500000000000000001-at") -> None:
        super().__init__()
        self.consumer_key = consumer_key
        self.access_token = access_token
        self.posts: list[Tweet] = []
        self._ids = itertools.count(1800000000000000000)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/2/tweets", self.create_tweet)
        app.router.add_get("/2/users/me", self.me)
        app.router.add_get("/2/users/{id}/tweets", self.user_tweets)

    def _authorized(self, request: web.Request) -> bool:
        # Checks who is calling, not the signature: it covers api.twitter.com, not this host.
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("OAuth "):
            return False
        params = dict(p.strip().split("=", 1) for p in auth[len("OAuth ") :].split(","))
        values = {k: unquote(v.strip('"')) for k, v in params.items()}
        return (
            values.get("oauth_consumer_key") == self.consumer_key
            and values.get("oauth_token") == self.access_token
            and "oauth_signature" in values
        )

    async def create_tweet(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return problem(401, "Unauthorized", "Unauthorized")
        body = await request.json()
        text = body.get("text", "")
        if any(t.text == text for t in self.posts):
            return problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if reply_to is not None and not any(t.id == reply_to for t in self.posts):
            return problem(400, "Invalid Request", "One or more parameters to your request was invalid.")
        tweet = Tweet(id=str(next(self._ids)), text=text, in_reply_to=reply_to)
        self.posts.append(tweet)
        return web.json_response(
            {"data": {"id": tweet.id, "text": tweet.text, "edit_history_tweet_ids": [tweet.id]}}, status=201
        )

    async def me(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return problem(401, "Unauthorized", "Unauthorized")
        return web.json_response({"data": {"id": self.user_id, "name": "Signoff", "username": self.username}})

    async def user_tweets(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return problem(401, "Unauthorized", "Unauthorized")
        limit = int(request.query.get("max_results", "10"))
        # X answers HTML-escaped text, newest first.
        newest = [
            {"id": t.id, "text": html.escape(t.text, quote=False), "edit_history_tweet_ids": [t.id]}
            for t in reversed(self.posts)
        ][:limit]
        if not newest:
            return web.json_response({"meta": {"result_count": 0}})
        return web.json_response(
            {
                "data": newest,
                "meta": {"result_count": len(newest), "newest_id": newest[0]["id"], "oldest_id": newest[-1]["id"]},
            }
        )
