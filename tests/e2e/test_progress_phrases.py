"""The parent message shows what a slow run is doing; a run that ends at once goes straight to its result."""

from __future__ import annotations

from launch.local_slack.stack import LocalStack
from tests.e2e.conftest import stack_with_a_silent_model, wait_for_draft


async def test_a_slow_run_shows_its_current_step_on_the_parent_message(database_url: str, redis_url: str) -> None:
    async with stack_with_a_silent_model(database_url, redis_url, run_timeout_s=4) as stack:
        await stack.user("U_CAROL").slash("/draft", "the model takes its time")
        parent = await stack.slack.wait_for(
            lambda: next(
                (m for m in stack.slack.channel_messages("C_GENERAL") if "writing with" in str(m.blocks)), None
            ),
            20,
        )
        assert parent.thread_ts is None
        await stack.slack.wait_for(lambda: "writing with" not in str(parent.blocks), 20)


async def test_a_run_that_ends_at_once_edits_its_parent_only_with_the_result(stack: LocalStack) -> None:
    await stack.user("U_CAROL").slash("/draft", "release notes for 2.4")
    await wait_for_draft(stack.slack)
    await stack.slack.wait_for(lambda: stack.slack.calls_to("chat.update"), 10)
    edits = [str(call.args.get("blocks")) for call in stack.slack.calls_to("chat.update")]
    assert edits and not [e for e in edits if "…" in e], edits
