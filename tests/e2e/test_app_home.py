"""The App Home, through the real bot: published per person when they open it, with what needs
their decision (four eyes respected), their requests, the next 14 days of scheduled publishes (with
Undo / Unschedule, refused to strangers) and what was published lately; admins see the settings.
Drafts of channels the person is not in never show."""

from __future__ import annotations

from typing import Any

from bot.blocks import action_ids
from launch.local_slack.stack import LocalStack
from tests.e2e.conftest import shows, wait_for_draft
from tests.e2e.slack_fixtures import home_click_payload, home_opened_payload


async def open_home(stack: LocalStack, user: str) -> dict[str, Any]:
    before = stack.slack.homes.get(user)
    reply = await stack.user(user).send_event(home_opened_payload(user))
    assert reply.status == 200
    home: dict[str, Any] = await stack.slack.wait_for(
        lambda: stack.slack.homes.get(user) is not before and stack.slack.homes.get(user), 10
    )
    return home


def text_of(home: dict[str, Any]) -> str:
    return str(home["blocks"])


async def test_the_home_lists_what_needs_my_decision_and_my_requests(database_url: str, redis_url: str) -> None:
    async with LocalStack(
        database_url=database_url, redis_url=redis_url, approvers=("U_ALICE", "U_BOB"), signoff_admins=["U_ADMIN"]
    ) as stack:
        await stack.user("U_CAROL").slash("/draft", "carol's launch post")
        await wait_for_draft(stack.slack, 1)
        await stack.user("U_ALICE").slash("/draft", "alice's own idea")
        await wait_for_draft(stack.slack, 2)

        alice = text_of(await open_home(stack, "U_ALICE"))
        assert "Needs your decision (1)" in alice and "#1" in alice and "carol's launch post" in alice
        assert "Your requests" in alice and "#2" in alice  # four eyes: her own draft is not hers to decide
        assert "Configuration" not in alice

        carol = text_of(await open_home(stack, "U_CAROL"))
        assert "not an approver" in carol and "#1" in carol and "#2" not in carol

        admin = text_of(await open_home(stack, "U_ADMIN"))
        assert "Configuration" in admin and "undo window" in admin


async def test_drafts_of_channels_i_am_not_in_do_not_show(database_url: str, redis_url: str) -> None:
    async with LocalStack(database_url=database_url, redis_url=redis_url, approvers=("U_ALICE", "U_BOB")) as stack:
        stack.slack.members["C_SECRET"] = {"U_CAROL", "U_BOB"}
        await stack.user("U_CAROL", channel_id="C_SECRET").slash("/draft", "the secret launch")
        await wait_for_draft(stack.slack, 1)
        assert "secret launch" not in text_of(await open_home(stack, "U_ALICE"))
        assert "secret launch" in text_of(await open_home(stack, "U_BOB"))


async def test_scheduled_publishes_can_be_called_off_from_the_home(database_url: str, redis_url: str) -> None:
    async with LocalStack(
        database_url=database_url, redis_url=redis_url, approvers=("U_ALICE", "U_BOB"), signoff_undo_s=300
    ) as stack:
        await stack.user("U_CAROL").slash("/draft", "hold it")
        draft = await wait_for_draft(stack.slack)
        await stack.user("U_ALICE").click(draft, action_ids.APPROVE)
        await stack.slack.wait_for(lambda: shows(draft, action_ids.CALL_OFF), 10)

        stranger = await open_home(stack, "U_MALLORY")
        assert "hold it" in text_of(stranger) and action_ids.CALL_OFF not in text_of(stranger)

        home = await open_home(stack, "U_BOB")
        assert "Scheduled — next 14 days" in text_of(home) and "Undo" in text_of(home)
        reply = await stack.user("U_BOB").send_interaction(home_click_payload("U_BOB", home, action_ids.CALL_OFF))
        assert reply.status == 200
        await stack.slack.wait_for(lambda: shows(draft, action_ids.APPROVE), 10)
        refreshed = await stack.slack.wait_for(
            lambda: "Nothing is scheduled" in text_of(stack.slack.homes["U_BOB"]) and stack.slack.homes["U_BOB"], 10
        )
        assert "Needs your decision (1)" in text_of(refreshed)

        # A second click on the stale Home button: told by direct message, nothing changes.
        await stack.user("U_BOB").send_interaction(home_click_payload("U_BOB", home, action_ids.CALL_OFF))
        told = await stack.slack.wait_for(
            lambda: [m for m in stack.slack.messages.values() if m.channel == "U_BOB"], 10
        )
        assert "pending" in told[0].text or "nothing to decide" in told[0].text


async def test_refresh_publishes_the_home_again(database_url: str, redis_url: str) -> None:
    async with LocalStack(database_url=database_url, redis_url=redis_url, approvers=("U_ALICE",)) as stack:
        home = await open_home(stack, "U_ALICE")
        assert "Nothing is waiting for you" in text_of(home)
        await stack.user("U_CAROL").slash("/draft", "fresh one")
        await wait_for_draft(stack.slack)
        await stack.user("U_ALICE").send_interaction(home_click_payload("U_ALICE", home, action_ids.HOME_REFRESH))
        await stack.slack.wait_for(lambda: "fresh one" in text_of(stack.slack.homes["U_ALICE"]), 10)
