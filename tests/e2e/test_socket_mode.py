"""With SLACK_APP_TOKEN set, the bot takes Slack's requests over a Socket Mode WebSocket."""

from __future__ import annotations

from bot.blocks import action_ids
from launch.local_slack.stack import LocalStack
from tests.e2e.conftest import shows, wait_for_draft


async def test_a_draft_requested_over_socket_mode_is_acked_drafted_and_approved(
    database_url: str, redis_url: str
) -> None:
    async with LocalStack(database_url=database_url, redis_url=redis_url, socket_mode=True) as stack:
        await stack.slack.wait_for(lambda: stack.slack.sockets, 10)
        ack = await stack.user("U_CAROL").slash_over_socket("/draft", "socket mode works")
        assert "drafting #1" in ack["text"]
        draft = await wait_for_draft(stack.slack)
        assert stack.slack.calls_to("apps.connections.open")
        await stack.user("U_ALICE").click(draft, action_ids.APPROVE)  # the HTTP endpoint still works too
        await stack.slack.wait_for(lambda: shows(draft, "Published"), 15)
