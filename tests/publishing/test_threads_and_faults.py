"""Retryable, permanent and unknown outcomes against the fake platforms; threads resume.

Pass criterion everywhere: the platform saw each part at most once, and the thread tells the truth.
"""

from __future__ import annotations

import asyncio
from datetime import UTC
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from bot.blocks import publication_ids as ids
from bot.queue import QUEUE_NAME
from storage import outbox
from tests.destinations.fakes.mastodon import FakeMastodon
from tests.destinations.fakes.server import unused_port
from tests.destinations.fakes.x import FakeX, problem, rate_limited
from tests.e2e.conftest import shows
from tests.publishing.conftest import (
    X_SECRETS,
    approve,
    audit_kinds,
    desk,
    notes,
    outbox_rows,
    publications,
    until,
    x_settings,
)


async def rescheduled(database_url: str):  # type: ignore[no-untyped-def]
    """The publish row once the pass has given it back with its next due time."""
    for _ in range(200):
        job = next(j for j in await outbox_rows(database_url) if j.job == "publish_draft")
        if job.attempt >= 1 and job.lease_until is None:
            return job
        await asyncio.sleep(0.05)
    raise TimeoutError("the publish job was never rescheduled")


def fake_x() -> FakeX:
    return FakeX(consumer_key=X_SECRETS["x_api_key"], access_token=X_SECRETS["x_access_token"])


def once_each(posts: list[Any]) -> bool:
    texts = [getattr(p, "text", None) or p.get("content") for p in posts]
    return len(set(texts)) == len(texts)


class XFailingPartTwo(FakeX):
    """Answers the second post of a thread with a 503, once."""

    failed = False

    async def create_tweet(self, request: web.Request) -> web.Response:
        if len(self.posts) == 1 and not self.failed:
            self.failed = True
            return problem(503, "Service Unavailable", "Service Unavailable")
        return await super().create_tweet(request)


class MastodonAt(FakeMastodon):
    """A Mastodon that starts on a port chosen beforehand (nothing listened there a moment ago)."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port

    async def start(self) -> str:
        app = web.Application(middlewares=[self._faulty])
        self.routes(app)
        self._server = TestServer(app, host="127.0.0.1", port=self.port)
        await self._server.start_server()
        return self.url


async def test_an_x_thread_is_previewed_then_published_as_a_chain_of_replies(database_url: str, redis_url: str) -> None:
    async with fake_x() as fake, desk(database_url, redis_url, ["x"], **x_settings(fake.url)) as stack:
        draft = await approve(stack)
        preview = [b for b in draft.blocks if "Preview" in str(b)]
        await until(stack.slack, draft, "x part 3: published", "Published")
    assert "X: thread of 3 · " in str(preview) and "/280 · " in str(preview)
    assert [t.in_reply_to for t in fake.posts] == [None, fake.posts[0].id, fake.posts[1].id]
    assert shows(draft, f"x: published https://x.com/i/web/status/{fake.posts[0].id}")


async def test_a_429_is_retried_when_x_says_the_window_resets_and_each_part_posts_once(
    database_url: str, redis_url: str
) -> None:
    async with fake_x() as fake, desk(database_url, redis_url, ["x"], **x_settings(fake.url)) as stack:
        fake.fail_next(**rate_limited(reset_in_s=1), path="/2/tweets")
        draft = await approve(stack)
        await until(stack.slack, draft, "x part 3: published", "Published")
    assert len(fake.posts) == 3 and once_each(fake.posts)
    retries = [d for kind, _, d in await audit_kinds(database_url) if kind == "publish_retry"]
    assert len(retries) == 1 and retries[0]["retry_in_s"] <= 5 and "429" in retries[0]["error"]


async def test_a_500_backs_off_a_minute_in_the_outbox_and_in_arq_then_retry_now_publishes(
    database_url: str, redis_url: str
) -> None:
    async with fake_x() as fake, desk(database_url, redis_url, ["x"], **x_settings(fake.url)) as stack:
        fake.fail_next(500, path="/2/tweets", body={"title": "Internal", "detail": "boom", "status": 500})
        draft = await approve(stack)
        await until(stack.slack, draft, "x: will retry", "attempt 1 of 8, next in")
        job = await rescheduled(database_url)
        due_ms = job.due_at.replace(tzinfo=UTC).timestamp() * 1000
        redis = Redis.from_url(redis_url)
        arq_ms = await redis.zscore(QUEUE_NAME, outbox.arq_job_id(job))
        await redis.aclose()
        assert arq_ms is not None and abs(arq_ms - due_ms) < 1500, "due_at and arq's defer agree"
        assert 45_000 < due_ms - job.created_at.replace(tzinfo=UTC).timestamp() * 1000 < 80_000
        assert fake.posts == []
        await stack.user("U_BOB").click(draft, ids.RETRY)
        await until(stack.slack, draft, "x part 3: published", "Published")
    assert len(fake.posts) == 3 and once_each(fake.posts)


async def test_an_unreachable_platform_is_retried_and_nothing_was_sent_twice(database_url: str, redis_url: str) -> None:
    port = unused_port()
    async with desk(
        database_url,
        redis_url,
        ["mastodon"],
        mastodon_base_url=f"http://127.0.0.1:{port}",
        mastodon_token="mastodon-token",
    ) as stack:
        draft = await approve(stack)
        await until(stack.slack, draft, "mastodon: will retry", "could not reach Mastodon")
        async with MastodonAt(port) as fake:
            await stack.user("U_ALICE").click(draft, ids.RETRY)
            await until(stack.slack, draft, "mastodon part 2: published", "Published")
    assert len(fake.posts) == 2 and once_each(fake.posts)
    assert fake.posts[1]["in_reply_to_id"] == fake.posts[0]["id"]


async def test_a_post_stored_before_the_connection_dropped_is_reconciled_not_reposted(
    database_url: str, redis_url: str
) -> None:
    async with fake_x() as fake, desk(database_url, redis_url, ["x"], **x_settings(fake.url)) as stack:
        fake.fail_next(kind="drop", path="/2/tweets")
        draft = await approve(stack)
        await until(stack.slack, draft, "x part 3: published", "Published")
    assert len(fake.posts) == 3 and once_each(fake.posts)
    assert [t.in_reply_to for t in fake.posts] == [None, fake.posts[0].id, fake.posts[1].id]
    reconciled = [d for kind, _, d in await audit_kinds(database_url) if d.get("how") == "reconciled"]
    assert len(reconciled) == 1 and reconciled[0]["external_id"] == fake.posts[0].id


class MastodonWithSlowTimeline(FakeMastodon):
    """Its account timeline does not show a just-created status yet."""

    async def account_statuses(self, request: web.Request) -> web.Response:
        return web.json_response([])


async def test_mastodon_resends_with_the_same_idempotency_key_and_gets_the_same_status(
    database_url: str, redis_url: str
) -> None:
    async with (
        MastodonWithSlowTimeline() as fake,
        desk(database_url, redis_url, ["mastodon"], mastodon_base_url=fake.url, mastodon_token=fake.token) as stack,
    ):
        fake.fail_next(kind="drop", path="/api/v1/statuses")
        draft = await approve(stack)
        await until(stack.slack, draft, "mastodon part 2: published", "Published")
    assert len(fake.posts) == 2 and once_each(fake.posts)
    kinds = [kind for kind, _, _ in await audit_kinds(database_url)]
    assert kinds.count("publish_resend") == 1
    keys = [r.headers.get("Idempotency-Key") for r in fake.requests if r.path == "/api/v1/statuses"]
    assert len(keys) == 3 and keys[0] == keys[1] != keys[2]


async def test_a_thread_failing_at_part_two_resumes_from_part_two_replying_to_part_one(
    database_url: str, redis_url: str
) -> None:
    async with (
        XFailingPartTwo(consumer_key=X_SECRETS["x_api_key"], access_token=X_SECRETS["x_access_token"]) as fake,
        desk(database_url, redis_url, ["x"], **x_settings(fake.url)) as stack,
    ):
        draft = await approve(stack)
        await until(stack.slack, draft, "x: published", "x part 2: will retry")
        assert len(fake.posts) == 1
        await stack.user("U_ALICE").click(draft, ids.RETRY)
        await until(stack.slack, draft, "x part 3: published", "Published")
    assert len(fake.posts) == 3 and once_each(fake.posts)
    assert [t.in_reply_to for t in fake.posts] == [None, fake.posts[0].id, fake.posts[1].id]
    tweets = [r for r in fake.requests if r.path == "/2/tweets"]
    assert len(tweets) == 4, "part 1 once, part 2 twice (503, then the retry), part 3 once"
    rows = await publications(database_url)
    assert [(r.part, r.attempts) for r in rows] == [(0, 1), (1, 1), (2, 1)]


async def test_a_refused_post_stops_at_once_with_the_platforms_reason_in_the_thread(
    database_url: str, redis_url: str
) -> None:
    async with fake_x() as fake, desk(database_url, redis_url, ["x"], **x_settings(fake.url)) as stack:
        fake.fail_next(
            403,
            path="/2/tweets",
            body={"title": "Forbidden", "detail": "You are not permitted", "type": "about:blank", "status": 403},
        )
        draft = await approve(stack)
        await until(stack.slack, draft, "x: failed: X refused", "Failed")
        await stack.slack.wait_for(lambda: any("X: failed" in n for n in notes(stack.slack, draft)))
    assert fake.posts == [] and len([r for r in fake.requests if r.path == "/2/tweets"]) == 1
    assert shows(draft, ids.RETRY) and shows(draft, ids.SKIP)
