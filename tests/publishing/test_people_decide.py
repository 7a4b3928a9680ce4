"""Retry / Mark as published / Skip by approvers, refused for everyone else; the LinkedIn hand-off."""

from __future__ import annotations

from aiohttp import web

from bot.blocks import publication_ids as ids
from launch.local_slack.stack import LocalStack
from tests.destinations.fakes.bluesky import FakeBluesky
from tests.destinations.fakes.x import FakeX
from tests.e2e.conftest import shows
from tests.publishing.conftest import X_SECRETS, approve, audit_kinds, desk, notes, publications, until, x_settings

POST_TEXT = "We moved every approval into one audited thread this week. #Signoff"


class XWithHiddenTimeline(FakeX):
    """Stores a post, but its timeline lookup does not show it: reconciliation cannot tell."""

    async def user_tweets(self, request: web.Request) -> web.Response:
        return web.json_response({"meta": {"result_count": 0}})


async def _unconfirmed(stack: LocalStack, fake):  # type: ignore[no-untyped-def]
    fake.fail_next(kind="drop", path="/2/tweets")
    draft = await approve(stack)
    await until(stack.slack, draft, "x: unconfirmed, check X")
    await stack.slack.wait_for(lambda: any("cannot tell whether" in n for n in notes(stack.slack, draft)))
    return draft


async def test_an_unknown_outcome_is_not_resent_and_a_non_approver_cannot_skip_it(
    database_url: str, redis_url: str
) -> None:
    async with (
        XWithHiddenTimeline(consumer_key=X_SECRETS["x_api_key"], access_token=X_SECRETS["x_access_token"]) as fake,
        desk(database_url, redis_url, ["x"], text=POST_TEXT, **x_settings(fake.url)) as stack,
    ):
        draft = await _unconfirmed(stack, fake)
        assert shows(draft, ids.RETRY) and shows(draft, ids.MARK) and shows(draft, ids.SKIP)
        await stack.user("U_MALLORY").click(draft, ids.SKIP)
        await stack.slack.wait_for(lambda: any("Only approvers" in e["text"] for e in stack.slack.ephemerals))
        assert shows(draft, "x: unconfirmed")
        await stack.user("U_BOB").click(draft, ids.SKIP)
        await until(stack.slack, draft, "x: skipped")
    assert len(fake.posts) == 1 and len([r for r in fake.requests if r.path == "/2/tweets"]) == 1
    events = await audit_kinds(database_url)
    assert ("refused", "U_MALLORY") in [(k, a) for k, a, _ in events]
    assert ("publish_skipped", "U_BOB") in [(k, a) for k, a, _ in events]
    assert [r.status for r in await publications(database_url)] == ["skipped"]


async def test_mark_as_published_asks_for_the_link_and_records_who_said_so(database_url: str, redis_url: str) -> None:
    async with (
        XWithHiddenTimeline(consumer_key=X_SECRETS["x_api_key"], access_token=X_SECRETS["x_access_token"]) as fake,
        desk(database_url, redis_url, ["x"], text=POST_TEXT, **x_settings(fake.url)) as stack,
    ):
        draft = await _unconfirmed(stack, fake)
        await stack.user("U_ALICE").click(draft, ids.MARK)
        view = await stack.slack.wait_for(lambda: stack.slack.views and stack.slack.views[-1])
        bad = await stack.user("U_ALICE").submit_view(view, {ids.URL_BLOCK: "<!channel> look"})
        assert bad.json().get("response_action") == "errors"
        link = f"https://x.com/signoff_test/status/{fake.posts[0].id}"
        await stack.user("U_ALICE").submit_view(view, {ids.URL_BLOCK: link})
        await until(stack.slack, draft, f"x: published {link}", "Published")
    marked = [(a, d) for k, a, d in await audit_kinds(database_url) if d.get("how") == "marked by hand"]
    assert marked == [("U_ALICE", marked[0][1])] and marked[0][1]["url"] == link
    assert len(fake.posts) == 1


async def test_retry_after_an_unknown_outcome_is_a_persons_choice_and_posts_again(
    database_url: str, redis_url: str
) -> None:
    async with (
        XWithHiddenTimeline(consumer_key=X_SECRETS["x_api_key"], access_token=X_SECRETS["x_access_token"]) as fake,
        desk(database_url, redis_url, ["x"], text=POST_TEXT, **x_settings(fake.url)) as stack,
    ):
        draft = await _unconfirmed(stack, fake)
        fake.posts.clear()  # the person checked: it is not there (say, it was removed)
        await stack.user("U_ALICE").click(draft, ids.RETRY)
        await until(stack.slack, draft, "x: published", "Published")
    assert len(fake.posts) == 1
    assert ("publish_retry_requested", "U_ALICE") in [(k, a) for k, a, _ in await audit_kinds(database_url)]


async def test_linkedin_is_handed_off_in_the_thread_and_marked_as_posted(database_url: str, redis_url: str) -> None:
    async with desk(database_url, redis_url, ["linkedin"], text=POST_TEXT) as stack:
        draft = await approve(stack)
        await until(stack.slack, draft, "linkedin: ready to post by hand")
        handoff = await stack.slack.wait_for(
            lambda: next(
                (
                    m
                    for m in stack.slack.thread(draft.channel, draft.thread_ts or "")
                    if shows(m, "Mark as posted") and m.ts != draft.ts
                ),
                None,
            )
        )
        assert shows(handoff, "We moved every approval into one audited thread this week.")
        assert shows(draft, "Publishing")
        await stack.user("U_MALLORY").click(handoff, ids.MARK)
        await stack.slack.wait_for(lambda: any("Only approvers" in e["text"] for e in stack.slack.ephemerals))
        assert stack.slack.views == []
        await stack.user("U_ALICE").click(handoff, ids.MARK)
        view = await stack.slack.wait_for(lambda: stack.slack.views and stack.slack.views[-1])
        assert "Mark as posted" in str(view)
        await stack.user("U_ALICE").submit_view(view, {ids.URL_BLOCK: "https://www.linkedin.com/feed/update/1"})
        await until(stack.slack, draft, "linkedin: published https://www.linkedin.com/feed/update/1", "Published")
        await stack.slack.wait_for(lambda: shows(handoff, "Posted on LinkedIn by <@U_ALICE>"))
    kinds = [(k, a) for k, a, _ in await audit_kinds(database_url)]
    assert ("publish_handoff", "signoff") in kinds and ("published", "U_ALICE") in kinds
    assert ("publishing_published", "signoff") in kinds


class BlueskyWithHiddenRepo(FakeBluesky):
    """Stores a post, but listing the repo does not show it: reconciliation cannot tell."""

    async def list_records(self, request: web.Request) -> web.Response:
        return web.json_response({"records": []})


async def test_a_bluesky_part_marked_by_hand_is_replied_to_by_the_rest_of_the_thread(
    database_url: str, redis_url: str
) -> None:
    async with (
        BlueskyWithHiddenRepo() as fake,
        desk(
            database_url,
            redis_url,
            ["bluesky"],
            bluesky_handle=fake.handle,
            bluesky_app_password=fake.password,
            bluesky_service_url=fake.url,
        ) as stack,
    ):
        fake.fail_next(kind="drop", path="/xrpc/com.atproto.repo.createRecord")
        draft = await approve(stack)
        await until(stack.slack, draft, "bluesky: unconfirmed")
        (first,) = fake.records.values()
        link = f"https://bsky.app/profile/{fake.handle}/post/{first['uri'].rsplit('/', 1)[-1]}"
        await stack.user("U_ALICE").click(draft, ids.MARK)
        view = await stack.slack.wait_for(lambda: stack.slack.views and stack.slack.views[-1])
        await stack.user("U_ALICE").submit_view(view, {ids.URL_BLOCK: link})
        await until(stack.slack, draft, f"bluesky: published {link}", "Published")
    posts = sorted(fake.records.values(), key=lambda r: r["uri"])
    assert len(posts) >= 2 and posts[0] == first
    assert [p["value"]["reply"]["parent"]["uri"] for p in posts[1:]] == [p["uri"] for p in posts[:-1]]
    assert all(p["value"]["reply"]["root"]["uri"] == first["uri"] for p in posts[1:])
