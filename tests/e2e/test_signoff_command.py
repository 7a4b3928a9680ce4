"""`/signoff` answers quickly and privately, from the database."""

from __future__ import annotations

from bot.blocks import action_ids
from launch.local_slack.stack import LocalStack
from tests.e2e.conftest import shows, wait_for_draft


async def ask(stack: LocalStack, text: str, user: str = "U_CAROL") -> str:
    reply = await stack.user(user).slash("/signoff", text)
    assert reply.status == 200
    body = reply.json()
    assert body["response_type"] == "ephemeral"
    answer: str = body["text"]
    return answer


async def test_help_and_unknown_subcommands_show_the_commands(stack: LocalStack) -> None:
    assert "/signoff pending" in await ask(stack, "")
    assert "/signoff pending" in await ask(stack, "frobnicate now")


async def test_pending_lists_waiting_drafts_with_permalinks(stack: LocalStack) -> None:
    await stack.user("U_CAROL").slash("/draft", "first topic")
    await wait_for_draft(stack.slack, 1)
    text = await ask(stack, "pending")
    assert "1 draft waiting" in text and "#1 <https://local.slack/archives/C_GENERAL/p" in text
    assert "Nothing is waiting for you" in await ask(stack, "pending mine", user="U_CAROL")
    assert "#1" in await ask(stack, "pending mine", user="U_ALICE")


async def test_status_and_history_tell_the_story_of_a_draft(stack: LocalStack) -> None:
    await stack.user("U_CAROL").slash("/draft", "story")
    draft = await wait_for_draft(stack.slack)
    await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
    await stack.slack.wait_for(lambda: shows(draft, "Published"), 15)
    status = await ask(stack, "status 1")
    assert "Status: *published*" in status and "dryrun part 1: published" in status
    history = await ask(stack, "history #1")
    for fragment in (
        "requested · by <@U_CAROL>",
        "drafted · by Signoff",
        "approved · by <@U_ALICE>",
        "*Runs*",
        "run 1 succeeded: collect",
    ):
        assert fragment in history
    assert "no draft #99" in await ask(stack, "status 99")
    assert "Usage" in await ask(stack, "history abc")


async def test_search_finds_drafts_by_their_words(stack: LocalStack) -> None:
    await stack.user("U_CAROL").slash("/draft", "kubernetes autoscaling tips")
    await wait_for_draft(stack.slack, 1)
    await stack.user("U_CAROL").slash("/draft", "pancake recipes for the team offsite")
    await wait_for_draft(stack.slack, 2)
    text = await ask(stack, "search autoscaling")
    assert "#1" in text and "#2" not in text
    assert "Nothing matches" in await ask(stack, "search zeppelin")


async def test_cancel_stops_a_request_that_is_still_queued(database_url: str, redis_url: str) -> None:
    async with LocalStack(database_url=database_url, redis_url=redis_url, run_worker=False) as stack:
        await stack.user("U_CAROL").slash("/draft", "never mind")
        assert "not allowed" in await ask(stack, "cancel 1", user="U_MALLORY")
        assert "Cancelled" in await ask(stack, "cancel 1", user="U_CAROL")
        await stack.start_worker()
        text = await ask(stack, "status 1")
        assert "skipped" in text
        assert not [m for m in stack.slack.messages.values() if m.thread_ts]


async def test_only_admins_change_config_and_changes_take_effect(database_url: str, redis_url: str) -> None:
    async with LocalStack(
        database_url=database_url, redis_url=redis_url, approvers=("U_ALICE",), signoff_admins=["U_ADMIN"]
    ) as stack:
        assert "Only admins" in await ask(stack, "config set approvers U_BOB", user="U_ALICE")
        assert "Saved" in await ask(stack, "config set approvers <@U_BOB|bob>", user="U_ADMIN")
        assert "approvers: U_BOB" in await ask(stack, "config")
        assert "Choose among" in await ask(stack, "config set destinations x", user="U_ADMIN")
        await stack.user("U_CAROL").slash("/draft", "who decides now")
        draft = await wait_for_draft(stack.slack)
        await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
        note = await stack.slack.wait_for(lambda: stack.slack.ephemerals, 10)
        assert "not allowed" in note[0]["text"]
        await stack.user("U_BOB").click(draft, action_ids.APPROVE)
        await stack.slack.wait_for(lambda: shows(draft, "Published"), 15)


async def test_admin_sets_this_channels_digest_schedule(database_url: str, redis_url: str) -> None:
    async with LocalStack(database_url=database_url, redis_url=redis_url, signoff_admins=["U_ADMIN"]) as stack:
        assert "Digest schedule" in await ask(stack, "config set digest someday", user="U_ADMIN")
        assert "runs weekdays 08:30" in await ask(stack, "config set digest weekdays 08:30", user="U_ADMIN")
        assert "digest (this channel): weekdays 08:30" in await ask(stack, "config")


async def test_history_shows_the_models_token_counts_for_an_llm_run(database_url: str, redis_url: str) -> None:
    from tests.e2e.fake_llm import FakeLLM

    llm = FakeLLM(reply="We shipped faster search this week.")
    url = await llm.start()
    try:
        async with LocalStack(
            database_url=database_url,
            redis_url=redis_url,
            llm_base_url=url,
            llm_api_key="sk-local-test-key",
            llm_model="local-model",
            signoff_fetch_topic_urls=False,
        ) as stack:
            await stack.user("U_CAROL").slash("/draft", "faster search")
            draft = await wait_for_draft(stack.slack)
            assert "We shipped faster search this week." in str(draft.blocks)
            history = await ask(stack, "history 1")
            assert "(local, 10→8 tokens" in history  # the model the endpoint reported, and its usage
    finally:
        await llm.stop()


async def test_drafts_of_a_private_channel_are_shown_only_to_its_members(stack: LocalStack) -> None:
    stack.slack.members["C_PRIVATE"] = {"U_CAROL", "U_ALICE"}
    await stack.user("U_CAROL", channel_id="C_PRIVATE").slash("/draft", "the secret roadmap")
    await wait_for_draft(stack.slack)
    for member in ("U_CAROL", "U_ALICE"):
        assert "#1" in await ask(stack, "pending", user=member)
        assert "secret roadmap" in await ask(stack, "status 1", user=member)
        assert "#1" in await ask(stack, "search roadmap", user=member)
    outsider = "U_DAVE"
    assert "#1" not in await ask(stack, "pending", user=outsider)
    assert "#1" not in await ask(stack, "search roadmap", user=outsider)
    assert "#1" not in await ask(stack, "pending mine", user="U_BOB")
    # The same answer as for an id that does not exist: nothing tells an outsider the draft is there.
    for sub in ("status", "history", "cancel"):
        assert await ask(stack, f"{sub} 1", user=outsider) == "There is no draft #1."
        assert await ask(stack, f"{sub} 999", user=outsider) == "There is no draft #999."
    assert await ask(stack, "status 999", user=outsider) == "There is no draft #999."


async def test_when_slack_cannot_say_who_is_in_a_channel_nothing_is_shown(stack: LocalStack) -> None:
    await stack.user("U_CAROL").slash("/draft", "a topic")
    await wait_for_draft(stack.slack)
    stack.slack.fail_next("users.conversations", status=200, body={"ok": False, "error": "internal_error"})
    text = await ask(stack, "pending", user="U_DAVE")  # asked anew: U_DAVE has no cached answer
    assert "could not check with Slack" in text and "#1" not in text
