"""X (Twitter) through tweepy's async client, OAuth 1.0a user context.

tweepy hard-codes https://api.twitter.com, so an aiohttp client middleware moves each request to
the configured base URL (a local fake in tests). tweepy logs request headers at DEBUG, which
include the OAuth header: `x_logging.redact_tweepy_logs` scrubs them before any handler sees them.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from tweepy.asynchronous import AsyncClient
from twitter_text import parse_tweet
from yarl import URL

from destinations.base import EMPTY_TEXT, Capabilities, LengthUnit, Part, Post, PublishResult
from destinations.lengths import measure_for, x_weighted_length
from destinations.media.checks import images_for, media_problems
from destinations.media.limits import X_MEDIA
from destinations.splitting import thread_parts
from destinations.x_errors import map_tweepy_errors
from destinations.x_logging import redact_tweepy_logs
from destinations.x_media import upload_images

TWEEPY_HOST = "api.twitter.com"
MAX_WEIGHTED_LENGTH = 280
_URL = re.compile(r"https?://\S+")


class X:
    name = "x"
    capabilities = Capabilities(
        max_length=MAX_WEIGHTED_LENGTH,
        length_unit=LengthUnit.x_weighted,
        threads=True,
        media=True,
        media_limits=X_MEDIA,
        idempotency_keys=False,
        # Basic tier: 100 posts per 15 min per user.
        rate_limit_per_min=6,
        safe_to_retry_unknown=False,
    )
    handoff = False

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        *,
        api_url: str = "https://api.twitter.com",
        timeout_s: float = 30.0,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self._credentials = (consumer_key, consumer_secret, access_token, access_token_secret)
        self._base = URL(api_url.rstrip("/"))
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout_s, sock_read=timeout_s)
        redact_tweepy_logs(self._credentials)

    def format(self, post: Post) -> list[Part]:
        return thread_parts(post.text, MAX_WEIGHTED_LENGTH, measure_for(self.capabilities.length_unit))

    def preflight(self, post: Post) -> list[str]:
        if not post.text.strip():
            return [EMPTY_TEXT]
        problems = []
        for part in self.format(post):
            if not parse_tweet(part.text).valid:
                problems.append(f"part {part.index + 1} is not a valid post for X")
        return problems + media_problems("X", self.capabilities.media_limits, post.images)

    async def publish(self, post: Post, part: Part, *, idempotency_key: str, reply_to: str | None) -> PublishResult:
        # X's POST /2/tweets takes no idempotency key; the worker's claimed row is our only guard.
        images = images_for(post.images, part.index)
        async with self._client() as client:
            media_ids = await upload_images(client, images) if images else None
            async with map_tweepy_errors(sending=True):
                response = await client.create_tweet(
                    text=part.text, in_reply_to_tweet_id=reply_to, media_ids=media_ids, user_auth=True
                )
        tweet_id = str(response.data["id"])
        detail: dict[str, Any] = {"weighted_length": x_weighted_length(part.text)}
        if media_ids:
            detail["media_ids"] = media_ids
        return PublishResult(external_id=tweet_id, url=f"https://x.com/i/web/status/{tweet_id}", detail=detail)

    async def find_published(self, post: Post, part: Part) -> PublishResult | None:
        """The account's recent post with this part's text, if the unknown outcome was a success."""
        async with self._client() as client, map_tweepy_errors(sending=False):
            me = await client.get_me(user_auth=True)
            tweets = await client.get_users_tweets(me.data.id, max_results=20, user_auth=True)
        wanted = _comparable(part.text)
        for tweet in tweets.data or []:
            if _comparable(tweet.text) == wanted:
                return PublishResult(
                    external_id=str(tweet.id), url=f"https://x.com/i/web/status/{tweet.id}", detail={"reconciled": True}
                )
        return None

    @asynccontextmanager
    async def _client(self) -> AsyncIterator[AsyncClient]:
        async with aiohttp.ClientSession(timeout=self._timeout, middlewares=(self._rewrite,)) as session:
            key, secret, token, token_secret = self._credentials
            client = AsyncClient(
                consumer_key=key, consumer_secret=secret, access_token=token, access_token_secret=token_secret
            )
            client.session = session
            yield client

    async def _rewrite(
        self, request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        # The OAuth signature still covers api.twitter.com: a fake or a pass-through proxy does not
        # verify it against its own host, and the default base URL is never rewritten.
        if request.url.host == TWEEPY_HOST and self._base.host != TWEEPY_HOST:
            request.url = URL.build(
                scheme=self._base.scheme,
                host=self._base.raw_host or "",
                port=self._base.explicit_port,
                path=self._base.raw_path.rstrip("/") + request.url.raw_path,
                query_string=request.url.raw_query_string,
                encoded=True,
            )
            request.headers["Host"] = request.url.host_port_subcomponent or ""
        return await handler(request)


def _comparable(text: str) -> str:
    # X returns text HTML-escaped and with links replaced by t.co ones.
    return " ".join(_URL.sub("<url>", html.unescape(text)).split())
